/**
 * connectStorageServer / disconnectStorageServer for file storage (storage/storageServer.py): LOCALFS is a symlink
 * `<repository>/mnt/<transformed path>` → the directory; NFS, POSIXFS and GLUSTERFS are mounts made by supervdsmd at
 * the same kind of name. Each connection gets its own status: 0, or the storage error code of its failure.
 */
import { constants } from 'node:fs';
import { access, lstat, mkdir, readlink, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import type { MountInfo } from '@vdsm-ts/supervdsm-protocol/operations';
import { VdsmError } from '../../errors/vdsm-error.js';
import type { DomainTypeName } from '../constants.js';
import { mountPointFor, mountRoot, normalizeRemotePath } from './mount-path.js';

/** The part of the supervdsm client storage connections use. */
export interface Mounter {
  mount(params: { spec: string; target: string; vfsType: string; options?: readonly string[] }): Promise<MountInfo>;
  umount(params: { target: string; force?: boolean; lazy?: boolean }): Promise<null>;
  listMounts(params: Record<string, never>): Promise<MountInfo[]>;
}

/** One entry of `connectionParams` as the engine sends it (extra keys ignored). */
export interface ConnectionParams {
  readonly id?: string;
  readonly connection?: string;
  readonly vfs_type?: string;
  readonly mnt_options?: string;
  readonly protocol_version?: string | number;
  readonly timeout?: number | string;
  readonly retrans?: number | string;
  readonly [key: string]: unknown;
}

export interface ConnectionStatus {
  readonly id: string;
  readonly status: number;
}

export interface Connection {
  readonly type: DomainTypeName;
  readonly remotePath: string;
  readonly localPath: string;
  readonly vfsType: string | null;
  readonly options: readonly string[];
}

function splitOptions(text: unknown): string[] {
  return typeof text === 'string'
    ? text
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean)
    : [];
}

/** Builds what a connection means on this host; bad parameters are StorageServerValidationError / StorageTypeError. */
export function describeConnection(type: DomainTypeName, repository: string, params: ConnectionParams): Connection {
  const spec = typeof params.connection === 'string' ? params.connection.trim() : '';
  if (spec === '') throw new VdsmError('StorageServerValidationError', 'path = ');
  const remotePath = normalizeRemotePath(spec);
  switch (type) {
    case 'LOCALFS':
      if (!remotePath.startsWith('/')) throw new VdsmError('StorageServerValidationError', `path = ${spec}`);
      return {
        type,
        remotePath,
        localPath: mountPointFor(repository, remotePath, 'localfs'),
        vfsType: null,
        options: [],
      };
    case 'NFS': {
      if (!/^[^:/]+:\//.test(remotePath)) throw new VdsmError('StorageServerValidationError', `path = ${spec}`);
      const options = ['soft', 'nosharecache'];
      options.push(`timeo=${Number(params.timeout ?? 100)}`, `retrans=${Number(params.retrans ?? 3)}`);
      const version = params.protocol_version;
      if (version !== undefined && version !== 'auto' && version !== '') options.push(`nfsvers=${String(version)}`);
      options.push(...splitOptions(params.mnt_options));
      return { type, remotePath, localPath: mountPointFor(repository, remotePath, 'nfs'), vfsType: 'nfs', options };
    }
    case 'GLUSTERFS':
      return {
        type,
        remotePath,
        localPath: mountPointFor(repository, remotePath, 'glusterfs'),
        vfsType: 'glusterfs',
        options: splitOptions(params.mnt_options),
      };
    case 'POSIXFS': {
      const vfsType = typeof params.vfs_type === 'string' ? params.vfs_type.trim() : '';
      if (vfsType === '') throw new VdsmError('StorageServerValidationError', 'vfs_type is required for POSIXFS');
      return {
        type,
        remotePath,
        localPath: mountPointFor(repository, remotePath, vfsType),
        vfsType,
        options: splitOptions(params.mnt_options),
      };
    }
    default:
      throw new VdsmError('StorageTypeError', `connections of type ${type} are not implemented`);
  }
}

function codeOf(error: unknown): number {
  return error instanceof VdsmError ? error.code : 451;
}

export class StorageServerConnections {
  constructor(
    private readonly repository: string,
    private readonly mounter: Mounter,
  ) {}

  async connectAll(type: DomainTypeName, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]> {
    return Promise.all(
      list.map(async (params) => {
        const id = typeof params.id === 'string' ? params.id : '';
        try {
          await this.connect(describeConnection(type, this.repository, params));
          return { id, status: 0 };
        } catch (error) {
          return { id, status: codeOf(error) };
        }
      }),
    );
  }

  async disconnectAll(type: DomainTypeName, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]> {
    return Promise.all(
      list.map(async (params) => {
        const id = typeof params.id === 'string' ? params.id : '';
        try {
          await this.disconnect(describeConnection(type, this.repository, params));
          return { id, status: 0 };
        } catch (error) {
          return { id, status: codeOf(error) };
        }
      }),
    );
  }

  async connect(conn: Connection): Promise<void> {
    await mkdir(mountRoot(this.repository), { recursive: true, mode: 0o755 });
    if (conn.vfsType === null) return this.linkLocal(conn);
    if (await this.isMounted(conn.localPath)) return;
    try {
      await this.mounter.mount({
        spec: conn.remotePath,
        target: conn.localPath,
        vfsType: conn.vfsType,
        options: conn.options,
      });
    } catch (error) {
      await rmdir(conn.localPath).catch(() => {});
      throw new VdsmError('MountError', `${conn.remotePath} on ${conn.localPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      await access(conn.localPath, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      await this.mounter.umount({ target: conn.localPath, lazy: true }).catch(() => null);
      throw new VdsmError('StorageServerValidationError', `path = ${conn.localPath}`, { cause: error });
    }
  }

  async disconnect(conn: Connection): Promise<void> {
    if (conn.vfsType === null) {
      try {
        if ((await lstat(conn.localPath)).isSymbolicLink()) await unlink(conn.localPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      return;
    }
    if (!(await this.isMounted(conn.localPath))) return;
    try {
      await this.mounter.umount({ target: conn.localPath });
    } catch (error) {
      throw new VdsmError('StorageServerDisconnectionError', `${conn.localPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await rmdir(conn.localPath).catch(() => {});
  }

  private async linkLocal(conn: Connection): Promise<void> {
    try {
      const st = await stat(conn.remotePath);
      if (!st.isDirectory()) throw new Error('not a directory');
      await access(conn.remotePath, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      throw new VdsmError('StorageServerValidationError', `path = ${conn.remotePath}`, { cause: error });
    }
    try {
      if ((await readlink(conn.localPath)) === conn.remotePath) return;
      await unlink(conn.localPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EINVAL') throw error;
      if (code === 'EINVAL')
        throw new VdsmError('StorageServerConnectionError', `${conn.localPath} exists and is not a link`);
    }
    await symlink(conn.remotePath, conn.localPath);
  }

  private async isMounted(target: string): Promise<boolean> {
    const mounts = await this.mounter.listMounts({});
    return mounts.some((m) => m.target === target);
  }
}
