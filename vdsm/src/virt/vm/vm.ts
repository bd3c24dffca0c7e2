/**
 * One VM as vdsmd knows it: the libvirt domain handle, the description from its latest XML, its metadata, the
 * internal status and Down record, and the guest-derived refinements of `Up` (Powering up, RebootInProgress,
 * Powering down). Status changes go to `onStatus`, which publishes `|virt|VM_status|<vmId>`. libvirt calls live in
 * lifecycle.ts and devices.ts; this class only keeps state, so the rules are easy to read in one place.
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

export interface VmOptions {
  readonly id: string;
  readonly description: DomainDescription;
  readonly metadata: VmMetadata;
  readonly status: InternalStatus;
  readonly timing: VmTiming;
  readonly onStatus: (vm: Vm) => void;
}

export class Vm {
  readonly id: string;
  handle: DomainHandle | undefined;
  description: DomainDescription;
  metadata: VmMetadata;
  agent: GuestAgent | undefined;
  /** qemu-guest-agent, polled through libvirt, for domains with the org.qemu.guest_agent.0 channel. */
  qga: QemuGuestAgent | undefined;
  /** Epoch seconds the guest started (survives vdsmd restarts through the metadata). */
  startTime: number | undefined;
  pauseCode: string | undefined;
  timeOffset = '0';
  clientIp = '';
  /** Why the domain is about to stop, when vdsmd asked for it (VM.shutdown / VM.destroy). */
  expectedExit: DownInfo | undefined;
  /** Set while VM.destroy runs: libvirt's STOPPED event must not turn it into another Down. */
  destroying = false;
  /** Set while a forced reboot destroys and restarts the domain: its STOPPED event is not a Down. */
  forcedReboot = false;
  private internal: InternalStatus;
  private down: DownInfo | undefined;
  private statusStamp = monotonicStamp();
  private guestEvent: { status: GuestEvent; at: number } | undefined;
  private shutdownAt: number | undefined;
  private lastReported: VmStatus | undefined;
  private readonly timing: VmTiming;
  private readonly onStatus: (vm: Vm) => void;
  private timers: NodeJS.Timeout[] = [];

  constructor(o: VmOptions) {
    this.id = o.id;
    this.description = o.description;
    this.metadata = o.metadata;
    this.internal = o.status;
    this.timing = o.timing;
    this.onStatus = o.onStatus;
  }

  get name(): string {
    return this.description.name;
  }

  get internalStatus(): InternalStatus {
    return this.internal;
  }

  get downInfo(): DownInfo | undefined {
    return this.down;
  }

  get statusTime(): number {
    return this.statusStamp;
  }

  isDown(): boolean {
    return this.internal === 'Down';
  }

  /** The status VDSM reports: internal `Up` refined by shutdown requests, the agent and recent guest events. */
  status(now = performance.now()): VmStatus {
    if (this.internal !== 'Up') return this.internal;
    if (this.shutdownAt !== undefined && now - this.shutdownAt < this.timing.poweringDownMs) return 'Powering down';
    const agentStatus =
      this.agent?.guestStatus?.() ??
      (this.agent?.isResponsive() || this.qga?.isWorking() === true ? ('Up' as const) : undefined);
    if (agentStatus !== undefined) return agentStatus;
    if (this.guestEvent !== undefined && now - this.guestEvent.at < this.timing.guestEventMs)
      return this.guestEvent.status;
    return 'Up';
  }

  /** Moves to an internal status (never out of Down). */
  setStatus(status: Exclude<InternalStatus, 'Down'>): void {
    if (this.internal === 'Down') return;
    if (status !== 'Paused') this.pauseCode = undefined;
    if (this.internal !== status) {
      this.internal = status;
      this.statusStamp = monotonicStamp();
    }
    this.refresh();
  }

  /** Down, once: later calls are ignored, so one Down event goes out. Returns false when already Down. */
  setDown(info: DownInfo): boolean {
    if (this.internal === 'Down') return false;
    this.internal = 'Down';
    this.down = info;
    this.statusStamp = monotonicStamp();
    this.shutdownAt = undefined;
    this.guestEvent = undefined;
    this.clearTimers();
    this.agent?.stop();
    this.qga?.stop();
    this.qga = undefined;
    this.refresh();
    return true;
  }

  /** Recovery: a VM found Down (exit info in the metadata, or a shut-off domain). */
  restoreDown(info: DownInfo): void {
    this.internal = 'Down';
    this.down = info;
    this.lastReported = 'Down';
  }

  /** The guest just started or rebooted: report Powering up / RebootInProgress for a while. */
  guestStarted(event: GuestEvent, epochSeconds = Date.now() / 1000): void {
    this.startTime = epochSeconds;
    this.guestEvent = { status: event, at: performance.now() };
    this.shutdownAt = undefined;
    this.later(this.timing.guestEventMs);
    this.refresh();
  }

  /** Recovery: a running guest whose start time is known; the guest event counts from that start, as upstream. */
  recoveredRunning(status: 'Up' | 'Paused', startTime: number | undefined): void {
    this.startTime = startTime;
    this.internal = status;
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
    if (this.internal !== 'Up') return false;
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
    this.agent?.stop();
    this.agent = undefined;
    this.qga?.stop();
    this.qga = undefined;
  }
}
