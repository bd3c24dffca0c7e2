/**
 * VM.snapshot: a live external snapshot of the VM's disks, optionally with its memory. The engine has already
 * created the new volumes (each a qcow2 whose backing file is the disk's current volume), so libvirt reuses them
 * (REUSE_EXT) and keeps no snapshot metadata (NO_METADATA), as upstream. A volume lives next to the one it
 * replaces (same image directory: `.../images/<imageID>/<volumeID>`); the memory and configuration volumes of a
 * memory snapshot are found under the repository (`<repository>/<poolID>/<domainID>/images/<imageID>/<volumeID>`).
 */
import { access, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@vdsm-ts/common/logging';
import { VdsmError } from '../../errors/vdsm-error.js';
import { attr, child, escapeXml, text } from '../xml.js';
import type { VmLifecycle } from './lifecycle.js';
import type { Vm } from './vm.js';

/** virDomainSnapshotCreateFlags */
const SnapshotFlags = { NO_METADATA: 4, DISK_ONLY: 16, REUSE_EXT: 32, ATOMIC: 128 } as const;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SnapshotRequest {
  readonly snapDrives: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Legacy "domainID,poolID,memImageID,memVolumeID,confImageID,confVolumeID", or null for disks only. */
  readonly snapMemory: string | null;
  /** `[irs] repository` */
  readonly repository: string;
}

interface PlannedDisk {
  readonly target: string;
  readonly newPath: string;
  readonly volumeID: string;
}

function uuid(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID_RE.test(value))
    throw new VdsmError('InvalidParameter', `${what} must be a UUID`);
  return value;
}

async function mustExist(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new VdsmError('ImageError', `${what} ${path} does not exist`);
  }
}

/** The VM disk a drive spec names: by imageID in the device metadata, else in the disk's path. */
function findDisk(vm: Vm, imageID: string): { target: string; path: string } {
  const byMetadata = vm.metadata
    .devices()
    .filter((d) => attr(d, 'devtype') === 'disk')
    .find((d) => text(child(d, 'imageID')) === imageID);
  const name = byMetadata === undefined ? undefined : attr(byMetadata, 'name');
  const disk = vm.description.disks.find(
    (d) => d.device === 'disk' && (d.target === name || (d.path?.split('/').includes(imageID) ?? false)),
  );
  if (disk?.path === undefined) throw new VdsmError('ImageError', `VM ${vm.id} has no disk of image ${imageID}`);
  return { target: disk.target, path: disk.path };
}

export class VmSnapshots {
  constructor(
    private readonly lifecycle: VmLifecycle,
    private readonly logger: Logger,
  ) {}

  async snapshot(vm: Vm, o: SnapshotRequest): Promise<void> {
    const handle = this.lifecycle.running(vm);
    const planned: PlannedDisk[] = [];
    for (const drive of o.snapDrives) {
      if (drive.GUID !== undefined || drive.UUID !== undefined) {
        throw new VdsmError('NotImplemented', 'snapshots of LUN/shared drives (GUID/UUID) are not implemented');
      }
      const imageID = uuid(drive.imageID, 'snapDrives[].imageID');
      const volumeID = uuid(drive.volumeID, 'snapDrives[].volumeID');
      const disk = findDisk(vm, imageID);
      const newPath = join(dirname(disk.path), volumeID);
      await mustExist(newPath, 'new volume');
      planned.push({ target: disk.target, newPath, volumeID });
    }
    let memory: { path: string; confPath: string } | undefined;
    if (o.snapMemory !== null && o.snapMemory !== '') {
      const parts = o.snapMemory.split(',');
      if (parts.length !== 6) throw new VdsmError('InvalidParameter', 'snapMemory must have six comma-separated UUIDs');
      const [sd, sp, memImg, memVol, confImg, confVol] = parts.map((p, i) => uuid(p, `snapMemory[${i}]`)) as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      memory = {
        path: join(o.repository, sp, sd, 'images', memImg, memVol),
        confPath: join(o.repository, sp, sd, 'images', confImg, confVol),
      };
      await mustExist(memory.path, 'memory volume');
      await mustExist(memory.confPath, 'memory configuration volume');
    }
    if (planned.length === 0 && memory === undefined) throw new VdsmError('MissingParameter', 'snapDrives');

    const chosen = new Set(planned.map((p) => p.target));
    const disks = [
      ...planned.map(
        (p) =>
          `<disk name="${escapeXml(p.target)}" snapshot="external" type="file"><source file="${escapeXml(p.newPath)}"/><driver type="qcow2"/></disk>`,
      ),
      ...vm.description.disks
        .filter((d) => !chosen.has(d.target))
        .map((d) => `<disk name="${escapeXml(d.target)}" snapshot="no"/>`),
    ];
    const memoryXml =
      memory === undefined
        ? '<memory snapshot="no"/>'
        : `<memory snapshot="external" file="${escapeXml(memory.path)}"/>`;
    const xml = `<domainsnapshot>${memoryXml}<disks>${disks.join('')}</disks></domainsnapshot>`;
    let flags = SnapshotFlags.REUSE_EXT | SnapshotFlags.NO_METADATA | SnapshotFlags.ATOMIC;
    if (memory === undefined) flags |= SnapshotFlags.DISK_ONLY;
    const begun = performance.now();
    try {
      await handle.snapshotCreateXML(xml, flags);
    } catch (err) {
      throw new VdsmError('GeneralException', `snapshot failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.logger.info(
      { vmId: vm.id, disks: planned.length, memory: memory !== undefined, ms: Math.round(performance.now() - begun) },
      'snapshot taken',
    );
    for (const p of planned) {
      const entry = vm.metadata.devices().find((d) => attr(d, 'devtype') === 'disk' && attr(d, 'name') === p.target);
      const volume = entry === undefined ? undefined : child(entry, 'volumeID');
      if (volume !== undefined) volume.textContent = p.volumeID;
    }
    await this.lifecycle.refreshDescription(vm);
    await this.lifecycle.writeMetadata(vm);
    // The configuration volume carries the domain as it was snapshotted, for a later restore.
    if (memory !== undefined) await writeFile(memory.confPath, vm.description.xml);
    vm.refresh();
  }
}
