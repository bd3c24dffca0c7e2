/**
 * Polls a VM's qemu-guest-agent through libvirt on upstream's schedule (`qemuguestagent.py`): `guest-info` first
 * (capabilities gate everything else), then, each tick, the GetGuestInfo types that are due OR-ed into one call,
 * plus raw agent commands for network interfaces and vCPUs. A failure pauses the VM's polling for a minute. One
 * tick at a time; each call has a deadline, so a hung agent never stacks calls.
 */

import type { Logger } from '@vdsm-ts/common/logging';
import type { DiskMapping } from '@vdsm-ts/guest-agent/protocol/messages';
import { type DomainHandle, GuestInfoTypes, type TypedParams } from '@vdsm-ts/native/libvirt/index';
import type { GuestDiskUsage, GuestNetIface, GuestTimezone } from './guest-info.js';
import {
  disksMapping,
  filesystems,
  fsDiskMapping,
  interfaces,
  onlineVcpus,
  osInfo,
  parseCaps,
  type QgaCaps,
  timezoneInfo,
  usersToUsername,
} from './qga-convert.js';

/** Seconds between refreshes of each kind of information (upstream `[guest_agent]` defaults). */
export interface QgaPeriods {
  /** guest-info: the agent version and its commands */
  readonly info: number;
  /** OS, time zone, host name */
  readonly sysinfo: number;
  readonly users: number;
  /** filesystems and disks */
  readonly disks: number;
  readonly cpus: number;
  readonly network: number;
}

export const DEFAULT_QGA_PERIODS: QgaPeriods = {
  info: 300,
  sysinfo: 120,
  users: 10,
  disks: 300,
  cpus: 60,
  network: 120,
};

export interface QemuGuestAgentPollerOptions {
  readonly vmId: string;
  readonly domain: DomainHandle;
  readonly logger: Logger;
  /** the tick (upstream qga_polling_period, 5 s) */
  readonly intervalSeconds?: number;
  readonly periods?: Partial<QgaPeriods>;
  /** per raw agent command (upstream qga_command_timeout, 1 s) */
  readonly commandTimeoutSeconds?: number;
  /** polling pauses this long after a failure (upstream 60 s) */
  readonly failureBackoffSeconds?: number;
}

type Kind = keyof QgaPeriods;

/** libvirt calls that outlive this are abandoned (upstream qga_task_timeout). */
const TASK_TIMEOUT_MS = 30_000;

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export class QemuGuestAgentPoller {
  readonly vmId: string;
  readonly #domain: DomainHandle;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #periods: QgaPeriods;
  readonly #commandTimeout: number;
  readonly #backoffMs: number;
  readonly #lastRun = new Map<Kind, number>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #caps: QgaCaps | undefined;
  #pausedUntil = 0;
  #lastSuccess: number | undefined;
  #lastFailure: number | undefined;
  #failing = false;
  #generation = 0;
  // What the agent reported, in getStats shape.
  #username: string | undefined;
  #os:
    | { guestOs: string; guestOsInfo: Readonly<Record<string, string>>; kernelRelease: string | undefined }
    | undefined;
  #timezone: GuestTimezone | undefined;
  #hostname: string | undefined;
  #disksUsage: GuestDiskUsage[] | undefined;
  #diskMapping: DiskMapping = {};
  #netIfaces: GuestNetIface[] | undefined;
  #cpuCount: number | undefined;

  constructor(o: QemuGuestAgentPollerOptions) {
    this.vmId = o.vmId;
    this.#domain = o.domain;
    this.#log = o.logger.child({ vmId: o.vmId, channel: 'qemu-guest-agent' });
    this.#intervalMs = (o.intervalSeconds ?? 5) * 1000;
    this.#periods = { ...DEFAULT_QGA_PERIODS, ...o.periods };
    this.#commandTimeout = o.commandTimeoutSeconds ?? 1;
    this.#backoffMs = (o.failureBackoffSeconds ?? 60) * 1000;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs);
    void this.poll();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Changes whenever what stats() reports may have changed (so the VM's stats record can be reused until then). */
  get generation(): number {
    return this.#generation;
  }

  /** Between start() and stop(). */
  get polling(): boolean {
    return this.#timer !== undefined;
  }

  /** Forget the capabilities (the guest rebooted; its agent may differ now). */
  reset(): void {
    this.#generation++;
    this.#caps = undefined;
    this.#lastRun.clear();
    this.#pausedUntil = 0;
  }

  get caps(): QgaCaps | undefined {
    return this.#caps;
  }

  /** The agent answered after its last failure: what upstream uses to trust the guest's status. */
  isWorking(): boolean {
    return (
      this.#lastSuccess !== undefined && (this.#lastFailure === undefined || this.#lastSuccess > this.#lastFailure)
    );
  }

  diskMapping(): Readonly<DiskMapping> {
    return structuredClone(this.#diskMapping);
  }

  /** The guest fields qemu-guest-agent gave, upstream names and encodings; they override the oVirt agent's. */
  stats(): Readonly<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    if (this.#username !== undefined) out.username = this.#username;
    if (this.#os !== undefined) {
      out.guestOs = this.#os.guestOs;
      out.guestOsInfo = { ...this.#os.guestOsInfo };
    }
    if (this.#timezone !== undefined) out.guestTimezone = { ...this.#timezone };
    if (this.#hostname !== undefined) {
      out.guestName = this.#hostname;
      out.guestFQDN = this.#hostname;
    }
    if (this.#disksUsage !== undefined) out.disksUsage = this.#disksUsage.map((d) => ({ ...d }));
    if (this.#netIfaces !== undefined) {
      out.netIfaces = this.#netIfaces.map((i) => ({ ...i, inet: [...i.inet], inet6: [...i.inet6] }));
      out.guestIPs = '';
    }
    if (this.#cpuCount !== undefined) out.guestCPUCount = this.#cpuCount;
    if (this.#caps !== undefined) {
      const apps = [`qemu-guest-agent-${this.#caps.version}`];
      if (this.#os?.kernelRelease) apps.unshift(`kernel-${this.#os.kernelRelease}`);
      out.appsList = apps;
    }
    return out;
  }

  /** One tick; concurrent calls share the running one. */
  poll(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const now = performance.now();
    if (now < this.#pausedUntil) return;
    try {
      if (this.#caps === undefined || this.#due('info', now)) {
        const caps = parseCaps(await this.#command('guest-info'));
        if (caps === undefined) throw new Error('guest-info: unexpected reply');
        this.#caps = caps;
        this.#generation++;
        this.#lastRun.set('info', now);
      }
      await this.#pollGuestInfo(now);
      if (this.#supports('guest-network-get-interfaces') && this.#due('network', now)) {
        const ifaces = interfaces(await this.#command('guest-network-get-interfaces'));
        if (ifaces !== undefined) this.#netIfaces = ifaces;
        this.#generation++;
        this.#lastRun.set('network', now);
      }
      if (this.#supports('guest-get-vcpus') && this.#due('cpus', now)) {
        this.#cpuCount = onlineVcpus(await this.#command('guest-get-vcpus'));
        this.#generation++;
        this.#lastRun.set('cpus', now);
      }
      this.#lastSuccess = performance.now();
      if (this.#failing) this.#log.info('qemu-guest-agent answers again');
      this.#failing = false;
    } catch (err) {
      this.#lastFailure = performance.now();
      this.#pausedUntil = this.#lastFailure + this.#backoffMs;
      // One line per failure streak: an agent that is simply not installed must not fill the log.
      if (!this.#failing) this.#log.info({ err: (err as Error).message }, 'qemu-guest-agent query failed; pausing');
      this.#failing = true;
    }
  }

  async #pollGuestInfo(now: number): Promise<void> {
    let types = 0;
    const kinds: Kind[] = [];
    const want = (kind: Kind, command: string, type: number): void => {
      if (!this.#supports(command) || !this.#due(kind, now)) return;
      types |= type;
      if (!kinds.includes(kind)) kinds.push(kind);
    };
    want('users', 'guest-get-users', GuestInfoTypes.USERS);
    want('sysinfo', 'guest-get-osinfo', GuestInfoTypes.OS);
    want('sysinfo', 'guest-get-timezone', GuestInfoTypes.TIMEZONE);
    want('sysinfo', 'guest-get-host-name', GuestInfoTypes.HOSTNAME);
    want('disks', 'guest-get-fsinfo', GuestInfoTypes.FILESYSTEM);
    want('disks', 'guest-get-disks', GuestInfoTypes.DISKS);
    if (types === 0) return;
    const p = await withDeadline(this.#domain.getGuestInfo(types, 0), TASK_TIMEOUT_MS, 'getGuestInfo');
    this.#apply(types, p);
    for (const kind of kinds) this.#lastRun.set(kind, now);
  }

  #apply(types: number, p: TypedParams): void {
    this.#generation++;
    if (types & GuestInfoTypes.USERS) this.#username = usersToUsername(p);
    if (types & GuestInfoTypes.OS) this.#os = osInfo(p) ?? this.#os;
    if (types & GuestInfoTypes.TIMEZONE) this.#timezone = timezoneInfo(p) ?? this.#timezone;
    if (types & GuestInfoTypes.HOSTNAME && typeof p.hostname === 'string') this.#hostname = p.hostname;
    if (types & GuestInfoTypes.FILESYSTEM) {
      this.#disksUsage = filesystems(p);
      if (!(types & GuestInfoTypes.DISKS)) this.#diskMapping = fsDiskMapping(p);
    }
    if (types & GuestInfoTypes.DISKS) this.#diskMapping = disksMapping(p);
  }

  #supports(command: string): boolean {
    return this.#caps?.commands.has(command) === true;
  }

  #due(kind: Kind, now: number): boolean {
    const last = this.#lastRun.get(kind);
    return last === undefined || now - last >= this.#periods[kind] * 1000;
  }

  #command(execute: string): Promise<string> {
    return withDeadline(
      this.#domain.qemuAgentCommand(JSON.stringify({ execute }), this.#commandTimeout, 0),
      TASK_TIMEOUT_MS,
      execute,
    );
  }
}
