/**
 * The VMs vdsmd owns: creation (validate the engine's XML, apply host policy, start), lookups, the lists and stats the
 * API serves, and routing of libvirt events to the right VM. VM state lives in vm/vm.ts, libvirt operations in
 * vm/lifecycle.ts and vm/devices.ts, restart recovery in recovery.ts.
 */

import type { Logger } from '@vdsm-ts/common/logging';
import {
  type DomainHandle,
  EventId,
  type Hypervisor,
  LifecycleEvent,
  type Subscription,
} from '@vdsm-ts/native/libvirt/index';
import { RawJson } from '../common/raw-json.js';
import { VdsmError } from '../errors/vdsm-error.js';
import { chooseDomainType, type OfferedTypes, offeredDomainTypes } from './domain-type.js';
import {
  type DomainDescription,
  DomainXmlError,
  type ParsedDomain,
  parseDomain,
  withDomainType,
  withDrivePaths,
} from './domain-xml.js';
import { type DrivePreparer, imageDrives, prepareDrives, teardownDrives, VolumeError } from './drives.js';
import type { KvmSupport } from './kvm-support.js';
import { VmMetadata } from './metadata.js';
import { type RecoveryOptions, recoverDomain, recoverVms } from './recovery.js';
import { type IoTuneEntry, type TicketOptions, VmDevices } from './vm/devices.js';
import { type IoTunePolicyValues, ioTunePolicyValues } from './vm/io-tune-policy.js';
import { GraphicsPhase, shutoffDown } from './vm/libvirt-events.js';
import {
  type GuestAgentFactory,
  type QemuGuestAgentFactory,
  type SamplerHooks,
  type ShutdownOptions,
  VmLifecycle,
} from './vm/lifecycle.js';
import { type SnapshotRequest, VmSnapshots } from './vm/snapshot.js';
import {
  type SampledStatsSource,
  statsJson,
  type VmFullInfoRecord,
  type VmStatsRecord,
  vmFullInfo,
  vmStats,
} from './vm/stats.js';
import { downInfo, ExitCode, ExitReason, type VmStatus } from './vm/status.js';
import { statusEventBody } from './vm/status-event.js';
import { DEFAULT_VM_TIMING, Vm, type VmTiming, type VmView } from './vm/vm.js';

/** A hypervisor that survives reconnection (HypervisorConnection). */
export interface ManagedHypervisor extends Hypervisor {
  onReconnect(listener: () => void): () => void;
}

export interface VmManagerOptions {
  readonly hypervisor: ManagedHypervisor;
  readonly logger: Logger;
  readonly kvm: KvmSupport;
  readonly sampler?: SampledStatsSource & SamplerHooks;
  readonly agentFactory?: GuestAgentFactory;
  /** Pollers for domains with a qemu-guest-agent channel. */
  readonly qgaFactory?: QemuGuestAgentFactory;
  /** Sends `|virt|VM_status|<vmId>` events. */
  readonly publish: (method: string, params: Readonly<Record<string, unknown>>) => void;
  readonly timing?: Partial<VmTiming>;
  /** Default timeout of each VM.shutdown method (upstream sys_shutdown_timeout, 120 s). */
  readonly shutdownTimeoutSeconds?: number;
  /** `[irs] repository`, where memory snapshot volumes are found. */
  readonly repository?: string;
  /** Prepares and tears down the drives that name oVirt images; without it their paths are used as given. */
  readonly drives?: DrivePreparer;
}

/** Hot(un)plug parameters: the device XML, or the legacy dictionary under `drive` / `nic`. */
export type HotplugParams<K extends 'drive' | 'nic'> = { xml?: string } & {
  [P in K]?: Readonly<Record<string, unknown>>;
};

export interface CreateResult {
  readonly vmId: string;
  readonly vmName: string;
  readonly status: string;
  readonly statusTime: number;
  readonly xml: string;
}

export interface VmCounts {
  readonly vmCount: number;
  readonly vmActive: number;
  readonly vmMigrating: number;
  readonly incomingVmMigrations: number;
  readonly outgoingVmMigrations: number;
}

/**
 * VM.getMigrationStatus of a VM that never migrated: upstream's fresh SourceThread status, which says "in progress"
 * with progress 0 (migration.py SourceThread.__init__ / getStat); vdsm-ts runs no migrations yet.
 */
export type MigrationStatusRecord = {
  readonly status: { readonly code: number; readonly message: string };
  readonly progress: number;
};
const NO_MIGRATION: MigrationStatusRecord = Object.freeze({
  status: Object.freeze({ code: 0, message: 'Migration in progress' }),
  progress: 0,
});

const DEFAULT_SHUTDOWN_TIMEOUT_S = 120;
/** Events kept per not-yet-recovered domain; the oldest go first (the latest decide the state). */
const MAX_PENDING_EVENTS = 64;

function sameRecords(a: readonly VmStatsRecord[], b: readonly VmStatsRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class VmManager {
  private readonly vms = new Map<string, Vm>();
  private readonly log: Logger;
  private readonly hv: ManagedHypervisor;
  private readonly timing: VmTiming;
  private readonly lifecycle: VmLifecycle;
  private readonly devices: VmDevices;
  private readonly snapshots: VmSnapshots;
  private subscriptions: Subscription[] = [];
  private offered: OfferedTypes | undefined;
  private detachReconnect: (() => void) | undefined;
  private allStatsText: { records: readonly VmStatsRecord[]; json: RawJson<VmStatsRecord[]> } | undefined;
  /** While recovery runs: events for domains not in the map yet, by UUID, replayed once their VM is registered. */
  private pending: Map<string, Array<(vm: Vm) => void>> | undefined;

  constructor(private readonly o: VmManagerOptions) {
    this.log = o.logger;
    this.hv = o.hypervisor;
    this.timing = { ...DEFAULT_VM_TIMING, ...o.timing };
    this.lifecycle = new VmLifecycle({
      hypervisor: o.hypervisor,
      logger: o.logger,
      ...(o.sampler === undefined ? {} : { sampler: o.sampler }),
      ...(o.agentFactory === undefined ? {} : { agentFactory: o.agentFactory }),
      ...(o.qgaFactory === undefined ? {} : { qgaFactory: o.qgaFactory }),
      shutdownTimeoutSeconds: o.shutdownTimeoutSeconds ?? DEFAULT_SHUTDOWN_TIMEOUT_S,
      onDown: (vm) => this.teardown(vm),
    });
    this.devices = new VmDevices({
      lifecycle: this.lifecycle,
      logger: o.logger,
      ...(o.drives === undefined ? {} : { drives: o.drives }),
    });
    this.snapshots = new VmSnapshots(this.lifecycle, o.logger);
  }

  /**
   * Subscribes to libvirt events and recovers the VMs that run already. Resolves when recovery is done. Recovery reads
   * every domain's state first and registers the VMs at the end, so events arriving meanwhile (a domain stopping after
   * its state was read) are kept and replayed on their VM; replaying one that the state already shows changes nothing.
   */
  async start(): Promise<void> {
    this.pending = new Map();
    let recovered: Vm[];
    try {
      await this.subscribe();
      recovered = await recoverVms(this.recoveryOptions());
      for (const vm of recovered) {
        this.vms.set(vm.id, vm);
        for (const apply of this.pending.get(vm.id) ?? []) apply(vm);
      }
    } finally {
      this.pending = undefined;
    }
    this.detachReconnect = this.hv.onReconnect(() => {
      void this.resync().catch((err: unknown) => this.log.warn({ err }, 'VM re-sync after reconnection failed'));
    });
  }

  /** Stops listening; the guests keep running (a restarted vdsmd recovers them). */
  async stop(): Promise<void> {
    this.detachReconnect?.();
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe().catch(() => undefined)));
    for (const vm of this.vms.values()) vm.dispose();
  }

  private async subscribe(): Promise<void> {
    const on = (uuid: string, apply: (vm: Vm) => void) => this.route(uuid, apply);
    this.subscriptions = await Promise.all([
      this.hv.subscribe(EventId.LIFECYCLE, (e) => {
        if (e.event === LifecycleEvent.STARTED && this.unknown(e.domain.uuid)) void this.adopt(e.domain.uuid);
        on(e.domain.uuid, (vm) => this.lifecycle.onLifecycle(vm, e.event, e.detail));
      }),
      this.hv.subscribe(EventId.REBOOT, (e) => {
        on(e.domain.uuid, (vm) => this.lifecycle.onReboot(vm));
      }),
      this.hv.subscribe(EventId.RTC_CHANGE, (e) => {
        on(e.domain.uuid, (vm) => vm.rtcChanged(e.utcOffset));
      }),
      this.hv.subscribe(EventId.IO_ERROR_REASON, (e) => {
        on(e.domain.uuid, (vm) => vm.ioErrorReported(e.reason.toLowerCase() === 'enospc' ? 'ENOSPC' : 'EIO'));
      }),
      this.hv.subscribe(EventId.GRAPHICS, (e) => {
        on(e.domain.uuid, (vm) => vm.graphicsClientChanged(e.phase === GraphicsPhase.DISCONNECT ? '' : e.remote.node));
      }),
      this.hv.subscribe(EventId.DEVICE_ADDED, (e) => {
        on(e.domain.uuid, (vm) => void this.lifecycle.refreshDescription(vm));
      }),
      this.hv.subscribe(EventId.AGENT_LIFECYCLE, (e) => {
        on(e.domain.uuid, (vm) => this.lifecycle.onAgentLifecycle(vm, e.state));
      }),
      this.hv.subscribe(EventId.DEVICE_REMOVED, (e) => {
        on(e.domain.uuid, (vm) => this.devices.onDeviceRemoved(vm, e.devAlias));
      }),
    ]);
  }

  /** An event for a domain: applied to its VM, kept while recovery may still register it, else ignored. */
  private route(uuid: string, apply: (vm: Vm) => void): void {
    const id = uuid.toLowerCase();
    const vm = this.vms.get(id);
    if (vm !== undefined) {
      apply(vm);
      return;
    }
    const pending = this.pending;
    if (pending === undefined) return;
    let queue = pending.get(id);
    if (queue === undefined) {
      queue = [];
      pending.set(id, queue);
    }
    if (queue.length >= MAX_PENDING_EVENTS) queue.shift();
    queue.push(apply);
  }

  private recoveryOptions(): RecoveryOptions {
    return {
      hypervisor: this.hv,
      lifecycle: this.lifecycle,
      logger: this.log,
      makeVm: (description, metadata, external) => this.makeVm(description, metadata, external),
      ...(this.o.sampler === undefined ? {} : { sampler: this.o.sampler }),
    };
  }

  /** A domain vdsmd neither runs nor is recovering (a candidate external VM). */
  private unknown(uuid: string): boolean {
    return this.pending === undefined && !this.vms.has(uuid.toLowerCase());
  }

  /**
   * A domain started behind vdsmd's back: recovered as an external VM when it is one (upstream's
   * lookup_external_vms, which runs for the unknown domains libvirt's events named).
   */
  private async adopt(uuid: string): Promise<void> {
    try {
      const handle = await this.hv.lookupByUUID(uuid);
      const vm = await recoverDomain(handle, undefined, this.recoveryOptions());
      if (vm === undefined || !this.unknown(vm.id)) {
        vm?.dispose();
        return;
      }
      this.vms.set(vm.id, vm);
      this.publishStatus(vm);
    } catch (err) {
      this.log.info({ vmId: uuid, err }, 'cannot adopt the started domain');
    }
  }

  private makeVm(description: DomainDescription, metadata: VmMetadata, external = false): Vm {
    return new Vm({
      id: description.uuid,
      description,
      metadata,
      timing: this.timing,
      onStatus: (vm) => this.publishStatus(vm),
      external,
    });
  }

  private publishStatus(vm: Vm): void {
    this.o.publish(`|virt|VM_status|${vm.id}`, { [vm.id]: statusEventBody(vm, this.o.sampler) });
  }

  /** Down: the drives prepared for the VM are released (upstream releaseVm -> teardownVolumePath). */
  private teardown(vm: Vm): void {
    const drives = this.o.drives;
    const images = imageDrives(vm.description.disks, vm.metadata);
    if (drives === undefined || images.length === 0) return;
    void teardownDrives(drives, images, this.log, vm.id);
  }

  private async offeredTypes(): Promise<OfferedTypes> {
    this.offered ??= offeredDomainTypes(await this.hv.getCapabilities());
    return this.offered;
  }

  /** VM.create: validates, applies host policy, registers the VM (WaitForLaunch) and starts it in the background. */
  async create(vmId: string, params: Readonly<Record<string, unknown>>): Promise<CreateResult> {
    const xml = params.xml;
    if (typeof xml !== 'string' || xml.trim() === '') {
      throw new VdsmError('CreateError', 'vmParams.xml (the libvirt domain XML) is required');
    }
    const display = params.display;
    if (display !== undefined && display !== 'vnc' && display !== 'qxl' && display !== 'qxlnc') {
      throw new VdsmError('CreateError', `unknown display ${String(display)}`);
    }
    // The engine's XML is parsed once: the description, its metadata and a domain type change share that document.
    let parsed: ParsedDomain;
    try {
      parsed = parseDomain(xml);
    } catch (err) {
      if (err instanceof DomainXmlError) throw new VdsmError('CreateError', err.message);
      throw err;
    }
    let description = parsed.description;
    const id = description.uuid;
    if (vmId !== '' && vmId.toLowerCase() !== id) {
      this.log.info({ vmId, xmlUuid: id }, 'vmID differs from the XML <uuid>; the XML wins');
    }
    if (this.vms.has(id)) throw new VdsmError('VMExists', id);
    const choice = chooseDomainType(description.type, description.arch, this.o.kvm, await this.offeredTypes());
    if (this.vms.has(id)) throw new VdsmError('VMExists', id);
    if (choice.type !== description.type) {
      description = withDomainType(parsed, choice.type);
      this.log.info({ vmId: id, from: 'kvm', to: choice.type, reason: choice.reason }, 'domain type changed');
    }
    const metadata = description.metadata ?? VmMetadata.fromXml(undefined);
    const launchPaused = params.launchPaused === true || metadata.getBool('launchPaused') === true;
    const vm = this.makeVm(description, metadata);
    this.vms.set(id, vm);
    vm.refresh();
    void this.launch(vm, parsed, description, launchPaused).catch((err: unknown) => {
      this.log.error({ vmId: id, err }, 'VM start crashed');
    });
    return {
      vmId: id,
      vmName: description.name,
      status: 'WaitForLaunch',
      statusTime: vm.statusTime,
      xml: description.xml,
    };
  }

  /**
   * The background part of VM.create: the drives naming oVirt images are prepared and their paths put into the XML,
   * then the domain is defined and started. A drive that cannot be prepared ends the VM Down as upstream's start
   * thread does with its VolumeError: exitCode 1 (ERROR), exitReason 1 (GENERIC_ERROR), the error as the message.
   */
  private async launch(
    vm: Vm,
    parsed: ParsedDomain,
    description: DomainDescription,
    launchPaused: boolean,
  ): Promise<void> {
    let xml = description.xml;
    const drives = this.o.drives;
    if (drives !== undefined && imageDrives(description.disks, description.metadata).length > 0) {
      try {
        const prepared = withDrivePaths(parsed, description, await prepareDrives(drives, description));
        vm.describe(prepared);
        xml = prepared.xml;
      } catch (err) {
        if (!(err instanceof VolumeError)) throw err;
        this.log.warn({ vmId: vm.id, drive: err.disk.target, err: err.cause }, 'cannot prepare drive');
        this.lifecycle.markDown(vm, downInfo(ExitCode.ERROR, ExitReason.GENERIC_ERROR, err.message));
        return;
      }
      if (vm.isDown()) {
        // Destroyed while its drives were prepared: the teardown at Down may have run before they were.
        await teardownDrives(drives, imageDrives(vm.description.disks, vm.metadata), this.log, vm.id);
        return;
      }
    }
    await this.lifecycle.start(vm, xml, launchPaused);
  }

  /** The VM, read-only (its state changes through this manager's verbs), or NoSuchVM (code 1). */
  get(vmId: string): VmView {
    return this.vm(vmId);
  }

  private vm(vmId: string): Vm {
    const vm = this.vms.get(vmId.toLowerCase());
    if (vm === undefined) throw new VdsmError('NoSuchVM', vmId);
    return vm;
  }

  async destroy(vmId: string, gracefulAttempts: number): Promise<void> {
    const vm = this.vm(vmId);
    if (vm.destroying) throw new VdsmError('NoSuchVM', `${vmId} is being destroyed`);
    try {
      await this.lifecycle.destroy(vm, gracefulAttempts);
    } finally {
      if (vm.isDown()) this.vms.delete(vm.id);
      else vm.destroyFailed();
    }
  }

  shutdown(vmId: string, o: Partial<ShutdownOptions> & { reboot: boolean; force: boolean }): void {
    const vm = this.vm(vmId);
    this.lifecycle.shutdown(vm, {
      delay: o.delay ?? 30,
      message: o.message ?? (o.reboot ? 'VM is rebooting!' : 'VM is shutting down!'),
      reboot: o.reboot,
      timeout: o.timeout ?? this.o.shutdownTimeoutSeconds ?? DEFAULT_SHUTDOWN_TIMEOUT_S,
      force: o.force,
    });
  }

  pause(vmId: string): Promise<void> {
    return this.lifecycle.pause(this.vm(vmId));
  }

  cont(vmId: string): Promise<void> {
    return this.lifecycle.cont(this.vm(vmId));
  }

  /** VM.snapshot: live external snapshot of the given disks, with memory when `snapMemory` names its volumes. */
  snapshot(vmId: string, o: Omit<SnapshotRequest, 'repository'>): Promise<void> {
    return this.snapshots.snapshot(this.vm(vmId), { ...o, repository: this.o.repository ?? '/rhev/data-center' });
  }

  stats(vmId: string): VmStatsRecord {
    return vmStats(this.vm(vmId), this.o.sampler);
  }

  allStats(): VmStatsRecord[] {
    const now = Date.now() / 1000;
    const out: VmStatsRecord[] = [];
    for (const vm of this.vms.values()) out.push(vmStats(vm, this.o.sampler, now));
    return out;
  }

  /**
   * allStats() as JSON text. Records are rebuilt only when their inputs change (a sampling cycle, a status change,
   * the elapsed second, an agent message), so the text is joined again only then, from per-record texts.
   */
  allStatsJson(): RawJson<VmStatsRecord[]> {
    const records = this.allStats();
    const last = this.allStatsText;
    if (last !== undefined && sameRecords(last.records, records)) return last.json;
    const json = new RawJson<VmStatsRecord[]>(`[${records.map(statsJson).join(',')}]`);
    this.allStatsText = { records, json };
    return json;
  }

  /** VMs in creation order, optionally filtered by id, read-only. */
  list(filter: readonly string[] = []): VmView[] {
    return this.selected(filter);
  }

  private selected(filter: readonly string[]): Vm[] {
    if (filter.length === 0) return [...this.vms.values()];
    const wanted = new Set(filter.map((id) => id.toLowerCase()));
    return [...this.vms.values()].filter((vm) => wanted.has(vm.id));
  }

  /** Full definitions with the live XML (what Host.getVMFullList returns). */
  async fullList(filter: readonly string[] = []): Promise<VmFullInfoRecord[]> {
    return Promise.all(
      this.selected(filter).map(async (vm) => {
        const xml = vm.handle === undefined ? undefined : await vm.handle.getXMLDesc(0).catch(() => undefined);
        return vmFullInfo(vm, xml);
      }),
    );
  }

  counts(): VmCounts {
    let active = 0;
    let migrating = 0;
    for (const vm of this.vms.values()) {
      const s = vm.internalStatus;
      if (s === 'Up') active++;
      if (s === 'Migration Source' || s === 'Migration Destination') migrating++;
    }
    return {
      vmCount: this.vms.size,
      vmActive: active,
      vmMigrating: migrating,
      incomingVmMigrations: 0,
      outgoingVmMigrations: 0,
    };
  }

  /** VM.getMigrationStatus (no migration has run: vdsm-ts does not migrate yet). */
  migrationStatus(vmId: string): MigrationStatusRecord {
    this.vm(vmId);
    return NO_MIGRATION;
  }

  /** Host.dumpxmls: each VM's domain XML as vdsmd last read it (upstream vm.domain.xml); NoSuchVM for unknown ids. */
  domainXmls(vmIds: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const id of vmIds) out[id] = this.vm(id).description.xml;
    return out;
  }

  /** Host.getAllVmIoTunePolicies: every VM that libvirt answers for, by id (upstream clientIF.getAllVmIoTunePolicies). */
  async ioTunePolicies(): Promise<Record<string, IoTunePolicyValues>> {
    const out: Record<string, IoTunePolicyValues> = {};
    const answers = await Promise.all(
      [...this.vms.values()].map(async (vm) => [vm.id, await ioTunePolicyValues(vm)] as const),
    );
    for (const [id, values] of answers) if (values !== undefined) out[id] = values;
    return out;
  }

  /** `{ vmId, status }`: what most VM verbs answer. */
  definition(vmId: string): { readonly vmId: string; readonly status: VmStatus } {
    const vm = this.vm(vmId);
    return { vmId: vm.id, status: vm.status() };
  }

  setTicket(vmId: string, o: TicketOptions): Promise<void> {
    return this.devices.setTicket(this.vm(vmId), o);
  }

  hotplugDisk(vmId: string, params: HotplugParams<'drive'>): Promise<void> {
    return this.devices.hotplugDisk(this.vm(vmId), params);
  }

  hotunplugDisk(vmId: string, params: HotplugParams<'drive'>): Promise<void> {
    return this.devices.hotunplugDisk(this.vm(vmId), params);
  }

  hotplugNic(vmId: string, params: HotplugParams<'nic'>): Promise<void> {
    return this.devices.hotplugNic(this.vm(vmId), params);
  }

  hotunplugNic(vmId: string, params: HotplugParams<'nic'>): Promise<void> {
    return this.devices.hotunplugNic(this.vm(vmId), params);
  }

  setBalloonTarget(vmId: string, targetKiB: number): Promise<void> {
    return this.devices.setBalloonTarget(this.vm(vmId), targetKiB);
  }

  setNumberOfCpus(vmId: string, count: number): Promise<void> {
    return this.devices.setNumberOfCpus(this.vm(vmId), count);
  }

  /** VM.updateDevice of an interface (link state, network). */
  updateNic(vmId: string, o: { alias?: string; linkActive?: boolean; network?: string }): Promise<void> {
    return this.devices.updateNic(this.vm(vmId), o);
  }

  setIoTune(vmId: string, tunables: unknown): Promise<void> {
    return this.devices.setIoTune(this.vm(vmId), tunables);
  }

  ioTune(vmId: string): IoTuneEntry[] {
    return this.devices.ioTune(this.vm(vmId));
  }

  /** After a reconnection: fresh handles, and states the missed events would have set. */
  private async resync(): Promise<void> {
    for (const vm of this.vms.values()) {
      if (vm.isDown() || vm.destroying) continue;
      let handle: DomainHandle;
      try {
        handle = await this.hv.lookupByUUID(vm.id);
      } catch {
        this.lifecycle.markDown(vm, shutoffDown(-1));
        continue;
      }
      vm.bindDomain(handle);
      const state = await handle.getState();
      if (state.state === 5) this.lifecycle.markDown(vm, vm.expectedExit ?? shutoffDown(state.reason));
      else if (state.state === 3) vm.setStatus('Paused');
      else if (vm.internalStatus === 'Paused') vm.setStatus('Up');
    }
  }
}
