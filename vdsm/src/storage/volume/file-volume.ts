/**
 * File volumes (storage/fileVolume.py): `images/<img>/<vol>` (data, 0660), `<vol>.meta` (metadata) and
 * `<vol>.lease` (sanlock resource named after the volume, offset 0). Creation writes the metadata last, so a volume
 * without `.meta` is an unfinished one that rollback removes.
 */
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@vdsm-ts/common/atomic-write';
import { VdsmError } from '../../errors/vdsm-error.js';
import type { DiskContentType, VolumeInfoResponse } from '../../schema/api-types.generated.js';
import {
  BLANK_UUID,
  isUuid,
  MAX_VOLUME_DESCRIPTION_LENGTH,
  METADATA_FILE_MODE,
  REMOVED_IMAGE_PREFIX,
} from '../constants.js';
import type { FileStorageDomain } from '../domain/file-domain.js';
import {
  formatVolumeMetadata,
  parseVolumeMetadata,
  type VolumeAllocationName,
  type VolumeFormatName,
  type VolumeMetadata,
  type VolumeRoleName,
} from '../metadata/volume-metadata.js';
import type { Sanlock } from '../sanlock/sanlock.js';
import { qemuImgCreate, qemuImgResize } from './qemu-img.js';

export interface CreateVolumeParams {
  readonly imgUUID: string;
  readonly volUUID: string;
  readonly capacity: number;
  readonly format: VolumeFormatName;
  readonly allocation: VolumeAllocationName;
  readonly diskType: string;
  readonly description: string;
  readonly parentUUID: string;
  readonly legal: boolean;
  readonly sequence: number;
}

/** Volume.getInfo's wire shape; the service builds it from parsed metadata so the compiler checks it. */
export type VolumeInfo = VolumeInfoResponse;

// Keyed by the schema's type, so a content type added there (e.g. the hosted-engine disks) must be listed here.
const DISK_CONTENT_TYPES: Readonly<Record<DiskContentType, true>> = {
  DATA: true,
  OVFS: true,
  MEMD: true,
  MEMM: true,
  ISOF: true,
  HEVD: true,
  HESD: true,
  HEMD: true,
  HECI: true,
  SCRD: true,
  '2': true,
  '1': true,
};

/** DISKTYPE is kept verbatim in metadata; the wire only carries the schema's content types. */
function diskContentType(value: string, volUUID: string): DiskContentType {
  if (!Object.hasOwn(DISK_CONTENT_TYPES, value))
    throw new VdsmError('MetaDataValidationError', `volume ${volUUID}: DISKTYPE ${value}`);
  return value as DiskContentType;
}

export function volumePaths(domain: FileStorageDomain, imgUUID: string, volUUID: string) {
  const data = domain.layout.volume(imgUUID, volUUID);
  return { data, meta: `${data}.meta`, lease: `${data}.lease` };
}

export async function createFileVolume(
  domain: FileStorageDomain,
  params: CreateVolumeParams,
  sanlock: Sanlock,
): Promise<void> {
  const { imgUUID, volUUID } = params;
  if (!isUuid(imgUUID) || !isUuid(volUUID))
    throw new VdsmError('InvalidParameterException', `imgUUID=${imgUUID}, volUUID=${volUUID}`);
  let parent: VolumeMetadata | null = null;
  if (params.parentUUID !== BLANK_UUID) {
    // a snapshot: a qcow2 layer over a volume of the same image (templates in other images are not supported)
    parent = await readVolumeMetadata(domain, imgUUID, params.parentUUID);
    if (params.format !== 'COW') throw new VdsmError('IncorrectFormat', 'a volume with a parent must be COW');
  }
  if (!Number.isSafeInteger(params.capacity) || params.capacity < 1)
    throw new VdsmError('createVolumeSizeError', String(params.capacity));
  const paths = volumePaths(domain, imgUUID, volUUID);
  if (
    await stat(paths.data).then(
      () => true,
      () => false,
    )
  )
    throw new VdsmError('VolumeAlreadyExists', volUUID);
  await mkdir(domain.layout.image(imgUUID), { recursive: true, mode: 0o755 });
  try {
    const qemuFormat = params.format === 'COW' ? 'qcow2' : 'raw';
    const preallocation = params.allocation === 'PREALLOCATED' ? (qemuFormat === 'raw' ? 'falloc' : 'metadata') : 'off';
    const backing =
      parent === null
        ? undefined
        : { path: params.parentUUID, format: parent.format === 'COW' ? ('qcow2' as const) : ('raw' as const) };
    const capacity = parent === null ? params.capacity : Math.max(params.capacity, parent.capacity);
    await qemuImgCreate(paths.data, qemuFormat, capacity, { preallocation, backing });
    await chmod(paths.data, 0o660);
    await writeFile(paths.lease, '', { mode: 0o660 });
    await sanlock.initResource(domain.sdUUID, volUUID, paths.lease, 0);
    await chmod(paths.lease, 0o660);
    const md: VolumeMetadata = {
      domain: domain.sdUUID,
      image: imgUUID,
      parent: params.parentUUID,
      format: params.format,
      type: params.allocation,
      voltype: 'LEAF',
      legality: params.legal ? 'LEGAL' : 'ILLEGAL',
      disktype: params.diskType,
      description: params.description.slice(0, MAX_VOLUME_DESCRIPTION_LENGTH),
      ctime: Math.floor(Date.now() / 1000),
      generation: 0,
      capacity,
      sequence: params.sequence,
    };
    await writeFileAtomic(paths.meta, formatVolumeMetadata(md, domain.version), { mode: METADATA_FILE_MODE });
    if (parent !== null && parent.voltype === 'LEAF')
      await setVolumeRole(domain, imgUUID, params.parentUUID, 'INTERNAL');
  } catch (error) {
    if (error instanceof VdsmError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new VdsmError('NoSpaceLeftOnDomain', domain.sdUUID, { cause: error });
    throw new VdsmError('VolumeCreationError', `${volUUID}: ${(error as Error).message}`, { cause: error });
  }
}

/** Removes a volume's files, finished or not (rollback of Volume.create). */
export async function removeFileVolume(domain: FileStorageDomain, imgUUID: string, volUUID: string): Promise<void> {
  const paths = volumePaths(domain, imgUUID, volUUID);
  await rm(paths.meta, { force: true });
  await rm(paths.lease, { force: true });
  await rm(paths.data, { force: true });
  const left = await readdir(domain.layout.image(imgUUID)).catch(() => null);
  if (left !== null && left.length === 0) await rm(domain.layout.image(imgUUID), { recursive: true, force: true });
}

export async function readVolumeMetadata(
  domain: FileStorageDomain,
  imgUUID: string,
  volUUID: string,
): Promise<VolumeMetadata> {
  const paths = volumePaths(domain, imgUUID, volUUID);
  let text: string;
  try {
    text = await readFile(paths.meta, 'utf8');
  } catch (error) {
    throw new VdsmError('VolumeDoesNotExist', volUUID, { cause: error });
  }
  return parseVolumeMetadata(text);
}

export async function imageVolumes(domain: FileStorageDomain, imgUUID: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(domain.layout.image(imgUUID));
  } catch (error) {
    throw new VdsmError('ImageDoesNotExistInSD', `image=${imgUUID}, domain=${domain.sdUUID}`, { cause: error });
  }
  return names.filter((n) => n.endsWith('.meta')).map((n) => n.slice(0, -5));
}

export async function fileVolumeInfo(domain: FileStorageDomain, imgUUID: string, volUUID: string): Promise<VolumeInfo> {
  const md = await readVolumeMetadata(domain, imgUUID, volUUID);
  const paths = volumePaths(domain, imgUUID, volUUID);
  const st = await stat(paths.data).catch((error: unknown) => {
    throw new VdsmError('VolumeDoesNotExist', volUUID, { cause: error });
  });
  const children: string[] = [];
  for (const other of await imageVolumes(domain, imgUUID)) {
    if (other === volUUID) continue;
    const omd = await readVolumeMetadata(domain, imgUUID, other).catch(() => null);
    if (omd?.parent === volUUID) children.push(other);
  }
  return {
    uuid: volUUID,
    domain: domain.sdUUID,
    image: imgUUID,
    pool: domain.pools[0] ?? '',
    parent: md.parent,
    format: md.format,
    allocType: md.type,
    type: md.type,
    voltype: md.voltype,
    disktype: diskContentType(md.disktype, volUUID),
    legality: md.legality,
    description: md.description,
    status: 'OK',
    capacity: md.capacity,
    apparentsize: st.size,
    truesize: st.blocks * 512,
    ctime: md.ctime,
    mtime: 0,
    generation: md.generation,
    children,
    lease: { path: paths.lease, offset: 0, owners: [] },
  };
}

/** Image.delete on a file domain: rename to `_remove_me_<img>` first (upstream), then remove. */
export async function deleteFileImage(domain: FileStorageDomain, imgUUID: string): Promise<void> {
  const dir = domain.layout.image(imgUUID);
  if (
    !isUuid(imgUUID) ||
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new VdsmError('ImageDoesNotExistInSD', `image=${imgUUID}, domain=${domain.sdUUID}`);
  const removed = join(domain.layout.images, `${REMOVED_IMAGE_PREFIX}${imgUUID}`);
  await rename(dir, removed);
  try {
    await rm(removed, { recursive: true, force: true });
  } catch (error) {
    throw new VdsmError('ImageDeleteError', `${imgUUID}: ${(error as Error).message}`, { cause: error });
  }
}

/** Image UUIDs of a domain (directories being removed are not listed). */
export async function listImages(domain: FileStorageDomain): Promise<string[]> {
  const names = await readdir(domain.layout.images).catch(() => [] as string[]);
  return names.filter(isUuid);
}

/** Volume.delete on a file domain: a leaf only (a volume others are based on answers VolumeImageHasChildren). */
export async function deleteFileVolume(domain: FileStorageDomain, imgUUID: string, volUUID: string): Promise<void> {
  for (const other of await imageVolumes(domain, imgUUID)) {
    if (other === volUUID) continue;
    const md = await readVolumeMetadata(domain, imgUUID, other).catch(() => null);
    if (md?.parent === volUUID)
      throw new VdsmError('VolumeImageHasChildren', `volume ${volUUID} is the parent of ${other}`);
  }
  const md = await readVolumeMetadata(domain, imgUUID, volUUID);
  try {
    await removeFileVolume(domain, imgUUID, volUUID);
  } catch (error) {
    throw new VdsmError('CannotDeleteVolume', `${volUUID}: ${(error as Error).message}`, { cause: error });
  }
  if (md.parent !== BLANK_UUID) await setVolumeRole(domain, imgUUID, md.parent, 'LEAF').catch(() => {});
}

/** Rewrites a volume's VOLTYPE (LEAF ↔ INTERNAL as snapshots come and go). */
export async function setVolumeRole(
  domain: FileStorageDomain,
  imgUUID: string,
  volUUID: string,
  role: VolumeRoleName,
): Promise<void> {
  const md = await readVolumeMetadata(domain, imgUUID, volUUID);
  try {
    await writeFileAtomic(
      volumePaths(domain, imgUUID, volUUID).meta,
      formatVolumeMetadata({ ...md, voltype: role }, domain.version),
      { mode: METADATA_FILE_MODE },
    );
  } catch (error) {
    throw new VdsmError('VolumeMetadataWriteError', `${volUUID}: ${(error as Error).message}`, { cause: error });
  }
}

/** Rewrites chosen metadata fields of a volume (description, legality). */
export async function updateVolumeMetadata(
  domain: FileStorageDomain,
  imgUUID: string,
  volUUID: string,
  change: Partial<Pick<VolumeMetadata, 'description' | 'legality'>>,
): Promise<void> {
  const md = await readVolumeMetadata(domain, imgUUID, volUUID);
  const next = {
    ...md,
    ...change,
    description: (change.description ?? md.description).slice(0, MAX_VOLUME_DESCRIPTION_LENGTH),
  };
  try {
    await writeFileAtomic(volumePaths(domain, imgUUID, volUUID).meta, formatVolumeMetadata(next, domain.version), {
      mode: METADATA_FILE_MODE,
    });
  } catch (error) {
    if (error instanceof VdsmError) throw error;
    throw new VdsmError('VolumeMetadataWriteError', `${volUUID}: ${(error as Error).message}`, { cause: error });
  }
}

export async function fileVolumeSize(
  domain: FileStorageDomain,
  imgUUID: string,
  volUUID: string,
): Promise<{ apparentsize: number; truesize: number }> {
  await readVolumeMetadata(domain, imgUUID, volUUID);
  const st = await stat(volumePaths(domain, imgUUID, volUUID).data).catch((error: unknown) => {
    throw new VdsmError('VolumeDoesNotExist', volUUID, { cause: error });
  });
  return { apparentsize: st.size, truesize: st.blocks * 512 };
}

/** Volume.extendSize on a file volume: the image grows (qemu-img resize), then its capacity in the metadata. */
export async function extendFileVolume(
  domain: FileStorageDomain,
  imgUUID: string,
  volUUID: string,
  newSize: number,
): Promise<void> {
  const md = await readVolumeMetadata(domain, imgUUID, volUUID);
  if (!Number.isSafeInteger(newSize) || newSize < md.capacity)
    throw new VdsmError('VolumeResizeValueError', `new size ${newSize} < capacity ${md.capacity}`);
  if (newSize === md.capacity) return;
  try {
    await qemuImgResize(volumePaths(domain, imgUUID, volUUID).data, md.format === 'COW' ? 'qcow2' : 'raw', newSize);
  } catch (error) {
    if (error instanceof VdsmError) throw error;
    throw new VdsmError('VolumeExtendingError', `${volUUID}: ${(error as Error).message}`, { cause: error });
  }
  await writeFileAtomic(
    volumePaths(domain, imgUUID, volUUID).meta,
    formatVolumeMetadata({ ...md, capacity: newSize }, domain.version),
    { mode: METADATA_FILE_MODE },
  );
}
