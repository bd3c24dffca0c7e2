/**
 * StorageVolumes: file volumes and images of the connected pool's domains. Every change is an SPM task persisted
 * in the master's tasks directory, with its recoveries (registered here) written before the change they undo.
 */
import { lstat, mkdir, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { VdsmError } from '../../errors/vdsm-error.js';
import { BLANK_UUID } from '../constants.js';
import type { DomainFinder } from '../domain/domain-finder.js';
import type { FileStorageDomain } from '../domain/file-domain.js';
import type { PoolService } from '../pool/pool-service.js';
import type { Sanlock } from '../sanlock/sanlock.js';
import type { CreateVolumeRequest, StorageVolumes, VolumeRef } from '../services.js';
import type { TaskManager } from '../task/task-manager.js';
import {
  createFileVolume,
  deleteFileImage,
  deleteFileVolume,
  extendFileVolume,
  fileVolumeInfo,
  fileVolumeSize,
  imageVolumes,
  readVolumeMetadata,
  removeFileVolume,
  setVolumeRole,
  updateVolumeMetadata,
  type VolumeInfo,
  volumePaths,
} from './file-volume.js';
import { type QemuImageInfo, qemuImgInfo } from './qemu-img.js';

export interface VolumeServiceOptions {
  /** Runtime image links: `<runDir>/<sdUUID>/<imgUUID>` (upstream /run/vdsm/storage). */
  readonly runDir: string;
  readonly finder: DomainFinder;
  readonly sanlock: Sanlock;
  readonly tasks: TaskManager;
  readonly pools: Pick<PoolService, 'assertConnected' | 'assertSpm' | 'tasksDir'>;
}

export class VolumeService implements StorageVolumes {
  constructor(private readonly options: VolumeServiceOptions) {
    const { tasks, finder } = options;
    tasks.registerRecovery('volume.remove', async (p) => {
      const domain = await finder.get(String(p.sdUUID), true);
      await removeFileVolume(domain, String(p.imgUUID), String(p.volUUID));
    });
    tasks.registerRecovery('volume.setLeaf', async (p) => {
      const domain = await finder.get(String(p.sdUUID), true);
      await setVolumeRole(domain, String(p.imgUUID), String(p.volUUID), 'LEAF');
    });
  }

  private async poolDomain(spUUID: string, sdUUID: string): Promise<FileStorageDomain> {
    this.options.pools.assertConnected(spUUID);
    const domain = await this.options.finder.get(sdUUID, true);
    if (!domain.pools.includes(spUUID))
      throw new VdsmError('StorageDomainNotInPool', `domain=${sdUUID}, pool=${spUUID}`);
    return domain;
  }

  /** The volume's domain once its metadata has been read (unknown volumes fail here, before any task starts). */
  private async existing(ref: VolumeRef): Promise<FileStorageDomain> {
    const domain = await this.poolDomain(ref.spUUID, ref.sdUUID);
    await readVolumeMetadata(domain, ref.imgUUID, ref.volUUID);
    return domain;
  }

  async create(req: CreateVolumeRequest): Promise<string> {
    const tasksDir = this.options.pools.tasksDir(req.spUUID);
    const domain = await this.poolDomain(req.spUUID, req.sdUUID);
    return this.options.tasks.start(
      'createVolume',
      async (ctx) => {
        if (req.srcVolUUID !== BLANK_UUID) {
          await ctx.addRecovery({
            name: 'volume.setLeaf',
            params: { sdUUID: req.sdUUID, imgUUID: req.imgUUID, volUUID: req.srcVolUUID },
          });
        }
        await ctx.addRecovery({
          name: 'volume.remove',
          params: { sdUUID: req.sdUUID, imgUUID: req.imgUUID, volUUID: req.volUUID },
        });
        ctx.checkAborted();
        await createFileVolume(
          domain,
          {
            imgUUID: req.imgUUID,
            volUUID: req.volUUID,
            capacity: req.size,
            format: req.format,
            allocation: req.allocation,
            diskType: req.diskType,
            description: req.description,
            parentUUID: req.srcVolUUID,
            legal: req.legal,
            sequence: req.sequence,
          },
          this.options.sanlock,
        );
      },
      { persistDir: tasksDir },
    );
  }

  async info(ref: VolumeRef): Promise<VolumeInfo> {
    return fileVolumeInfo(await this.poolDomain(ref.spUUID, ref.sdUUID), ref.imgUUID, ref.volUUID);
  }

  async delete(ref: VolumeRef): Promise<string> {
    const tasksDir = this.options.pools.tasksDir(ref.spUUID);
    const domain = await this.existing(ref);
    return this.options.tasks.start('deleteVolume', () => deleteFileVolume(domain, ref.imgUUID, ref.volUUID), {
      persistDir: tasksDir,
    });
  }

  async extend(ref: VolumeRef, newSize: number): Promise<string> {
    const tasksDir = this.options.pools.tasksDir(ref.spUUID);
    const domain = await this.existing(ref);
    return this.options.tasks.start(
      'extendVolumeSize',
      () => extendFileVolume(domain, ref.imgUUID, ref.volUUID, newSize),
      { persistDir: tasksDir },
    );
  }

  async update(
    ref: VolumeRef,
    change: { description?: string; legality?: 'LEGAL' | 'ILLEGAL' | 'FAKE' },
  ): Promise<void> {
    this.options.pools.assertSpm(ref.spUUID);
    await updateVolumeMetadata(await this.poolDomain(ref.spUUID, ref.sdUUID), ref.imgUUID, ref.volUUID, change);
  }

  async qemuInfo(ref: VolumeRef): Promise<QemuImageInfo> {
    const domain = await this.existing(ref);
    return qemuImgInfo(volumePaths(domain, ref.imgUUID, ref.volUUID).data);
  }

  async size(ref: VolumeRef): Promise<{ apparentsize: number; truesize: number }> {
    return fileVolumeSize(await this.poolDomain(ref.spUUID, ref.sdUUID), ref.imgUUID, ref.volUUID);
  }

  async deleteImage(spUUID: string, sdUUID: string, imgUUID: string): Promise<string> {
    const tasksDir = this.options.pools.tasksDir(spUUID);
    const domain = await this.poolDomain(spUUID, sdUUID);
    await imageVolumes(domain, imgUUID);
    return this.options.tasks.start('deleteImage', () => deleteFileImage(domain, imgUUID), { persistDir: tasksDir });
  }

  /** Image.prepare: links the image under the run directory and returns the path a VM's disk uses. */
  async prepareImage(ref: VolumeRef, allowIllegal: boolean): Promise<{ path: string }> {
    const domain = await this.poolDomain(ref.spUUID, ref.sdUUID);
    const md = await readVolumeMetadata(domain, ref.imgUUID, ref.volUUID);
    if (md.legality !== 'LEGAL' && !allowIllegal) throw new VdsmError('prepareIllegalVolumeError', ref.volUUID);
    const linkDir = join(this.options.runDir, ref.sdUUID);
    await mkdir(linkDir, { recursive: true, mode: 0o755 });
    const link = join(linkDir, ref.imgUUID);
    await unlink(link).catch(() => {});
    await symlink(domain.layout.image(ref.imgUUID), link);
    await lstat(volumePaths(domain, ref.imgUUID, ref.volUUID).data);
    return { path: join(link, ref.volUUID) };
  }

  async teardownImage(sdUUID: string, imgUUID: string): Promise<void> {
    await rm(join(this.options.runDir, sdUUID, imgUUID), { force: true });
  }
}
