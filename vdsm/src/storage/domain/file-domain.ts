/**
 * A file storage domain (NFS, LOCALFS, POSIXFS, GLUSTERFS) with upstream's on-disk layout, so either side can
 * attach a domain the other created. Metadata changes are read-modify-write with an atomic replace.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@vdsm-ts/common/atomic-write';
import { VdsmError } from '../../errors/vdsm-error.js';
import {
  ALIGNMENT_1M,
  DEFAULT_LEASE_PARAMS,
  type DomainClass,
  type DomainRole,
  type DomainTypeName,
  isUuid,
  MAILBOX_SIZE,
  MAX_DESCRIPTION_LENGTH,
  METADATA_FILE_MODE,
  SDM_LEASE_NAME,
  SDM_LEASE_SLOT,
  SUPPORTED_DOMAIN_VERSIONS,
} from '../constants.js';
import { formatMetadata, type MetadataMap, parseMetadata } from '../metadata/domain-metadata.js';
import type { Sanlock } from '../sanlock/sanlock.js';
import { FileDomainLayout } from './layout.js';
import { formatXleases } from './xleases.js';

export interface CreateFileDomainParams {
  /** The mounted storage directory the domain directory goes into. */
  readonly mountPoint: string;
  readonly sdUUID: string;
  readonly type: DomainTypeName;
  readonly domainClass: DomainClass;
  readonly description: string;
  readonly version: number;
  readonly remotePath: string;
  readonly blockSize: 512 | 4096;
}

export interface DomainInfo {
  readonly uuid: string;
  readonly type: DomainTypeName;
  readonly class: DomainClass;
  readonly name: string;
  readonly role: DomainRole;
  readonly pool: string[];
  /** A string on the wire, as upstream sends it. */
  readonly version: string;
  readonly remotePath: string;
  readonly block_size: number;
  readonly alignment: number;
  readonly master_ver?: number;
}

export interface DomainSpace {
  readonly disktotal: number;
  readonly diskfree: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

async function createSized(path: string, size: number): Promise<void> {
  const handle = await open(path, 'w', 0o660);
  try {
    if (size > 0) await handle.truncate(size);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function noSpace(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOSPC' || (error as NodeJS.ErrnoException)?.code === 'EDQUOT';
}

export class FileStorageDomain {
  readonly layout: FileDomainLayout;
  private md: Record<string, string>;

  private constructor(
    readonly sdUUID: string,
    readonly root: string,
    md: Record<string, string>,
  ) {
    this.layout = new FileDomainLayout(root);
    this.md = md;
  }

  /** Creates the domain layout under `mountPoint/<sdUUID>`; a half-made domain never appears under that name. */
  static async create(params: CreateFileDomainParams, sanlock: Sanlock): Promise<FileStorageDomain> {
    const { mountPoint, sdUUID } = params;
    if (!isUuid(sdUUID)) throw new VdsmError('InvalidParameterException', `sdUUID=${sdUUID}`);
    if (!SUPPORTED_DOMAIN_VERSIONS.includes(params.version) || params.version < 3)
      throw new VdsmError('UnsupportedDomainVersion', `version ${params.version}`);
    if (params.description.length > MAX_DESCRIPTION_LENGTH)
      throw new VdsmError('StorageDomainDescriptionTooLongError', `${params.description.length} characters`);
    try {
      const st = await stat(mountPoint);
      if (!st.isDirectory()) throw new Error('not a directory');
      await access(mountPoint, constants.W_OK | constants.R_OK | constants.X_OK);
    } catch {
      throw new VdsmError('StorageDomainFSNotMounted', mountPoint);
    }
    const root = join(mountPoint, sdUUID);
    if (await exists(root)) throw new VdsmError('StorageDomainAlreadyExists', sdUUID);

    const staging = join(mountPoint, `.${sdUUID}.creating`);
    await rm(staging, { recursive: true, force: true });
    try {
      const layout = new FileDomainLayout(staging);
      await mkdir(layout.domMd, { recursive: true, mode: 0o775 });
      await chmod(staging, 0o755);
      await chmod(layout.domMd, 0o775);
      await mkdir(layout.images, { mode: 0o755 });
      await createSized(layout.ids, 0);
      await createSized(layout.leases, 0);
      await createSized(layout.inbox, MAILBOX_SIZE);
      await createSized(layout.outbox, MAILBOX_SIZE);
      // sanlock grows ids to one lockspace area and leases to the SDM slot.
      await sanlock.initLockspace(sdUUID, layout.ids);
      await sanlock.initResource(sdUUID, SDM_LEASE_NAME, layout.leases, SDM_LEASE_SLOT * ALIGNMENT_1M);
      if (params.version >= 4) await formatXleases(layout.xleases, sdUUID, ALIGNMENT_1M);
      const md: Record<string, string> = {
        CLASS: params.domainClass,
        DESCRIPTION: params.description,
        IOOPTIMEOUTSEC: String(DEFAULT_LEASE_PARAMS.IOOPTIMEOUTSEC),
        LEASERETRIES: String(DEFAULT_LEASE_PARAMS.LEASERETRIES),
        LEASETIMESEC: String(DEFAULT_LEASE_PARAMS.LEASETIMESEC),
        LOCKPOLICY: '',
        LOCKRENEWALINTERVALSEC: String(DEFAULT_LEASE_PARAMS.LOCKRENEWALINTERVALSEC),
        POOL_UUID: '',
        REMOTE_PATH: params.remotePath,
        ROLE: 'Regular',
        SDUUID: sdUUID,
        TYPE: params.type,
        VERSION: String(params.version),
      };
      if (params.version >= 5) {
        md.ALIGNMENT = String(ALIGNMENT_1M);
        md.BLOCK_SIZE = String(params.blockSize);
      }
      await writeFileAtomic(layout.metadata, formatMetadata(md), { mode: METADATA_FILE_MODE });
      await rename(staging, root);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (error instanceof VdsmError) throw error;
      if (noSpace(error)) throw new VdsmError('NoSpaceLeftOnDomain', sdUUID, { cause: error });
      throw new VdsmError('StorageDomainCreationError', `${sdUUID}: ${(error as Error).message}`, { cause: error });
    }
    return FileStorageDomain.open(root);
  }

  /** Opens the domain at `root` (…/<sdUUID>), checking the metadata seal and that it names this domain. */
  static async open(root: string): Promise<FileStorageDomain> {
    const sdUUID = basename(root);
    const layout = new FileDomainLayout(root);
    let text: string;
    try {
      text = await readFile(layout.metadata, 'utf8');
    } catch (error) {
      throw new VdsmError('StorageDomainMetadataNotFound', `sdUUID=${sdUUID}, metafile path=${layout.metadata}`, {
        cause: error,
      });
    }
    const md = parseMetadata(text);
    if (md.SDUUID !== sdUUID) {
      throw new VdsmError(
        'MetaDataValidationError',
        `domain directory ${sdUUID} holds metadata of SDUUID=${md.SDUUID ?? ''}`,
      );
    }
    const version = Number(md.VERSION);
    if (!SUPPORTED_DOMAIN_VERSIONS.includes(version))
      throw new VdsmError('UnsupportedDomainVersion', String(md.VERSION));
    return new FileStorageDomain(sdUUID, root, md);
  }

  get mountPoint(): string {
    return dirname(this.root);
  }

  get metadata(): MetadataMap {
    return this.md;
  }

  get version(): number {
    return Number(this.md.VERSION);
  }
  get type(): DomainTypeName {
    return this.md.TYPE as DomainTypeName;
  }
  get domainClass(): DomainClass {
    return this.md.CLASS as DomainClass;
  }
  get role(): DomainRole {
    return this.md.ROLE === 'Master' ? 'Master' : 'Regular';
  }
  get pools(): string[] {
    return (this.md.POOL_UUID ?? '').split(',').filter(Boolean);
  }
  get alignment(): number {
    return Number(this.md.ALIGNMENT ?? ALIGNMENT_1M);
  }
  get blockSize(): number {
    return Number(this.md.BLOCK_SIZE ?? 512);
  }
  get ioTimeout(): number {
    return Number(this.md.IOOPTIMEOUTSEC ?? DEFAULT_LEASE_PARAMS.IOOPTIMEOUTSEC);
  }

  /** Re-reads the metadata from storage. */
  async refresh(): Promise<void> {
    const fresh = await FileStorageDomain.open(this.root);
    this.md = fresh.md;
  }

  /**
   * Changes metadata keys (undefined deletes) with a fresh read first, so another host's change is not lost; on any
   * write failure the old file stays in place and the error says why.
   */
  async updateMetadata(changes: Readonly<Record<string, string | undefined>>): Promise<void> {
    await this.refresh();
    const next: Record<string, string> = { ...this.md };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    try {
      await writeFileAtomic(this.layout.metadata, formatMetadata(next), { mode: METADATA_FILE_MODE });
    } catch (error) {
      if (noSpace(error)) throw new VdsmError('NoSpaceLeftOnDomain', this.sdUUID, { cause: error });
      throw new VdsmError('MetaDataGeneralError', `${this.sdUUID}: ${(error as Error).message}`, { cause: error });
    }
    this.md = next;
  }

  info(): DomainInfo {
    const info: DomainInfo = {
      uuid: this.sdUUID,
      type: this.type,
      class: this.domainClass,
      name: this.md.DESCRIPTION ?? '',
      role: this.role,
      pool: this.pools,
      version: String(this.version),
      remotePath: this.md.REMOTE_PATH ?? '',
      block_size: this.blockSize,
      alignment: this.alignment,
    };
    return this.md.MASTER_VERSION !== undefined ? { ...info, master_ver: Number(this.md.MASTER_VERSION) } : info;
  }

  async space(): Promise<DomainSpace> {
    const fs = await statfs(this.root);
    return { disktotal: fs.blocks * fs.bsize, diskfree: fs.bavail * fs.bsize };
  }

  /** Creates master/{vms,tasks} (master domain on SPM start). */
  async ensureMasterDirs(): Promise<void> {
    await mkdir(this.layout.tasks, { recursive: true, mode: 0o755 });
    await mkdir(this.layout.vms, { recursive: true, mode: 0o755 });
  }

  /** Removes the whole domain directory (StorageDomain.format). */
  async remove(): Promise<void> {
    const trash = join(this.mountPoint, `.${this.sdUUID}.removing`);
    await rename(this.root, trash);
    await rm(trash, { recursive: true, force: true });
  }
}
