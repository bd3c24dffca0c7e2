/**
 * The sanlock daemon operations through the `sanlock` command (argv arrays, timeouts, bounded output): used only for
 * a daemon this process's libsanlock is not bound to (libsanlock talks to one daemon per process; see sanlock.ts).
 * Leases belong to the process registered with the daemon (see registration.ts); `acquire -p <our pid>` puts them
 * on that registration, so they are released when vdsmd dies.
 */
import { ExecError, exec } from '@vdsm-ts/common/exec';

export interface SanlockOptions {
  /** SANLOCK_RUN_DIR of the daemon to talk to; undefined = the system daemon (/run/sanlock). */
  readonly runDir?: string;
  /** Seconds; leases are initialised and lockspaces added with it. */
  readonly ioTimeout: number;
}

export class SanlockError extends Error {
  override readonly name = 'SanlockError';
  constructor(
    readonly action: string,
    /** sanlock's negative result code, or the exit code when none was printed. */
    readonly rc: number,
    readonly output: string,
  ) {
    super(`sanlock ${action} failed (rc=${rc}): ${output.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

export interface LeaderRecord {
  readonly ownerId: number;
  readonly ownerGeneration: number;
  readonly lver: number;
  readonly timestamp: number;
  readonly spaceName: string;
  readonly resourceName: string;
}

/** SANLK_ACQUIRE_IDLIVE etc.: the lease is held by another live host. */
export const SANLK_LEASE_HELD = new Set([-243, -244, -245, -246]);

const esc = (s: string) => s.replaceAll(':', '\\:');

export function lockspaceSpec(name: string, hostId: number, path: string, offset = 0): string {
  return `${name}:${hostId}:${esc(path)}:${offset}`;
}
export function resourceSpec(lockspace: string, name: string, path: string, offset: number): string {
  return `${lockspace}:${name}:${esc(path)}:${offset}`;
}

export class SanlockCli {
  constructor(readonly options: SanlockOptions) {}

  private async run(action: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
    const env: Record<string, string> = { SANLOCK_PRIVILEGED: process.env.SANLOCK_PRIVILEGED ?? '0' };
    if (this.options.runDir !== undefined) env.SANLOCK_RUN_DIR = this.options.runDir;
    let result: { readonly all: string; readonly exitCode: number };
    try {
      // sanlock prints its result code ("done -243") and exits non-zero: every exit is parsed below
      result = await exec(['sanlock', ...args], {
        timeoutMs,
        maxOutputBytes: 1024 * 1024,
        okExitCodes: 'any',
        interleave: true,
        env,
      });
    } catch (error) {
      if (!(error instanceof ExecError)) throw error;
      if (error.kind === 'timeout') throw new SanlockError(action, -110, `timed out after ${timeoutMs} ms`);
      throw new SanlockError(action, error.exitCode ?? -1, error.message);
    }
    const out = result.all;
    const done = /done (-?\d+)/.exec(out);
    const rc = done !== null ? Number(done[1]) : result.exitCode;
    if (rc !== 0 || result.exitCode !== 0) throw new SanlockError(action, rc !== 0 ? rc : result.exitCode, out);
    return out;
  }

  private get io(): string[] {
    return ['-o', String(this.options.ioTimeout)];
  }

  /** Joins the lockspace with our host id; returns once the delta lease is held (~3 s at io_timeout 1). */
  async addLockspace(name: string, hostId: number, path: string): Promise<void> {
    await this.run(
      'add_lockspace',
      ['client', 'add_lockspace', '-s', lockspaceSpec(name, hostId, path), ...this.io],
      300_000,
    );
  }

  async remLockspace(name: string, hostId: number, path: string): Promise<void> {
    await this.run('rem_lockspace', ['client', 'rem_lockspace', '-s', lockspaceSpec(name, hostId, path)], 300_000);
  }

  /** True when this daemon holds the host id in the lockspace. */
  async hasLockspace(name: string, hostId: number, path: string): Promise<boolean> {
    try {
      await this.run('inq_lockspace', ['client', 'inq_lockspace', '-s', lockspaceSpec(name, hostId, path)]);
      return true;
    } catch (error) {
      if (error instanceof SanlockError) return false;
      throw error;
    }
  }

  async acquire(resource: string, pid: number): Promise<void> {
    await this.run('acquire', ['client', 'acquire', '-r', resource, '-p', String(pid)], 200_000);
  }

  async release(resource: string, pid: number): Promise<void> {
    await this.run('release', ['client', 'release', '-r', resource, '-p', String(pid)]);
  }

  /** The resources `pid` holds, as `lockspace:name:path:offset:lver` strings. */
  async inquire(pid: number): Promise<string[]> {
    const out = await this.run('inquire', ['client', 'inquire', '-p', String(pid)]);
    const line = out.split('\n').find((l) => l.startsWith('"'));
    if (line === undefined) return [];
    const inner = line.slice(1, line.lastIndexOf('"'));
    if (inner === '' || inner === '(null)') return [];
    return inner.split(' ').filter(Boolean);
  }

  async readLeader(resource: string): Promise<LeaderRecord> {
    const out = await this.run('read_leader', ['direct', 'read_leader', '-r', resource]);
    const field = (name: string): string => new RegExp(`^${name} (.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
    return {
      ownerId: Number(field('owner_id')),
      ownerGeneration: Number(field('owner_generation')),
      lver: Number(field('lver')),
      timestamp: Number(field('timestamp')),
      spaceName: field('space_name'),
      resourceName: field('resource_name'),
    };
  }
}
