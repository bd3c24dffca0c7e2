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
import { type Lease, SanlockError } from '../sanlock/sanlock.js';
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

/**
 * This host's SPM role: free, contending (spmStart running), or SPM with what holding the role takes: the SDM
 * lease's version and domain (it moves with switchMaster), the lease watchdog and the revocation listener.
 */
export type SpmState =
  | { readonly kind: 'free' }
  | { readonly kind: 'contending' }
  | {
      readonly kind: 'spm';
      lver: number;
      leaseDomain: FileStorageDomain;
      readonly watchdog: NodeJS.Timeout;
      readonly unlistenRevoke: () => void;
    };

const FREE: SpmState = { kind: 'free' };
const ROLE_NAMES: Readonly<Record<SpmState['kind'], SpmRole>> = { free: 'Free', contending: 'Contend', spm: 'SPM' };

export function sdmResource(master: FileStorageDomain): Lease {
  return {
    lockspace: master.sdUUID,
    name: SDM_LEASE_NAME,
    path: master.layout.leases,
    offset: SDM_LEASE_SLOT * master.alignment || ALIGNMENT_1M,
  };
}

export class Spm {
  private state: SpmState = FREE;
  private checking = false;

  constructor(
    readonly spUUID: string,
    private readonly hostId: number,
    private readonly master: () => FileStorageDomain,
    private readonly options: SpmOptions,
  ) {}

  get isSpm(): boolean {
    return this.state.kind === 'spm';
  }

  /** Throws SpmStatusError (654) unless this host is SPM. */
  assertSpm(): void {
    if (this.state.kind !== 'spm') throw new VdsmError('SpmStatusError', this.spUUID);
  }

  /** StoragePool.spmStart: an asynchronous task; the role is SPM once it has finished. */
  start(): Promise<string> {
    return this.options.tasks.start('spmStart', async () => {
      if (this.state.kind === 'spm') return;
      this.state = { kind: 'contending' };
      const master = this.master();
      try {
        await this.options.monitor.acquireHostId(master, this.hostId);
        await this.options.sanlock.ensureRegistered();
        try {
          await this.options.sanlock.client.acquire(sdmResource(master), this.options.sanlock.pid);
        } catch (error) {
          const detail = error instanceof SanlockError ? `id=${SDM_LEASE_NAME}, rc=${error.rc}` : String(error);
          throw new VdsmError('AcquireLockFailure', detail, { cause: error });
        }
        const lver = (await this.options.sanlock.client.owner(sdmResource(master))).lver;
        await master.ensureMasterDirs();
        this.state = {
          kind: 'spm',
          lver,
          leaseDomain: master,
          // sanlock runs our kill path only when it is taking our leases away: no question asked.
          unlistenRevoke: this.options.sanlock.onRevoke(
            () => void this.loseLease('sanlock is revoking our leases (kill path)'),
          ),
          watchdog: setInterval(() => void this.verifyLease(), this.options.watchdogIntervalMs).unref(),
        };
        this.options.log.info({ hostId: this.hostId, spUUID: this.spUUID, lver }, 'became SPM');
        await this.options.tasks.loadPersisted(master.layout.tasks);
      } catch (error) {
        if (this.state.kind === 'contending') this.state = FREE;
        throw error;
      }
    });
  }

  /** Leaves the SPM state (watchdog and revocation listener stopped); returns the domain whose lease we held. */
  private leave(): FileStorageDomain | null {
    const state = this.state;
    this.state = FREE;
    if (state.kind !== 'spm') return null;
    clearInterval(state.watchdog);
    state.unlistenRevoke();
    return state.leaseDomain;
  }

  /** StoragePool.spmStop: release the SDM lease and stop acting as SPM. */
  async stop(): Promise<void> {
    const held = this.leave();
    if (held === null) return;
    this.options.tasks.forgetPersisted();
    try {
      await this.options.sanlock.client.release(sdmResource(held), this.options.sanlock.pid);
    } catch (error) {
      throw new VdsmError('ReleaseLockFailure', (error as Error).message, { cause: error });
    }
  }

  /** Lease watchdog: a missing SDM lease or master lockspace ends the SPM role before anything else runs. */
  private async verifyLease(): Promise<void> {
    const state = this.state;
    if (state.kind !== 'spm' || this.checking) return;
    this.checking = true;
    try {
      const master = state.leaseDomain;
      const client = this.options.sanlock.client;
      const hasSpace = await client.hasLockspace(master.sdUUID, this.hostId, master.layout.ids).catch(() => false);
      let hasLease = hasSpace;
      if (hasSpace) {
        const held = await client.inquire(this.options.sanlock.pid).catch(() => null);
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
    const held = this.leave();
    if (held === null) return;
    this.options.log.error({ spUUID: this.spUUID, reason }, 'lost the SPM role');
    try {
      await this.options.sanlock.client.release(sdmResource(held), this.options.sanlock.pid);
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
    const client = this.options.sanlock.client;
    await this.options.monitor.acquireHostId(next, this.hostId);
    try {
      await client.acquire(sdmResource(next), this.options.sanlock.pid);
    } catch (error) {
      const detail = error instanceof SanlockError ? `id=${SDM_LEASE_NAME}, rc=${error.rc}` : String(error);
      throw new VdsmError('AcquireLockFailure', detail, { cause: error });
    }
    try {
      await change();
    } catch (error) {
      await client.release(sdmResource(next), this.options.sanlock.pid).catch(() => {});
      throw error;
    }
    const lver = (await client.owner(sdmResource(next))).lver;
    const state = this.state;
    if (state.kind !== 'spm') {
      // the role was lost while the master moved: the new lease is not ours to keep either
      await client.release(sdmResource(next), this.options.sanlock.pid).catch(() => {});
      throw new VdsmError('SpmStatusError', this.spUUID);
    }
    const previous = state.leaseDomain;
    state.leaseDomain = next;
    state.lver = lver;
    await client.release(sdmResource(previous), this.options.sanlock.pid).catch((error: unknown) => {
      this.options.log.error({ err: error, sdUUID: previous.sdUUID }, 'cannot release the SDM lease of the old master');
    });
  }

  /** StoragePool.getSpmStatus: our role, or who holds the lease by its leader record. */
  async status(): Promise<SpmStatus> {
    if (this.state.kind === 'spm') return { spmStatus: 'SPM', spmLver: this.state.lver, spmId: this.hostId };
    const role = ROLE_NAMES[this.state.kind];
    try {
      const owner = await this.options.sanlock.client.owner(sdmResource(this.master()));
      return { spmStatus: role, spmLver: owner.lver, spmId: owner.hostId ?? -1 };
    } catch {
      return { spmStatus: role, spmLver: -1, spmId: -1 };
    }
  }

  async close(): Promise<void> {
    await this.stop().catch(() => {});
  }
}
