/**
 * The libvirt side of a VM's life: start (define + create), destroy (graceful, then forced), pause/cont, the
 * shutdown sequence (guest agent, then ACPI, then force), lifecycle events and metadata writes. Each operation
 * updates the Vm's state; the Vm publishes the status events.
 */

import type { Logger } from '@vdsm-ts/common/logging';
import {
  Affect,
  DestroyFlags,
  type DomainHandle,
  ErrorCode,
  type Hypervisor,
  isLibvirtError,
  LifecycleEvent,
  ShutdownFlags,
  StartFlags,
  UndefineFlags,
  XmlFlags,
} from '@vdsm-ts/native/libvirt/index';
import { VdsmError } from '../../errors/vdsm-error.js';
import { describeDomain } from '../domain-xml.js';
import {
  AgentLifecycleState,
  StartedDetail,
  StoppedDetail,
  SuspendedDetail,
  unexpectedStop,
} from './libvirt-events.js';
import { type DownInfo, downInfo, ExitCode, ExitReason } from './status.js';
import type { GuestAgent, QemuGuestAgent, Vm } from './vm.js';

export interface SamplerHooks {
  forget(vmId: string): void;
  refreshDevices?(vmId: string): void;
  setStartTime?(vmId: string, epochMs: number): void;
}

export type GuestAgentFactory = (o: {
  vmId: string;
  socketPath: string;
  memSizeMiB: number;
  apiVersion: number;
  onChange: () => void;
  /** The negotiated API version changed: kept in the metadata so a restarted vdsmd starts from it, as upstream. */
  onApiVersion: (version: number) => void;
}) => GuestAgent;

export type QemuGuestAgentFactory = (o: { vmId: string; domain: DomainHandle }) => QemuGuestAgent;

export interface LifecycleDeps {
  readonly hypervisor: Hypervisor;
  readonly logger: Logger;
  readonly sampler?: SamplerHooks;
  readonly agentFactory?: GuestAgentFactory;
  readonly qgaFactory?: QemuGuestAgentFactory;
  /** Seconds each shutdown method gets before the next one is tried (upstream sys_shutdown_timeout, 120 s). */
  readonly shutdownTimeoutSeconds: number;
  /** Called once when a VM goes Down (its drives are torn down there). */
  readonly onDown?: (vm: Vm) => void;
}

export interface ShutdownOptions {
  readonly delay: number;
  readonly message: string;
  readonly reboot: boolean;
  readonly timeout: number;
  readonly force: boolean;
}

const GUEST_AGENT_CHANNELS = ['ovirt-guest-agent.0', 'com.redhat.rhevm.vdsm'];
const QEMU_GUEST_AGENT_CHANNEL = 'org.qemu.guest_agent.0';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `call`; when the driver refuses its flags (VIR_ERR_INVALID_ARG "unsupported flags"), runs `fallback`. */
async function withoutUnsupportedFlags(call: () => Promise<unknown>, fallback: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isLibvirtError(err, ErrorCode.INVALID_ARG) || !/unsupported flags/.test(err.message)) throw err;
    await fallback();
  }
}

export class VmLifecycle {
  private readonly metadataWrites = new WeakMap<Vm, Promise<void>>();
  private readonly downWaiters = new WeakMap<Vm, Array<() => void>>();
  private readonly rebootWaiters = new WeakMap<Vm, Array<() => void>>();

  constructor(private readonly deps: LifecycleDeps) {}

  private get log(): Logger {
    return this.deps.logger;
  }

  /** Defines the domain (persistent, as upstream) and starts it; the VM ends Up/Paused, or Down(3) on failure. */
  async start(vm: Vm, xml: string, launchPaused: boolean): Promise<void> {
    const begun = performance.now();
    try {
      const handle = await this.deps.hypervisor.defineXML(xml);
      vm.bindDomain(handle);
      if (!launchPaused) await handle.create(0);
      else {
        await withoutUnsupportedFlags(
          () => handle.create(StartFlags.PAUSED),
          async () => {
            await handle.create(0);
            await handle.suspend();
          },
        );
      }
    } catch (err) {
      this.log.warn({ vmId: vm.id, err }, 'VM start failed');
      this.markDown(vm, downInfo(ExitCode.ERROR, ExitReason.LIBVIRT_START_FAILED, errorText(err)));
      return;
    }
    if (vm.destroying || vm.isDown()) {
      // VM.destroy came while the domain was starting: it must not be left running behind vdsmd.
      const handle = vm.handle;
      if (handle !== undefined) {
        await this.stopDomain(vm, handle, 0).catch((err: unknown) =>
          this.log.warn({ vmId: vm.id, err }, 'stop failed'),
        );
        await this.undefine(vm, handle);
      }
      return;
    }
    this.log.info({ vmId: vm.id, ms: Math.round(performance.now() - begun) }, 'VM started');
    await this.started(vm, launchPaused);
  }

  /** The domain runs: read its live XML (ports, aliases), remember the start time, start the agent channel. */
  private async started(vm: Vm, paused: boolean): Promise<void> {
    const startTime = Date.now() / 1000;
    vm.guestStarted('Powering up', startTime);
    this.deps.sampler?.setStartTime?.(vm.id, startTime * 1000);
    vm.metadata.set('startTime', startTime);
    if (paused) vm.toPaused('NOERR');
    else vm.setStatus('Up');
    await this.refreshDescription(vm);
    this.startAgent(vm);
    await this.writeMetadata(vm);
  }

  /** Re-reads the live XML (after start, device hot-plug, ...). */
  async refreshDescription(vm: Vm): Promise<void> {
    const handle = vm.handle;
    if (handle === undefined) return;
    try {
      // vm.metadata stays authoritative: the live XML may lag behind our metadata writes.
      vm.describe(describeDomain(await handle.getXMLDesc(0)));
      this.deps.sampler?.refreshDevices?.(vm.id);
    } catch (err) {
      this.log.warn({ vmId: vm.id, err }, 'cannot re-read the domain XML');
    }
  }

  /** Starts the guest agent channels the domain has: the oVirt agent's socket and the qemu-guest-agent poller. */
  startAgent(vm: Vm): void {
    if (vm.isDown()) return;
    this.startQemuGuestAgent(vm);
    if (this.deps.agentFactory === undefined || vm.agent !== undefined) return;
    const channel = vm.description.channels.find((c) => GUEST_AGENT_CHANNELS.includes(c.name));
    if (channel === undefined) return;
    const agent = this.deps.agentFactory({
      vmId: vm.id,
      socketPath: channel.path,
      memSizeMiB: Math.floor(vm.description.memoryKiB / 1024),
      apiVersion: vm.metadata.getNumber('guestAgentAPIVersion') ?? 0,
      onChange: () => vm.refresh(),
      onApiVersion: (version) => {
        vm.metadata.set('guestAgentAPIVersion', version);
        void this.writeMetadata(vm);
      },
    });
    vm.attachAgent(agent);
    agent.start();
  }

  private startQemuGuestAgent(vm: Vm): void {
    const handle = vm.handle;
    if (this.deps.qgaFactory === undefined || vm.qga !== undefined || handle === undefined) return;
    if (!vm.description.channels.some((c) => c.name === QEMU_GUEST_AGENT_CHANNEL)) return;
    const qga = this.deps.qgaFactory({ vmId: vm.id, domain: handle });
    vm.attachQemuAgent(qga);
    qga.start();
  }

  /** Persists the metadata; writes for one VM run one after another. Failures are logged, not thrown. */
  writeMetadata(vm: Vm): Promise<void> {
    const previous = this.metadataWrites.get(vm) ?? Promise.resolve();
    const next = previous.then(async () => {
      const handle = vm.handle;
      // An external domain's definition is not ours to change (upstream sync_metadata skips it).
      if (handle === undefined || vm.external) return;
      const xml = vm.metadata.toLibvirtXml();
      try {
        await handle.setOvirtMetadata(xml, vm.isDown() ? Affect.CURRENT : Affect.LIVE | Affect.CONFIG);
      } catch (err) {
        if (isLibvirtError(err, ErrorCode.NO_DOMAIN)) return;
        // A transient or just-stopped domain takes only one of LIVE/CONFIG.
        await handle.setOvirtMetadata(xml, Affect.CURRENT).catch((e: unknown) => {
          this.log.warn({ vmId: vm.id, err: e }, 'cannot write the VM metadata');
        });
      }
    });
    this.metadataWrites.set(vm, next);
    return next;
  }

  /** Down with the exit record persisted (so a restarted vdsmd still reports it). */
  markDown(vm: Vm, info: DownInfo): void {
    if (!vm.setDown(info)) return;
    vm.metadata.set('exitCode', info.exitCode);
    vm.metadata.set('exitMessage', info.exitMessage);
    vm.metadata.set('exitReason', info.exitReason);
    void this.writeMetadata(vm);
    this.deps.onDown?.(vm);
    for (const resolve of this.downWaiters.get(vm) ?? []) resolve();
    this.downWaiters.delete(vm);
  }

  private waitDown(vm: Vm, ms: number): Promise<boolean> {
    return this.waitOn(this.downWaiters, vm, ms, () => vm.isDown());
  }

  private waitReboot(vm: Vm, ms: number): Promise<boolean> {
    return this.waitOn(this.rebootWaiters, vm, ms, () => false);
  }

  private waitOn(table: WeakMap<Vm, Array<() => void>>, vm: Vm, ms: number, already: () => boolean): Promise<boolean> {
    if (already()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const list = table.get(vm) ?? [];
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const current = table.get(vm);
        if (current !== undefined)
          table.set(
            vm,
            current.filter((f) => f !== done),
          );
        resolve(false);
      }, ms);
      list.push(done);
      table.set(vm, list);
    });
  }

  /**
   * VM.destroy: graceful attempts (SIGTERM to QEMU) then forced, then undefine. The VM goes Down (one event) unless
   * it already was.
   */
  async destroy(vm: Vm, gracefulAttempts: number): Promise<void> {
    vm.beginDestroy();
    const handle = vm.handle ?? (await this.lookup(vm.id));
    if (handle !== undefined) {
      await this.stopDomain(vm, handle, gracefulAttempts);
      this.markDown(vm, vm.expectedExit ?? downInfo(ExitCode.NORMAL, ExitReason.ADMIN_SHUTDOWN));
      await this.metadataWrites.get(vm);
      await this.undefine(vm, handle);
    } else {
      this.markDown(vm, downInfo(ExitCode.NORMAL, ExitReason.ADMIN_SHUTDOWN));
    }
    vm.dispose();
    this.deps.sampler?.forget(vm.id);
  }

  private async lookup(vmId: string): Promise<DomainHandle | undefined> {
    try {
      return await this.deps.hypervisor.lookupByUUID(vmId);
    } catch (err) {
      if (isLibvirtError(err, ErrorCode.NO_DOMAIN)) return undefined;
      throw err;
    }
  }

  private async stopDomain(vm: Vm, handle: DomainHandle, gracefulAttempts: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (!(await handle.isActive())) return;
        await handle.destroy(attempt < gracefulAttempts ? DestroyFlags.GRACEFUL : DestroyFlags.DEFAULT);
        return;
      } catch (err) {
        if (isLibvirtError(err, ErrorCode.NO_DOMAIN) || isLibvirtError(err, ErrorCode.OPERATION_INVALID)) return;
        if (attempt >= gracefulAttempts) {
          this.log.error({ vmId: vm.id, err }, 'forced destroy failed');
          throw new VdsmError('GeneralException', `cannot destroy VM ${vm.id}: ${errorText(err)}`);
        }
        this.log.info({ vmId: vm.id, attempt, err: errorText(err) }, 'graceful destroy failed');
      }
    }
  }

  private async undefine(vm: Vm, handle: DomainHandle): Promise<void> {
    // Upstream never undefines an external VM (rhbz#1610917: its definition is not vdsm's).
    if (vm.external) return;
    try {
      await handle.undefine(
        UndefineFlags.SNAPSHOTS_METADATA | UndefineFlags.CHECKPOINTS_METADATA | UndefineFlags.NVRAM,
      );
    } catch (err) {
      if (isLibvirtError(err, ErrorCode.NO_DOMAIN)) return;
      // Drivers without snapshot/NVRAM support refuse the flags.
      await handle.undefine(0).catch((e: unknown) => {
        if (!isLibvirtError(e, ErrorCode.NO_DOMAIN)) this.log.warn({ vmId: vm.id, err: e }, 'cannot undefine domain');
      });
    }
  }

  async pause(vm: Vm): Promise<void> {
    const handle = this.running(vm);
    await handle.suspend();
    vm.toPaused('NOERR');
  }

  async cont(vm: Vm): Promise<void> {
    const handle = this.running(vm);
    await handle.resume();
    vm.setStatus('Up');
  }

  /** The handle of a VM that is not Down, or NoSuchVM-style errors in VDSM's terms. */
  running(vm: Vm): DomainHandle {
    if (vm.isDown() || vm.handle === undefined) {
      throw new VdsmError('NoSuchVM', `VM ${vm.id} is not running (status ${vm.status()})`);
    }
    return vm.handle;
  }

  /**
   * VM.shutdown: checks a method exists, then runs the sequence in the background: guest agent (if responsive),
   * ACPI (if the domain has it), forced (if asked), each given `timeout` seconds to stop the domain.
   */
  shutdown(vm: Vm, o: ShutdownOptions): void {
    const handle = this.running(vm);
    const useAgent = vm.agent?.isResponsive() === true;
    if (!useAgent && !vm.description.acpi && !o.force) {
      throw new VdsmError('VMExists', 'no shutdown method is available (no responsive guest agent, no ACPI)');
    }
    // Upstream (_getShutdownReason): only ACPI / forced stops are the admin's (6); a shutdown the oVirt agent
    // performs ends as one from within the guest (7). The reason is set when those steps actually run.
    vm.shutdownRequested(o.reboot);
    void this.shutdownSequence(vm, handle, useAgent, o).catch((err: unknown) => {
      this.log.warn({ vmId: vm.id, err }, 'shutdown sequence failed');
    });
  }

  private async shutdownSequence(vm: Vm, handle: DomainHandle, useAgent: boolean, o: ShutdownOptions) {
    const wait = (ms: number) => (o.reboot ? this.waitReboot(vm, ms) : this.waitDown(vm, ms));
    const timeoutMs = o.timeout * 1000;
    if (useAgent && vm.agent !== undefined) {
      const sent = await vm.agent.shutdown({ delaySeconds: o.delay, message: o.message, reboot: o.reboot });
      this.log.info({ vmId: vm.id, sent, reboot: o.reboot }, 'shutdown through the guest agent');
      if (sent && (await wait(o.delay * 1000 + timeoutMs))) return;
    }
    if (vm.isDown()) return;
    if (vm.description.acpi) {
      if (!o.reboot) vm.expectExit(downInfo(ExitCode.NORMAL, ExitReason.ADMIN_SHUTDOWN));
      try {
        // Drivers without the ACPI flag (the test driver) take their default method.
        if (o.reboot) {
          await withoutUnsupportedFlags(
            () => handle.reboot(ShutdownFlags.ACPI_POWER_BTN),
            () => handle.reboot(0),
          );
        } else {
          await withoutUnsupportedFlags(
            () => handle.shutdown(ShutdownFlags.ACPI_POWER_BTN),
            () => handle.shutdown(0),
          );
        }
        this.log.info({ vmId: vm.id, reboot: o.reboot }, 'ACPI power button pressed');
        if (await wait(timeoutMs)) return;
      } catch (err) {
        if (isLibvirtError(err, ErrorCode.OPERATION_INVALID) && vm.isDown()) return;
        this.log.info({ vmId: vm.id, err: errorText(err) }, 'ACPI shutdown failed');
      }
    }
    if (vm.isDown() || !o.force) return;
    this.log.info({ vmId: vm.id, reboot: o.reboot }, 'graceful shutdown timed out; forcing');
    if (o.reboot) {
      // No reset in the facade: a forced reboot is a destroy and a fresh start of the same definition.
      await vm.forcedRebootDuring(async () => {
        await handle.destroy(DestroyFlags.DEFAULT);
        await handle.create(0);
      });
      this.onReboot(vm);
      return;
    }
    vm.expectExit(downInfo(ExitCode.NORMAL, ExitReason.ADMIN_SHUTDOWN));
    await this.stopDomain(vm, handle, 0);
  }

  /** libvirt LIFECYCLE for a VM we own. */
  onLifecycle(vm: Vm, event: number, detail: number): void {
    switch (event) {
      case LifecycleEvent.STARTED:
        // BOOTED arrives for our own start (handled by start()) and may come after it; only wake-ups matter here.
        if (vm.internalStatus === 'WaitForLaunch' || vm.isDown() || detail === StartedDetail.BOOTED) return;
        vm.setStatus('Up');
        return;
      case LifecycleEvent.SUSPENDED:
        if (detail === SuspendedDetail.MIGRATED || detail === SuspendedDetail.POSTCOPY) return;
        if (vm.internalStatus === 'WaitForLaunch') return;
        vm.toPaused(detail === SuspendedDetail.IOERROR ? (vm.pauseCode ?? 'EIO') : 'NOERR');
        return;
      case LifecycleEvent.RESUMED:
        if (vm.internalStatus === 'WaitForLaunch') return;
        vm.setStatus('Up');
        return;
      case LifecycleEvent.STOPPED: {
        if (vm.destroying || vm.forcedReboot || vm.isDown()) return;
        const expected =
          vm.expectedExit !== undefined && detail !== StoppedDetail.MIGRATED && detail !== StoppedDetail.SAVED;
        this.markDown(vm, expected && vm.expectedExit !== undefined ? vm.expectedExit : unexpectedStop(detail));
        return;
      }
      default:
        return;
    }
  }

  /**
   * libvirt AGENT_LIFECYCLE: qemu-guest-agent opened its channel in the guest. A failure before (the agent was not
   * up yet at start or reboot) paused polling for a minute; the connect clears that, as upstream.
   */
  onAgentLifecycle(vm: Vm, state: number): void {
    const qga = vm.qga;
    if (qga === undefined || state !== AgentLifecycleState.CONNECTED) return;
    qga.reset();
    void qga.poll();
  }

  /** libvirt REBOOT: the guest restarts (or, with destroy-on-reboot, is destroyed). */
  onReboot(vm: Vm): void {
    vm.qga?.reset();
    for (const resolve of this.rebootWaiters.get(vm) ?? []) resolve();
    this.rebootWaiters.delete(vm);
    const destroyOnReboot = vm.metadata.getBool('destroy_on_reboot') === true || vm.description.onReboot === 'destroy';
    if (destroyOnReboot) {
      vm.expectExit(downInfo(ExitCode.NORMAL, ExitReason.DESTROYED_ON_REBOOT));
      const handle = vm.handle;
      if (handle !== undefined) {
        void this.stopDomain(vm, handle, 0)
          .then(() => this.markDown(vm, downInfo(ExitCode.NORMAL, ExitReason.DESTROYED_ON_REBOOT)))
          .catch((err: unknown) => this.log.warn({ vmId: vm.id, err }, 'destroy on reboot failed'));
      }
      return;
    }
    const now = Date.now() / 1000;
    vm.guestStarted('RebootInProgress', now);
    this.deps.sampler?.setStartTime?.(vm.id, now * 1000);
    vm.metadata.set('startTime', now);
    void this.writeMetadata(vm);
  }

  /** Live XML without secrets; `inactive` for the persistent definition. */
  xmlOf(handle: DomainHandle, inactive = false): Promise<string> {
    return handle.getXMLDesc(inactive ? XmlFlags.INACTIVE : 0);
  }
}
