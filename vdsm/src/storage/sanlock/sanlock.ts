/**
 * The sanlock operations vdsm-ts needs. Through libsanlock (native addon, off the JS thread) as upstream does: no
 * process per call. libsanlock talks to one daemon per process (SANLOCK_RUN_DIR, read once); a daemon it is not
 * bound to (a second simulated host in a test process) is reached through the `sanlock` command instead. Formatting
 * is direct I/O and needs no daemon, so it always goes through the library.
 */
import {
  type LockspaceSpec,
  type ResourceSpec,
  SanlockLibrary,
  SanlockLibraryError,
  writeLockspace,
  writeResource,
} from '@vdsm-ts/native/sanlock';
import { Gate } from './gate.js';
import { resourceSpec, SanlockCli, SanlockError, type SanlockOptions } from './sanlock-cli.js';

export type { ResourceSpec as Lease } from '@vdsm-ts/native/sanlock';
export { SANLK_LEASE_HELD, SanlockError, type SanlockOptions } from './sanlock-cli.js';

/** Who holds a lease, from its leader record. */
export interface LeaseOwner {
  /** -1 when the lease was never acquired. */
  readonly lver: number;
  /** The owner's host id; null when the lease is free (released leases keep their owner with timestamp 0). */
  readonly hostId: number | null;
}

/**
 * Each library call holds a libuv pool thread (4 by default) until the daemon answers, and libsanlock has no
 * timeout. Calls that wait on disk (add/rem_lockspace, acquire/release, reading a leader record) run at most two at
 * once, the quick ones (inq_lockspace, inquire: answered from the daemon's memory) one at a time: even a hung
 * daemon leaves file system work and libvirt calls a pool thread.
 */
const LONG_CALLS = 2;
const QUICK_CALLS = 1;

function converted(error: unknown): never {
  if (error instanceof SanlockLibraryError) throw new SanlockError(error.call, error.rc, error.message);
  throw error;
}

const lockspace = (name: string, hostId: number, path: string): LockspaceSpec => ({ name, hostId, path, offset: 0 });

/** `lockspace:name:path:offset`, the form `inquire` answers with (colons in the path escaped). */
export const leaseText = (lease: ResourceSpec): string =>
  resourceSpec(lease.lockspace, lease.name, lease.path, lease.offset);

export class Sanlock {
  private bound: SanlockLibrary | null | undefined;
  private readonly cli: SanlockCli;
  private readonly long = new Gate(LONG_CALLS);
  private readonly quick = new Gate(QUICK_CALLS);

  constructor(readonly options: SanlockOptions) {
    this.cli = new SanlockCli(options);
  }

  /** Resolved at the first daemon call, so an instance used only for formatting binds the process to no daemon. */
  private get library(): SanlockLibrary | null {
    if (this.bound === undefined) this.bound = SanlockLibrary.for(this.options.runDir);
    return this.bound;
  }

  /** True when daemon calls go through libsanlock (false: the `sanlock` command, for a daemon it is not bound to). */
  get usesLibrary(): boolean {
    return this.library !== null;
  }

  initLockspace(name: string, path: string): Promise<void> {
    return writeLockspace(lockspace(name, 0, path), this.options.ioTimeout).catch(converted);
  }

  initResource(lockspaceName: string, name: string, path: string, offset: number): Promise<void> {
    return writeResource({ lockspace: lockspaceName, name, path, offset }).catch(converted);
  }

  /** Joins the lockspace with our host id; returns once the delta lease is held (~3 s at io_timeout 1). */
  addLockspace(name: string, hostId: number, path: string): Promise<void> {
    const lib = this.library;
    if (lib === null) return this.cli.addLockspace(name, hostId, path);
    return this.long
      .run(() => lib.addLockspace(lockspace(name, hostId, path), this.options.ioTimeout))
      .catch(converted);
  }

  remLockspace(name: string, hostId: number, path: string): Promise<void> {
    const lib = this.library;
    if (lib === null) return this.cli.remLockspace(name, hostId, path);
    return this.long.run(() => lib.remLockspace(lockspace(name, hostId, path))).catch(converted);
  }

  /** True when this daemon holds the host id in the lockspace. */
  hasLockspace(name: string, hostId: number, path: string): Promise<boolean> {
    const lib = this.library;
    if (lib === null) return this.cli.hasLockspace(name, hostId, path);
    return this.quick.run(() => lib.hasLockspace(lockspace(name, hostId, path))).catch(() => false);
  }

  /** Acquires the lease for `pid` (registered with the daemon). */
  acquire(lease: ResourceSpec, pid: number): Promise<void> {
    const lib = this.library;
    if (lib === null) return this.cli.acquire(leaseText(lease), pid);
    return this.long.run(() => lib.acquire(lease, pid)).catch(converted);
  }

  release(lease: ResourceSpec, pid: number): Promise<void> {
    const lib = this.library;
    if (lib === null) return this.cli.release(leaseText(lease), pid);
    return this.long.run(() => lib.release(lease, pid)).catch(converted);
  }

  /** The leases `pid` holds, as `lockspace:name:path:offset:lver` strings. */
  inquire(pid: number): Promise<string[]> {
    const lib = this.library;
    if (lib === null) return this.cli.inquire(pid);
    return this.quick.run(() => lib.inquire(pid)).catch(converted);
  }

  /** The lease's version and current owner. */
  async owner(lease: ResourceSpec): Promise<LeaseOwner> {
    const lib = this.library;
    if (lib === null) {
      const leader = await this.cli.readLeader(leaseText(lease));
      const held = leader.timestamp !== 0 && leader.ownerId > 0;
      return { lver: leader.lver > 0 ? leader.lver : -1, hostId: held ? leader.ownerId : null };
    }
    // the daemon reads the leader record from disk: a long call
    const { lver, owners } = await this.long.run(() => lib.readResourceOwners(lease)).catch(converted);
    const live = owners.find((o) => o.timestamp !== 0 && o.hostId > 0);
    return { lver: lver > 0 ? lver : -1, hostId: live?.hostId ?? null };
  }
}
