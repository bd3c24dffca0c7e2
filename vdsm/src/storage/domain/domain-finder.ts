/**
 * Finds domains on connected storage: every `<repository>/mnt/<conn>/<sdUUID>/dom_md/metadata` and the same under
 * `mnt/glusterSD/`. Opened domains are cached by UUID and re-validated on demand.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { VdsmError } from '../../errors/vdsm-error.js';
import { mountRoot } from '../connection/mount-path.js';
import { isUuid } from '../constants.js';
import { FileStorageDomain } from './file-domain.js';

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

export class DomainFinder {
  private readonly cache = new Map<string, FileStorageDomain>();

  constructor(private readonly repository: string) {}

  /** Directories that may hold domains: one per connection. */
  private async connectionDirs(): Promise<string[]> {
    const root = mountRoot(this.repository);
    const dirs = (await list(root)).filter((n) => n !== 'glusterSD' && n !== 'blockSD').map((n) => join(root, n));
    const gluster = join(root, 'glusterSD');
    dirs.push(...(await list(gluster)).map((n) => join(gluster, n)));
    return dirs;
  }

  /** UUIDs of every domain directory present on connected storage (not yet validated). */
  async scan(): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const dir of await this.connectionDirs()) {
      for (const name of await list(dir)) if (isUuid(name)) found.set(name, join(dir, name));
    }
    return found;
  }

  /** Every valid domain found; broken ones are skipped (they answer errors when asked for by UUID). */
  async all(): Promise<FileStorageDomain[]> {
    const out: FileStorageDomain[] = [];
    for (const [sdUUID] of await this.scan()) {
      try {
        out.push(await this.get(sdUUID, true));
      } catch {
        // unreadable or corrupt: not listed
      }
    }
    return out;
  }

  /** The domain by UUID: StorageDomainDoesNotExist (358) when no connected storage has it. */
  async get(sdUUID: string, refresh = false): Promise<FileStorageDomain> {
    if (!isUuid(sdUUID)) throw new VdsmError('StorageDomainDoesNotExist', `('${sdUUID}',)`);
    const cached = this.cache.get(sdUUID);
    if (cached !== undefined && !refresh) return cached;
    const root = (await this.scan()).get(sdUUID);
    if (root === undefined) {
      this.cache.delete(sdUUID);
      throw new VdsmError('StorageDomainDoesNotExist', `('${sdUUID}',)`);
    }
    const domain = await FileStorageDomain.open(root);
    this.cache.set(sdUUID, domain);
    return domain;
  }

  forget(sdUUID: string): void {
    this.cache.delete(sdUUID);
  }
}
