/**
 * The storage side of a VM's life: every disk or CD-ROM whose metadata names an oVirt image (pool, domain, image,
 * volume) is prepared before the domain is defined, its path put into the domain XML, and torn down when the VM goes
 * Down (upstream vm.py `_preparePathsForDrives`, clientIF.prepareVolumePath / teardownVolumePath). The storage layer
 * does the work behind DrivePreparer; main.ts wires it, so virt never imports storage.
 */
import type { Logger } from '@vdsm-ts/common/logging';
import type { DiskInfo, DomainDescription } from './domain-xml.js';
import type { VdsmImage } from './metadata.js';

export interface DrivePreparer {
  /** Prepares the image (volume chain checked, links made) and answers the path the disk uses. */
  prepare(image: VdsmImage): Promise<string>;
  teardown(image: VdsmImage): Promise<void>;
}

/** A drive that cannot be prepared; the message is upstream's `VolumeError`: "Bad volume specification ...". */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';

  constructor(
    readonly disk: DiskInfo,
    cause: unknown,
  ) {
    super(`Bad volume specification ${JSON.stringify({ device: disk.device, name: disk.target, ...disk.image })}`, {
      cause,
    });
  }
}

/** The disks of a description that name an oVirt image. */
export function imageDrives(description: DomainDescription): Array<DiskInfo & { readonly image: VdsmImage }> {
  return description.disks.filter((d): d is DiskInfo & { readonly image: VdsmImage } => d.image !== undefined);
}

/** Prepares every image drive in order; the first failure throws VolumeError (already prepared ones stay). */
export async function prepareDrives(
  preparer: DrivePreparer,
  description: DomainDescription,
): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const disk of imageDrives(description)) {
    try {
      paths.set(disk.target, await preparer.prepare(disk.image));
    } catch (err) {
      throw new VolumeError(disk, err);
    }
  }
  return paths;
}

/** Tears down every image drive; failures are logged, as upstream ignores them. */
export async function teardownDrives(
  preparer: DrivePreparer,
  description: DomainDescription,
  log: Logger,
): Promise<void> {
  for (const disk of imageDrives(description)) {
    try {
      await preparer.teardown(disk.image);
    } catch (err) {
      log.warn({ vmId: description.uuid, drive: disk.target, err }, 'cannot tear down drive');
    }
  }
}
