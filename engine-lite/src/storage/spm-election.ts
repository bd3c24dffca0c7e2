/**
 * SPM election for a data center's storage pool, as ovirt-engine's IrsProxy does it: ask the Up hosts (highest
 * `spm_priority` first, -1 = never) whether one already is SPM; otherwise StoragePool.spmStart on the best candidate
 * and follow StoragePool.getSpmStatus until it is SPM, or the task failed (then the next candidate). The result is
 * written to the database: the SPM host `SPM`, the others `None`, the data center `Up` (or `Contend` without one).
 */
import type { Db } from '../db/db.js';
import { dataCenters } from '../db/repo/datacenters.js';
import { events } from '../db/repo/events.js';
import { type Host, hosts } from '../db/repo/hosts.js';
import type { HostManager } from '../hosts/manager.js';

interface SpmStatus {
  spmStatus: 'SPM' | 'Free' | 'Contend';
  spmLver: number;
  spmId: number;
}

interface TaskStatus {
  taskState?: string;
  taskResult?: string;
  code?: number;
  message?: string;
}

export interface ElectionOptions {
  /** how long one host may contend before it counts as failed */
  readonly contendTimeoutMs: number;
  readonly pollMs: number;
}

export const DEFAULT_ELECTION: ElectionOptions = { contendTimeoutMs: 60_000, pollMs: 250 };

export class SpmElection {
  private readonly running = new Map<string, Promise<Host | undefined>>();

  constructor(
    private readonly db: Db,
    private readonly hostManager: HostManager,
    private readonly options: ElectionOptions = DEFAULT_ELECTION,
  ) {}

  /** Elects (or finds) the SPM of `dataCenterId`; one election per data center at a time. */
  elect(dataCenterId: string): Promise<Host | undefined> {
    let election = this.running.get(dataCenterId);
    if (election === undefined) {
      election = this.run(dataCenterId).finally(() => this.running.delete(dataCenterId));
      this.running.set(dataCenterId, election);
    }
    return election;
  }

  private async run(dataCenterId: string): Promise<Host | undefined> {
    const dc = await dataCenters.get(this.db, dataCenterId);
    if (dc === undefined || dc.masterDomainId === null) return undefined;
    const candidates = (await hosts.listByDataCenter(this.db, dc.id))
      .filter((h) => h.status === 'Up' && h.poolHostId !== null && h.spmPriority >= 0)
      .sort((a, b) => b.spmPriority - a.spmPriority || a.name.localeCompare(b.name));
    for (const host of candidates) {
      const status = await this.status(host, dc.id);
      if (status?.spmStatus === 'SPM') return this.record(dc.id, dc.name, host, 'is SPM');
    }
    for (const host of candidates) {
      const failure = await this.start(host, dc.id);
      if (failure === undefined) return this.record(dc.id, dc.name, host, 'was elected SPM');
      await events.add(this.db, {
        severity: 'warning',
        code: 'SPM_START_FAILED',
        message: `Host ${host.name} could not become SPM of data center ${dc.name}: ${failure}`,
        hostId: host.id,
        dataCenterId: dc.id,
      });
    }
    await hosts.setSpm(this.db, dc.id, null);
    await dataCenters.setStatus(this.db, dc.id, 'Contend');
    return undefined;
  }

  /** undefined = the host is SPM now; otherwise why not. */
  private async start(host: Host, poolId: string): Promise<string | undefined> {
    let taskId: string;
    try {
      const client = await this.hostManager.connection(host.id);
      taskId = await client.call<string>('StoragePool.spmStart', {
        storagepoolID: poolId,
        prevID: -1,
        prevLver: '-1',
        enableScsiFencing: false,
        maxHostID: 250,
        domVersion: '5',
      });
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    const deadline = Date.now() + this.options.contendTimeoutMs;
    while (Date.now() < deadline) {
      const status = await this.status(host, poolId);
      if (status?.spmStatus === 'SPM') return undefined;
      if (status?.spmStatus === 'Free') {
        const task = await this.task(host, taskId);
        // a task that has not run yet leaves the host Free for a moment
        if (task?.taskState === 'finished') return `${task.message ?? 'spmStart failed'} (code ${task.code ?? '?'})`;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs));
    }
    return `still not SPM after ${this.options.contendTimeoutMs} ms`;
  }

  private async status(host: Host, poolId: string): Promise<SpmStatus | undefined> {
    try {
      const client = await this.hostManager.connection(host.id);
      return await client.call<SpmStatus>('StoragePool.getSpmStatus', { storagepoolID: poolId });
    } catch {
      return undefined;
    }
  }

  private async task(host: Host, taskId: string): Promise<TaskStatus | undefined> {
    try {
      const client = await this.hostManager.connection(host.id);
      const all = await client.call<Record<string, TaskStatus>>('Host.getAllTasksStatuses', {});
      return all[taskId];
    } catch {
      return undefined;
    }
  }

  private async record(dataCenterId: string, dcName: string, host: Host, how: string): Promise<Host> {
    await this.db.transaction(async (tx) => {
      await hosts.setSpm(tx, dataCenterId, host.id);
      await dataCenters.setStatus(tx, dataCenterId, 'Up');
    });
    await events.add(this.db, {
      severity: 'normal',
      code: 'SPM_ELECTED',
      message: `Host ${host.name} ${how} of data center ${dcName}`,
      hostId: host.id,
      dataCenterId,
    });
    return host;
  }
}
