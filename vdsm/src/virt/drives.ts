/**
 * The storage side of a VM's life: every disk or CD-ROM whose metadata names an oVirt image (pool, domain, image,
 * volume) is prepared before the domain is defined, its path put into the domain XML, and torn down when the VM goes
 * Down (upstream vm.py `_preparePathsForDrives`, clientIF.prepareVolumePath / teardownVolumePath). The storage layer
 * does the work behind DrivePreparer; main.ts wires it, so virt never imports storage.
 */
import type { Logger } from '@vdsm-ts/common/logging';
import type { DiskInfo, DomainDescription } from './domain-xml.js';
import type { VdsmImage, VmMetadata } from './metadata.js';

export interface DrivePreparer {
  /** Prepares the image (volume chain checked, links made) and answers the path the disk uses. */
  prepare(image: VdsmImage): Promise<string>;
  teardown(image: VdsmImage): Promise<void>;
}

/** A disk (or CD-ROM) with the oVirt image its metadata names. */
export type ImageDrive = DiskInfo & { readonly image: VdsmImage };

/** A drive that cannot be prepared; the message is upstream's `VolumeError`: "Bad volume specification ...". */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';

  constructor(
    readonly disk: ImageDrive,
    cause: unknown,
  ) {
    super(`Bad volume specification ${JSON.stringify({ device: disk.device, name: disk.target, ...disk.image })}`, {
      cause,
    });
  }
}

/**
 * The disks and CD-ROMs whose metadata entry names an oVirt image (upstream prepares PDIV drives of those devices
 * only). For a running VM pass its own metadata: it is authoritative over the metadata in a cached live XML.
 */
export function imageDrives(disks: readonly DiskInfo[], metadata: VmMetadata | undefined): ImageDrive[] {
  const out: ImageDrive[] = [];
  if (metadata === undefined) return out;
  for (const disk of disks) {
    if (disk.device !== 'disk' && disk.device !== 'cdrom') continue;
    const image = metadata.diskImage(disk.target);
    if (image !== undefined) out.push({ ...disk, image });
  }
  return out;
}

/**
 * Prepares every image drive of a new domain in order; the first failure throws VolumeError (already prepared ones
 * stay, torn down when the VM goes Down).
 */
export async function prepareDrives(
  preparer: DrivePreparer,
  description: DomainDescription,
): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const disk of imageDrives(description.disks, description.metadata)) {
    try {
      paths.set(disk.target, await preparer.prepare(disk.image));
    } catch (err) {
      throw new VolumeError(disk, err);
    }
  }
  return paths;
}

/** Tears down drives; failures are logged, as upstream ignores them. */
export async function teardownDrives(
  preparer: DrivePreparer,
  drives: readonly ImageDrive[],
  log: Logger,
  vmId: string,
): Promise<void> {
  for (const disk of drives) {
    try {
      await preparer.teardown(disk.image);
    } catch (err) {
      log.warn({ vmId, drive: disk.target, err }, 'cannot tear down drive');
    }
  }
}
