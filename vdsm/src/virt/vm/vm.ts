/**
 * One VM as vdsmd knows it: the libvirt domain handle, the description from its latest XML, its metadata, the
 * internal status and Down record, and the guest-derived refinements of `Up` (Powering up, RebootInProgress,
 * Powering down). Status changes go to `onStatus`, which publishes `|virt|VM_status|<vmId>`. libvirt calls live in
 * lifecycle.ts and devices.ts; this class only keeps state, every field private and changed by its own methods, so
 * the rules are easy to read in one place.
 */
import type { DomainHandle } from '@vdsm-ts/native/libvirt/index';
import type { DomainDescription } from '../domain-xml.js';
import type { VmMetadata } from '../metadata.js';
import { type DownInfo, type InternalStatus, monotonicStamp, type VmStatus } from './status.js';

/** The guest agent as the VM uses it (implemented by guestagent's GuestAgentChannel). */
export interface GuestAgent {
  start(): void;
  stop(): void;
  isResponsive(): boolean;
  guestStatus?(): 'Up' | undefined;
  stats(): Readonly<Record<string, unknown>>;
  shutdown(o: { delaySeconds: number; message: string; reboot: boolean }): Promise<boolean>;
}

/** The qemu-guest-agent poller as the VM uses it (implemented by guestagent's QemuGuestAgentPoller). */
export interface QemuGuestAgent {
  start(): void;
  stop(): void;
  /** The agent answered after its last failure. */
  isWorking(): boolean;
  /** Forget what the agent said (the guest rebooted, or its agent just connected). */
  reset(): void;
  /** One poll now (shared with one in progress). */
  poll(): Promise<void>;
  /** Changes whenever stats() may give something new. */
  readonly generation: number;
  stats(): Readonly<Record<string, unknown>>;
}

export interface VmTiming {
  /** How long a started/rebooted guest reports Powering up / RebootInProgress without an agent (upstream 60 s). */
  readonly guestEventMs: number;
  /** How long `Powering down` is reported after VM.shutdown (upstream 300 s). */
  readonly poweringDownMs: number;
}

export const DEFAULT_VM_TIMING: VmTiming = { guestEventMs: 60_000, poweringDownMs: 300_000 };

type GuestEvent = 'Powering up' | 'RebootInProgress';

/**
 * Where a VM is in its life, as upstream's virdomain.py (defined / running / paused / migrating / down) with VDSM's
 * internal statuses: each state carries what only it has (a pause's code, a Down's exit record). A VM moves between
 * states only through its own methods below.
 */
export type VmState =
  | { readonly kind: 'launching' }
  | { readonly kind: 'running' }
  | { readonly kind: 'paused'; readonly pauseCode: string | undefined }
  | { readonly kind: 'migrating'; readonly direction: 'source' | 'destination' }
  | { readonly kind: 'saving' }
  | { readonly kind: 'restoring' }
  | { readonly kind: 'down'; readonly exit: DownInfo };

const LAUNCHING: VmState = { kind: 'launching' };
const RUNNING: VmState = { kind: 'running' };

/** The state's internal status string (what the engine sees before the guest refinements of Up). */
function statusOfState(state: VmState): InternalStatus {
  switch (state.kind) {
    case 'launching':
      return 'WaitForLaunch';
    case 'running':
      return 'Up';
    case 'paused':
      return 'Paused';
    case 'migrating':
      return state.direction === 'source' ? 'Migration Source' : 'Migration Destination';
    case 'saving':
      return 'Saving State';
    case 'restoring':
      return 'Restoring state';
    case 'down':
      return 'Down';
  }
}

function stateOfStatus(status: Exclude<InternalStatus, 'Down'>, pauseCode: string | undefined): VmState {
  switch (status) {
    case 'WaitForLaunch':
      return LAUNCHING;
    case 'Up':
      return RUNNING;
    case 'Paused':
      return { kind: 'paused', pauseCode };
    case 'Migration Source':
      return { kind: 'migrating', direction: 'source' };
    case 'Migration Destination':
      return { kind: 'migrating', direction: 'destination' };
    case 'Saving State':
      return { kind: 'saving' };
    case 'Restoring state':
      return { kind: 'restoring' };
  }
}

export interface VmOptions {
  readonly id: string;
  readonly description: DomainDescription;
  readonly metadata: VmMetadata;
  readonly timing: VmTiming;
  readonly onStatus: (vm: Vm) => void;
  /**
   * A domain vdsm did not create (no ovirt-vm metadata, no legacy agent channel), found running: reported like any
   * VM, but its definition is left alone (no metadata writes, no undefine), as upstream's `external` flag.
   */
  readonly external?: boolean;
}

/** What callers outside the virt layer see of a VM: reads only (VmManager's verbs change its state). */
export type VmView = Pick<
  Vm,
  | 'id'
  | 'name'
  | 'metadata'
  | 'state'
  | 'handle'
  | 'description'
  | 'agent'
  | 'qga'
  | 'startTime'
  | 'pauseCode'
  | 'timeOffset'
  | 'clientIp'
  | 'expectedExit'
  | 'destroying'
  | 'forcedReboot'
  | 'internalStatus'
  | 'downInfo'
  | 'statusTime'
  | 'isDown'
  | 'status'
  | 'isTransient'
  | 'external'
>;

/** A new VM is launching (WaitForLaunch); recovery moves it on with recoveredRunning() or restoreDown(). */
export class Vm {
  readonly id: string;
  readonly external: boolean;
  /** The ovirt-vm metadata: a store with its own methods, persisted by the lifecycle. */
  readonly metadata: VmMetadata;
  private current: VmState = LAUNCHING;
  private domain: DomainHandle | undefined;
  private described: DomainDescription;
  private oVirtAgent: GuestAgent | undefined;
  private qemuAgent: QemuGuestAgent | undefined;
  private started: number | undefined;
  /** An I/O error's reason reported while not paused: the pause that follows (or the stats now) carry it. */
  private pendingPauseCode: string | undefined;
  private rtcOffset = '0';
  private graphicsClient = '';
  private expected: DownInfo | undefined;
  private destroyRunning = false;
  private forcedRebootRunning = false;
  private statusStamp = monotonicStamp();
  private guestEvent: { status: GuestEvent; at: number } | undefined;
  private shutdownAt: number | undefined;
  private lastReported: VmStatus | undefined;
  private readonly timing: VmTiming;
  private readonly onStatus: (vm: Vm) => void;
  private timers: NodeJS.Timeout[] = [];

  constructor(o: VmOptions) {
    this.id = o.id;
    this.described = o.description;
    this.metadata = o.metadata;
    this.timing = o.timing;
    this.onStatus = o.onStatus;
    this.external = o.external === true;
  }

  get state(): VmState {
    return this.current;
  }

  /** The libvirt domain, once defined (or found by recovery). */
  get handle(): DomainHandle | undefined {
    return this.domain;
  }

  /** The description from the latest XML. */
  get description(): DomainDescription {
    return this.described;
  }

  get agent(): GuestAgent | undefined {
    return this.oVirtAgent;
  }

  /** qemu-guest-agent, polled through libvirt, for domains with the org.qemu.guest_agent.0 channel. */
  get qga(): QemuGuestAgent | undefined {
    return this.qemuAgent;
  }

  /** Epoch seconds the guest started (survives vdsmd restarts through the metadata). */
  get startTime(): number | undefined {
    return this.started;
  }

  get pauseCode(): string | undefined {
    return this.current.kind === 'paused' ? this.current.pauseCode : this.pendingPauseCode;
  }

  get timeOffset(): string {
    return this.rtcOffset;
  }

  get clientIp(): string {
    return this.graphicsClient;
  }

  /** Why the domain is about to stop, when vdsmd asked for it (VM.shutdown / VM.destroy). */
  get expectedExit(): DownInfo | undefined {
    return this.expected;
  }

  /** Set while VM.destroy runs: libvirt's STOPPED event must not turn it into another Down. */
  get destroying(): boolean {
    return this.destroyRunning;
  }

  /** Set while a forced reboot destroys and restarts the domain: its STOPPED event is not a Down. */
  get forcedReboot(): boolean {
    return this.forcedRebootRunning;
  }

  bindDomain(handle: DomainHandle): void {
    this.domain = handle;
  }

  /** The live XML was read again (after start, hot-plug, ...). */
  describe(description: DomainDescription): void {
    this.described = description;
  }

  attachAgent(agent: GuestAgent): void {
    this.oVirtAgent = agent;
  }

  attachQemuAgent(qga: QemuGuestAgent): void {
    this.qemuAgent = qga;
  }

  /** libvirt RTC_CHANGE: the guest moved its clock (seconds from UTC). */
  rtcChanged(utcOffset: number): void {
    this.rtcOffset = String(utcOffset);
  }

  /** libvirt GRAPHICS: who is connected to the console ('' once disconnected). */
  graphicsClientChanged(address: string): void {
    this.graphicsClient = address;
  }

  /** libvirt IO_ERROR_REASON: the pause code (ENOSPC or EIO) the stats and the pause it causes report. */
  ioErrorReported(code: 'ENOSPC' | 'EIO'): void {
    if (this.current.kind === 'paused') this.current = { kind: 'paused', pauseCode: code };
    else this.pendingPauseCode = code;
  }

  /** vdsmd is about to stop the domain for this reason (the STOPPED event then ends with it). */
  expectExit(info: DownInfo): void {
    this.expected = info;
  }

  /** VM.destroy begins; false when one runs already. */
  beginDestroy(): boolean {
    if (this.destroyRunning) return false;
    this.destroyRunning = true;
    return true;
  }

  /** VM.destroy failed before the VM went Down: it may be tried again. */
  destroyFailed(): void {
    this.destroyRunning = false;
  }

  /** Runs a forced reboot (destroy + create of the same definition) during which STOPPED is not a Down. */
  async forcedRebootDuring(run: () => Promise<void>): Promise<void> {
    this.forcedRebootRunning = true;
    try {
      await run();
    } finally {
      this.forcedRebootRunning = false;
    }
  }

  get name(): string {
    return this.description.name;
  }

  get internalStatus(): InternalStatus {
    return statusOfState(this.current);
  }

  get downInfo(): DownInfo | undefined {
    return this.current.kind === 'down' ? this.current.exit : undefined;
  }

  get statusTime(): number {
    return this.statusStamp;
  }

  isDown(): boolean {
    return this.current.kind === 'down';
  }

  /** The status VDSM reports: internal `Up` refined by shutdown requests, the agent and recent guest events. */
  status(now = performance.now()): VmStatus {
    if (this.current.kind !== 'running') return statusOfState(this.current);
    if (this.shutdownAt !== undefined && now - this.shutdownAt < this.timing.poweringDownMs) return 'Powering down';
    const agentStatus =
      this.oVirtAgent?.guestStatus?.() ??
      (this.oVirtAgent?.isResponsive() || this.qemuAgent?.isWorking() === true ? ('Up' as const) : undefined);
    if (agentStatus !== undefined) return agentStatus;
    if (this.guestEvent !== undefined && now - this.guestEvent.at < this.timing.guestEventMs)
      return this.guestEvent.status;
    return 'Up';
  }

  /** Moves to an internal status (never out of Down); leaving a pause drops its code. */
  setStatus(status: Exclude<InternalStatus, 'Down'>): void {
    if (this.current.kind === 'down') return;
    if (status === 'Paused') {
      this.toPaused(this.pauseCode);
      return;
    }
    this.pendingPauseCode = undefined;
    if (statusOfState(this.current) !== status) {
      this.current = stateOfStatus(status, undefined);
      this.statusStamp = monotonicStamp();
    }
    this.refresh();
  }

  /** Paused with this code (NOERR, EIO, ENOSPC); the status time moves only when the VM was not paused. */
  toPaused(pauseCode: string | undefined): void {
    if (this.current.kind === 'down') return;
    if (this.current.kind !== 'paused') this.statusStamp = monotonicStamp();
    this.current = { kind: 'paused', pauseCode };
    this.pendingPauseCode = undefined;
    this.refresh();
  }

  /** Down, once: later calls are ignored, so one Down event goes out. Returns false when already Down. */
  setDown(info: DownInfo): boolean {
    if (this.current.kind === 'down') return false;
    this.current = { kind: 'down', exit: info };
    this.statusStamp = monotonicStamp();
    this.shutdownAt = undefined;
    this.guestEvent = undefined;
    this.clearTimers();
    this.oVirtAgent?.stop();
    this.qemuAgent?.stop();
    this.qemuAgent = undefined;
    this.refresh();
    return true;
  }

  /** Recovery: a VM found Down (exit info in the metadata, or a shut-off domain). */
  restoreDown(info: DownInfo): void {
    this.current = { kind: 'down', exit: info };
    this.lastReported = 'Down';
  }

  /** The guest just started or rebooted: report Powering up / RebootInProgress for a while. */
  guestStarted(event: GuestEvent, epochSeconds = Date.now() / 1000): void {
    this.started = epochSeconds;
    this.guestEvent = { status: event, at: performance.now() };
    this.shutdownAt = undefined;
    this.later(this.timing.guestEventMs);
    this.refresh();
  }

  /** Recovery: a running guest whose start time is known; the guest event counts from that start, as upstream. */
  recoveredRunning(
    state: { readonly kind: 'running' } | { readonly kind: 'paused'; readonly pauseCode: string },
    startTime: number | undefined,
  ): void {
    this.started = startTime;
    this.current = state;
    if (startTime !== undefined) {
      const ageMs = Date.now() - startTime * 1000;
      if (ageMs >= 0 && ageMs < this.timing.guestEventMs) {
        this.guestEvent = { status: 'Powering up', at: performance.now() - ageMs };
        this.later(this.timing.guestEventMs - ageMs);
      }
    }
    this.lastReported = this.status();
  }

  /** VM.shutdown was called: report Powering down for a while (not for reboots). */
  shutdownRequested(reboot: boolean): void {
    if (reboot) {
      this.guestEvent = { status: 'RebootInProgress', at: performance.now() };
      this.later(this.timing.guestEventMs);
    } else {
      this.shutdownAt = performance.now();
      this.later(this.timing.poweringDownMs);
    }
    this.refresh();
  }

  /** Whether the reported status is time- or agent-dependent right now (the manager re-checks such VMs). */
  isTransient(now = performance.now()): boolean {
    if (this.current.kind !== 'running') return false;
    if (this.shutdownAt !== undefined && now - this.shutdownAt < this.timing.poweringDownMs) return true;
    return this.guestEvent !== undefined && now - this.guestEvent.at < this.timing.guestEventMs;
  }

  /** Publishes a status event when the reported status changed since the last one. */
  refresh(): void {
    const status = this.status();
    if (status === this.lastReported) return;
    this.lastReported = status;
    this.onStatus(this);
  }

  private later(ms: number): void {
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      this.refresh();
    }, ms + 5);
    timer.unref();
    this.timers.push(timer);
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  /** Stops timers and the agent; the VM is leaving the container. */
  dispose(): void {
    this.clearTimers();
    this.oVirtAgent?.stop();
    this.oVirtAgent = undefined;
    this.qemuAgent?.stop();
    this.qemuAgent = undefined;
  }
}
