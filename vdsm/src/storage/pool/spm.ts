/**
 * The SPM role of the connected pool (storage/sp.py startSpm/stopSpm): hold our host id on the master domain, then
 * the SDM lease (slot 1 of dom_md/leases) through sanlock. Only one host holds it at a time; if the lease is lost
 * (sanlock revokes it, or the watchdog no longer finds it) the role is dropped at once.
 */
import type { Logger } from '@vdsm-ts/common/logging';
import { VdsmError } from '../../errors/vdsm-error.js';
import { ALIGNMENT_1M, SDM_LEASE_NAME, SDM_LEASE_SLOT } from '../constants.js';
import type { FileStorageDomain } from '../domain/file-domain.js';
import type { DomainMonitor } from '../monitor/domain-monitor.js';
import { resourceSpec, SanlockError } from '../sanlock/sanlock-cli.js';
import type { SanlockSession } from '../sanlock/session.js';
import type { TaskManager } from '../task/task-manager.js';

export type SpmRole = 'Free' | 'Contend' | 'SPM';

export interface SpmStatus {
  spmStatus: SpmRole;
  spmLver: number;
  spmId: number;
}

export interface SpmOptions {
  readonly sanlock: SanlockSession;
  readonly monitor: DomainMonitor;
  readonly tasks: TaskManager;
  readonly watchdogIntervalMs: number;
  readonly log: Logger;
}

export function sdmResource(master: FileStorageDomain): string {
  return resourceSpec(
    master.sdUUID,
    SDM_LEASE_NAME,
    master.layout.leases,
    SDM_LEASE_SLOT * master.alignment || ALIGNMENT_1M,
  );
}

export class Spm {
  private role: SpmRole = 'Free';
  private lver = -1;
  private watchdog: NodeJS.Timeout | null = null;
  private unlistenRevoke: (() => void) | null = null;
  private checking = false;
  /** The master domain whose SDM lease we hold (it moves with switchMaster). */
  private leaseDomain: FileStorageDomain | null = null;

  constructor(
    readonly spUUID: string,
    private readonly hostId: number,
    private readonly master: () => FileStorageDomain,
    private readonly options: SpmOptions,
  ) {}

  get isSpm(): boolean {
    return this.role === 'SPM';
  }

  /** Throws SpmStatusError (654) unless this host is SPM. */
  assertSpm(): void {
    if (this.role !== 'SPM') throw new VdsmError('SpmStatusError', this.spUUID);
  }

  /** StoragePool.spmStart: an asynchronous task; the role is SPM once it has finished. */
  start(): Promise<string> {
    return this.options.tasks.start('spmStart', async () => {
      if (this.role === 'SPM') return;
      this.role = 'Contend';
      const master = this.master();
      try {
        await this.options.monitor.acquireHostId(master, this.hostId);
        await this.options.sanlock.ensureRegistered();
        try {
          await this.options.sanlock.cli.acquire(sdmResource(master), this.options.sanlock.pid);
        } catch (error) {
          const detail = error instanceof SanlockError ? `id=${SDM_LEASE_NAME}, rc=${error.rc}` : String(error);
          throw new VdsmError('AcquireLockFailure', detail, { cause: error });
        }
        const leader = await this.options.sanlock.cli.readLeader(sdmResource(master));
        this.lver = leader.lver;
        this.leaseDomain = master;
        await master.ensureMasterDirs();
        this.role = 'SPM';
        // sanlock runs our kill path only when it is taking our leases away: no question asked.
        this.unlistenRevoke = this.options.sanlock.onRevoke(
          () => void this.loseLease('sanlock is revoking our leases (kill path)'),
        );
        this.watchdog = setInterval(() => void this.verifyLease(), this.options.watchdogIntervalMs).unref();
        this.options.log.info({ hostId: this.hostId, spUUID: this.spUUID, lver: this.lver }, 'became SPM');
        await this.options.tasks.loadPersisted(master.layout.tasks);
      } catch (error) {
        if (this.role === 'Contend') this.role = 'Free';
        throw error;
      }
    });
  }

  /** StoragePool.spmStop: release the SDM lease and stop acting as SPM. */
  async stop(): Promise<void> {
    if (this.role !== 'SPM') {
      this.role = 'Free';
      return;
    }
    this.stopWatching();
    this.role = 'Free';
    this.options.tasks.forgetPersisted();
    const held = this.leaseDomain ?? this.master();
    this.leaseDomain = null;
    try {
      await this.options.sanlock.cli.release(sdmResource(held), this.options.sanlock.pid);
    } catch (error) {
      throw new VdsmError('ReleaseLockFailure', (error as Error).message, { cause: error });
    }
  }

  private stopWatching(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    this.unlistenRevoke?.();
    this.unlistenRevoke = null;
  }

  /** Lease watchdog: a missing SDM lease or master lockspace ends the SPM role before anything else runs. */
  private async verifyLease(): Promise<void> {
    if (this.role !== 'SPM' || this.checking) return;
    this.checking = true;
    try {
      const master = this.leaseDomain ?? this.master();
      const cli = this.options.sanlock.cli;
      const hasSpace = await cli.hasLockspace(master.sdUUID, this.hostId, master.layout.ids).catch(() => false);
      let hasLease = hasSpace;
      if (hasSpace) {
        const held = await cli.inquire(this.options.sanlock.pid).catch(() => null);
        hasLease = held === null || held.some((r) => r.startsWith(`${master.sdUUID}:${SDM_LEASE_NAME}:`));
      }
      if (!hasLease)
        await this.loseLease(hasSpace ? 'SDM lease is no longer held' : 'lockspace of the master domain is gone');
    } catch (error) {
      // a watchdog round that cannot tell must not take vdsmd down; the next round asks again
      this.options.log.error({ err: error, spUUID: this.spUUID }, 'SPM lease check failed');
    } finally {
      this.checking = false;
    }
  }

  private async loseLease(reason: string): Promise<void> {
    if (this.role !== 'SPM') return;
    this.role = 'Free';
    this.stopWatching();
    this.options.log.error({ spUUID: this.spUUID, reason }, 'lost the SPM role');
    const held = this.leaseDomain ?? this.master();
    this.leaseDomain = null;
    try {
      await this.options.sanlock.cli.release(sdmResource(held), this.options.sanlock.pid);
    } catch {
      // sanlock frees the lease itself once the lockspace is gone
    }
  }

  /**
   * Moves the SDM lease to `next` (switchMaster): the new master's lease is acquired while the old one is still held,
   * so no other host can become SPM in between; `change` runs while both are held and, if it throws, the new lease is
   * released again and the old one kept.
   */
  async moveLease(next: FileStorageDomain, change: () => Promise<void>): Promise<void> {
    this.assertSpm();
    const previous = this.leaseDomain ?? this.master();
    const cli = this.options.sanlock.cli;
    await this.options.monitor.acquireHostId(next, this.hostId);
    try {
      await cli.acquire(sdmResource(next), this.options.sanlock.pid);
    } catch (error) {
      const detail = error instanceof SanlockError ? `id=${SDM_LEASE_NAME}, rc=${error.rc}` : String(error);
      throw new VdsmError('AcquireLockFailure', detail, { cause: error });
    }
    try {
      await change();
    } catch (error) {
      await cli.release(sdmResource(next), this.options.sanlock.pid).catch(() => {});
      throw error;
    }
    this.leaseDomain = next;
    this.lver = (await cli.readLeader(sdmResource(next))).lver;
    await cli.release(sdmResource(previous), this.options.sanlock.pid).catch((error: unknown) => {
      this.options.log.error({ err: error, sdUUID: previous.sdUUID }, 'cannot release the SDM lease of the old master');
    });
  }

  /** StoragePool.getSpmStatus: our role, or who holds the lease by its leader record. */
  async status(): Promise<SpmStatus> {
    if (this.role === 'SPM') return { spmStatus: 'SPM', spmLver: this.lver, spmId: this.hostId };
    try {
      const leader = await this.options.sanlock.cli.readLeader(sdmResource(this.master()));
      // A released lease keeps its owner id but has timestamp 0.
      const held = leader.timestamp !== 0 && leader.ownerId > 0;
      return { spmStatus: this.role, spmLver: leader.lver > 0 ? leader.lver : -1, spmId: held ? leader.ownerId : -1 };
    } catch {
      return { spmStatus: this.role, spmLver: -1, spmId: -1 };
    }
  }

  async close(): Promise<void> {
    await this.stop().catch(() => {});
  }
}
