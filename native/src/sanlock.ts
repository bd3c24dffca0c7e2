/**
 * libsanlock, off the JS thread: lockspaces, leases and their on-disk format (`cc/sanlock.cc`). Every call returns a
 * Promise and rejects with a SanlockLibraryError carrying sanlock's negative result code.
 *
 * libsanlock finds the daemon by SANLOCK_RUN_DIR, read once per process at its first connection, so a process
 * talks to one daemon. `sanlockLibrary(runDir)` returns the library when it is (or can still be) bound to that
 * daemon, or null when this process already talks to another one (callers then use the `sanlock` command).
 */
import { loadAddon } from './addon.js';

export const DEFAULT_SANLOCK_RUN_DIR = '/run/sanlock';

export interface LockspaceSpec {
  readonly name: string;
  /** 0 for formatting (writeLockspace); 1..2000 to join. */
  readonly hostId: number;
  readonly path: string;
  readonly offset: number;
}

export interface ResourceSpec {
  readonly lockspace: string;
  readonly name: string;
  readonly path: string;
  readonly offset: number;
}

export interface LockspaceInfo extends LockspaceSpec {
  /** SANLK_LSF_ADD (1) while being added, SANLK_LSF_REM (2) while being removed. */
  readonly flags: number;
}

export interface ResourceOwner {
  readonly hostId: number;
  readonly generation: number;
  /** 0 when the owner released the lease. */
  readonly timestamp: number;
}

export interface ResourceOwners {
  readonly lver: number;
  readonly owners: readonly ResourceOwner[];
}

interface SanlockAddon {
  pinRunDir(wanted?: string): string;
  addLockspace(ls: LockspaceSpec, ioTimeout: number): Promise<void>;
  inqLockspace(ls: LockspaceSpec): Promise<number>;
  remLockspace(ls: LockspaceSpec): Promise<void>;
  getLockspaces(): Promise<LockspaceInfo[]>;
  acquire(res: ResourceSpec, pid: number): Promise<void>;
  release(res: ResourceSpec, pid: number): Promise<void>;
  inquire(pid: number): Promise<string[]>;
  readResourceOwners(res: ResourceSpec): Promise<ResourceOwners>;
  writeLockspace(ls: LockspaceSpec, ioTimeout: number): Promise<void>;
  writeResource(res: ResourceSpec): Promise<void>;
}

export class SanlockLibraryError extends Error {
  override readonly name = 'SanlockLibraryError';
  constructor(
    readonly call: string,
    /** sanlock's negative result code (-errno or SANLK_*). */
    readonly rc: number,
    message: string,
  ) {
    super(message);
  }
}

let addon: SanlockAddon | null = null;
const native = (): SanlockAddon => {
  addon ??= loadAddon<SanlockAddon>('sanlock');
  return addon;
};

function rethrow(error: unknown): never {
  if (error instanceof Error && typeof (error as { rc?: unknown }).rc === 'number') {
    const { rc, call } = error as Error & { rc: number; call?: string };
    throw new SanlockLibraryError(call ?? 'sanlock', rc, error.message);
  }
  throw error;
}

export class SanlockLibrary {
  private constructor(
    private readonly lib: SanlockAddon,
    readonly runDir: string,
  ) {}

  /** The library bound to the daemon at `runDir` (undefined: SANLOCK_RUN_DIR or /run/sanlock), or null. */
  static for(runDir: string | undefined): SanlockLibrary | null {
    const lib = native();
    const pinned = lib.pinRunDir(runDir);
    const wanted = runDir ?? process.env.SANLOCK_RUN_DIR ?? DEFAULT_SANLOCK_RUN_DIR;
    return pinned === wanted ? new SanlockLibrary(lib, pinned) : null;
  }

  /** Joins the lockspace with `ls.hostId`; resolves once the delta lease is held. */
  addLockspace(ls: LockspaceSpec, ioTimeoutSeconds: number): Promise<void> {
    return this.lib.addLockspace(ls, ioTimeoutSeconds).catch(rethrow);
  }

  /** True when this daemon holds `ls.hostId` in the lockspace (false while it is still being added). */
  async hasLockspace(ls: LockspaceSpec): Promise<boolean> {
    // -ENOENT (not joined), -EINPROGRESS (being added) or any failure to ask: not held, as `inq_lockspace` exits
    return (await this.lib.inqLockspace(ls).catch(rethrow)) === 0;
  }

  remLockspace(ls: LockspaceSpec): Promise<void> {
    return this.lib.remLockspace(ls).catch(rethrow);
  }

  lockspaces(): Promise<LockspaceInfo[]> {
    return this.lib.getLockspaces().catch(rethrow);
  }

  /** Acquires the lease for `pid`, which must be registered with the daemon. */
  acquire(res: ResourceSpec, pid: number): Promise<void> {
    return this.lib.acquire(res, pid).catch(rethrow);
  }

  release(res: ResourceSpec, pid: number): Promise<void> {
    return this.lib.release(res, pid).catch(rethrow);
  }

  /** The leases `pid` holds, as `lockspace:name:path:offset:lver` (colons in paths escaped). */
  inquire(pid: number): Promise<string[]> {
    return this.lib.inquire(pid).catch(rethrow);
  }

  /** The lease's version and owner from its leader record (read by the daemon). */
  readResourceOwners(res: ResourceSpec): Promise<ResourceOwners> {
    return this.lib.readResourceOwners(res).catch(rethrow);
  }
}

/** Formats a lockspace's delta-lease area by direct I/O; needs no daemon. */
export function writeLockspace(ls: LockspaceSpec, ioTimeoutSeconds: number): Promise<void> {
  return native().writeLockspace(ls, ioTimeoutSeconds).catch(rethrow);
}

/** Formats a paxos lease by direct I/O; needs no daemon. */
export function writeResource(res: ResourceSpec): Promise<void> {
  return native().writeResource(res).catch(rethrow);
}
