/**
 * One host's monitoring loop: a VdsmClient connection (mutual TLS with the engine's certificate), a poll every
 * `pollIntervalMs` (Host.getAllVmStats; Host.getStats every `statsEveryPolls` polls, as oVirt's VdsRefreshRate and
 * NumberVdsRefreshesBeforeRetrieveStatistics), VM status events applied as they arrive, and NonResponsive after
 * `maxMissedPolls` failed polls. All state is written to the database, so an engine restart resumes from it.
 */
import { type ClientTlsOptions, VdsmClient } from '@vdsm-ts/vdsm/client/index';
import type { Db } from '../db/db.js';
import { clusters } from '../db/repo/clusters.js';
import { events } from '../db/repo/events.js';
import { type Host, type HostStatus, hosts } from '../db/repo/hosts.js';
import { type VmStatus, vms } from '../db/repo/vms.js';
import { checkClusterCpu } from './cpu.js';
import { vmStatusFromVdsm } from './vm-status.js';

export interface MonitorConfig {
  /** oVirt VdsRefreshRate: 3 s */
  readonly pollIntervalMs: number;
  /** oVirt NumberVdsRefreshesBeforeRetrieveStatistics: 5 (host stats every 15 s) */
  readonly statsEveryPolls: number;
  /** failed polls before NonResponsive */
  readonly maxMissedPolls: number;
  /** per vdsm call */
  readonly callTimeoutMs: number;
}

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = {
  pollIntervalMs: 3000,
  statsEveryPolls: 5,
  maxMissedPolls: 3,
  callTimeoutMs: 10_000,
};

/** How long a VM's last event time is kept (it only has to outlive one poll). */
const EVENT_MEMORY_MS = 60_000;
const VM_STATUS_EVENT = /^\|virt\|VM_status\|([0-9a-fA-F-]{36})$/;

export interface MonitorDeps {
  readonly db: Db;
  readonly config: MonitorConfig;
  /** The engine's client identity; undefined only when every host is plain TCP. */
  readonly tls: () => Promise<ClientTlsOptions>;
  /** Called after every status change (tests and the CLI's progress display wait on it). */
  readonly onStatus?: (hostId: string, status: HostStatus) => void;
  readonly onCycle?: (hostId: string) => void;
}

interface HostStatsReply {
  memFree?: unknown;
  cpuIdle?: unknown;
  vmCount?: unknown;
}

export class HostMonitor {
  private client: VdsmClient | undefined;
  private connecting: Promise<VdsmClient> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polls = 0;
  private busy = false;
  private stopped = false;
  /** Activation (capabilities + CPU check) runs once per connection. */
  private activated = false;
  /** When each VM's last status event arrived: a poll that started earlier must not undo it. */
  private readonly eventAt = new Map<string, number>();

  constructor(
    readonly hostId: string,
    private readonly deps: MonitorDeps,
  ) {}

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  /** The live client for VM verbs; throws when the host is not connected. */
  async connection(): Promise<VdsmClient> {
    if (this.client?.isConnected) return this.client;
    const host = await this.host();
    return this.connect(host);
  }

  /** Re-runs activation on the next poll (POST /hosts/{id}/activate). */
  requestActivation(): void {
    this.activated = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    void this.tick();
  }

  private async host(): Promise<Host> {
    const host = await hosts.get(this.deps.db, this.hostId);
    if (host === undefined) throw new Error(`host ${this.hostId} no longer exists`);
    return host;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.deps.config.pollIntervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      await this.poll();
    } catch {
      // poll() records its own failures; nothing may escape the timer
    } finally {
      this.busy = false;
      this.deps.onCycle?.(this.hostId);
      this.schedule();
    }
  }

  private async poll(): Promise<void> {
    const host = await hosts.get(this.deps.db, this.hostId);
    if (host === undefined) {
      this.stopped = true;
      return;
    }
    let client: VdsmClient;
    try {
      client = await this.connection();
      const verdict = !this.activated && host.status !== 'Maintenance' ? await this.activate(host, client) : undefined;
      const pollStarted = performance.now();
      const vmStats = await client.call<unknown[]>(
        'Host.getAllVmStats',
        {},
        { timeoutMs: this.deps.config.callTimeoutMs },
      );
      await this.applyVmStats(vmStats, pollStarted);
      let sample: HostStatsReply | undefined;
      if (this.polls++ % this.deps.config.statsEveryPolls === 0) {
        sample = await client.call<HostStatsReply>('Host.getStats', {}, { timeoutMs: this.deps.config.callTimeoutMs });
      }
      await this.recordAlive(host, sample, vmStats.length);
      // Up (or NonOperational) only once a whole poll went through: an Up host has been seen and its VMs are known.
      if (verdict !== undefined) {
        await this.setStatus(host, verdict.status, verdict.detail);
        this.activated = true;
      }
    } catch (err) {
      await this.recordMiss(host, err);
    }
  }

  private connect(host: Host): Promise<VdsmClient> {
    this.connecting ??= (async () => {
      const client = await VdsmClient.connect({
        host: host.address,
        port: host.port,
        tls: host.tls ? await this.deps.tls() : false,
        timeoutMs: this.deps.config.callTimeoutMs,
        connectTimeoutMs: this.deps.config.callTimeoutMs,
        // we reconnect ourselves on the next poll, so a dead host costs one attempt per poll
        reconnect: false,
      });
      client.on('disconnected', () => {
        if (this.client === client) this.client = undefined;
        this.activated = false;
      });
      client.subscribeEvents((method, params) => void this.onEvent(method, params));
      if (this.stopped) {
        await client.close();
        throw new Error('monitor stopped');
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Initializing → capabilities, cluster CPU check → the status (Up or NonOperational) the first poll makes final. */
  private async activate(
    host: Host,
    client: VdsmClient,
  ): Promise<{ status: Extract<HostStatus, 'Up' | 'NonOperational'>; detail: string }> {
    await this.setStatus(host, 'Initializing', '');
    const caps = await client.call<Record<string, unknown>>(
      'Host.getCapabilities',
      {},
      {
        timeoutMs: this.deps.config.callTimeoutMs,
      },
    );
    await hosts.setFacts(this.deps.db, host.id, {
      cpuModel: typeof caps.cpuModel === 'string' ? caps.cpuModel : '',
      cpuThreads: Number(caps.cpuThreads) || 0,
      memTotalMb: Number(caps.memSize) || 0,
      softwareVersion: typeof caps.software_version === 'string' ? caps.software_version : '',
    });
    const cluster = await clusters.get(this.deps.db, host.clusterId);
    const check = checkClusterCpu(cluster?.cpuType ?? '', caps);
    return { status: check.ok ? 'Up' : 'NonOperational', detail: check.detail };
  }

  private async recordAlive(host: Host, sample: HostStatsReply | undefined, vmCount: number): Promise<void> {
    if (sample !== undefined) {
      const idle = sample.cpuIdle === undefined ? Number.NaN : Number(sample.cpuIdle);
      const memFree = sample.memFree === undefined ? Number.NaN : Number(sample.memFree);
      await hosts.recordSample(this.deps.db, host.id, {
        memFreeMb: Number.isFinite(memFree) ? memFree : null,
        cpuUsagePct: Number.isFinite(idle) ? Math.max(0, Math.min(100, 100 - idle)) : null,
        vmCount: typeof sample.vmCount === 'number' ? sample.vmCount : vmCount,
      });
    } else {
      await hosts.recordAlive(this.deps.db, host.id);
    }
  }

  private async recordMiss(host: Host, err: unknown): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    const missed = await hosts.recordMiss(this.deps.db, host.id);
    if (host.status === 'Installing' || host.status === 'Maintenance') {
      // never reached yet, or parked by the admin: not an outage
      await hosts.setStatus(this.deps.db, host.id, host.status, `cannot reach ${host.address}:${host.port}: ${reason}`);
      return;
    }
    if (missed >= this.deps.config.maxMissedPolls && host.status !== 'NonResponsive') {
      const unknown = await vms.markUnknownOnHost(this.deps.db, host.id);
      await this.setStatus(host, 'NonResponsive', reason);
      if (unknown > 0) {
        await events.add(this.deps.db, {
          severity: 'warning',
          code: 'VMS_UNKNOWN',
          message: `${unknown} VM(s) on host ${host.name} are in Unknown status`,
          hostId: host.id,
        });
      }
    }
  }

  private async setStatus(host: Host, status: HostStatus, detail: string): Promise<void> {
    await hosts.setStatus(this.deps.db, host.id, status, detail);
    if (host.status !== status) {
      const severity = status === 'Up' ? 'normal' : status === 'Initializing' ? 'normal' : 'warning';
      await events.add(this.deps.db, {
        severity: status === 'NonResponsive' || status === 'NonOperational' ? 'error' : severity,
        code: `HOST_${status.toUpperCase()}`,
        message: `Host ${host.name} is ${status}${detail === '' ? '' : `: ${detail}`}`,
        hostId: host.id,
      });
    }
    host.status = status;
    this.deps.onStatus?.(host.id, status);
  }

  /** Host.getAllVmStats: the VMs the host runs are authoritative for the VMs placed on it. */
  private async applyVmStats(list: unknown[], pollStarted: number): Promise<void> {
    const newerEvent = (id: string) => (this.eventAt.get(id) ?? -1) > pollStarted;
    for (const [id, at] of this.eventAt) if (at < pollStarted - EVENT_MEMORY_MS) this.eventAt.delete(id);
    const seen = new Set<string>();
    const reported: { id: string; status: VmStatus; stats: Record<string, unknown> }[] = [];
    for (const entry of list) {
      if (entry === null || typeof entry !== 'object') continue;
      const stats = entry as Record<string, unknown>;
      const id = typeof stats.vmId === 'string' ? stats.vmId : undefined;
      if (id === undefined) continue;
      seen.add(id);
      const status = vmStatusFromVdsm(stats.status);
      if (status !== undefined && !newerEvent(id)) reported.push({ id, status, stats });
    }
    // one lookup and one update per poll, not two queries per VM (50 VMs a host made monitoring CPU-bound)
    const placed = await vms.placements(
      this.deps.db,
      reported.map((r) => r.id),
    );
    // a VM the engine does not know (started by hand) is not adopted
    const known = reported.filter((r) => placed.has(r.id));
    for (const r of known) {
      if (placed.get(r.id) !== this.hostId) await vms.setRuntime(this.deps.db, r.id, r.status, this.hostId);
    }
    await vms.setStatsMany(this.deps.db, known);
    for (const vm of await vms.listOnHost(this.deps.db, this.hostId)) {
      if (seen.has(vm.id) || vm.status === 'WaitForLaunch' || newerEvent(vm.id)) continue;
      await vms.setRuntime(this.deps.db, vm.id, 'Down', null);
    }
  }

  private async onEvent(method: string, params: Record<string, unknown>): Promise<void> {
    const match = VM_STATUS_EVENT.exec(method);
    if (!match) return;
    const vmId = match[1]!;
    const body = params[vmId];
    if (body === null || typeof body !== 'object') return;
    const status = vmStatusFromVdsm((body as { status?: unknown }).status);
    if (status === undefined) return;
    this.eventAt.set(vmId, performance.now());
    try {
      const vm = await vms.get(this.deps.db, vmId);
      if (vm === undefined) return;
      await vms.setRuntime(this.deps.db, vmId, status, status === 'Down' ? null : this.hostId);
      if (status === 'Down') {
        const reason = (body as { exitMessage?: unknown }).exitMessage;
        await events.add(this.deps.db, {
          severity: 'normal',
          code: 'VM_DOWN',
          message: `VM ${vm.name} is down${typeof reason === 'string' ? `: ${reason}` : ''}`,
          vmId,
          hostId: this.hostId,
        });
      }
    } catch {
      // the database being closed during shutdown is the only expected failure; the next poll reconciles
    }
  }
}
