/** qemu-img through the common exec wrapper; its failures reach the engine as the operation's storage error. */
import { exec } from '@vdsm-ts/common/exec';
import { mapExecErrors } from '../../errors/exec-error.js';
import { VdsmError } from '../../errors/vdsm-error.js';
import type {
  Qcow2Compat,
  QemuImageFormat,
  QemuImageInfo as WireQemuImageInfo,
} from '../../schema/api-types.generated.js';

const LONG_TIMEOUT_MS = 600_000;
const INFO_TIMEOUT_MS = 60_000;

export type QemuFormat = 'raw' | 'qcow2';

export async function qemuImgCreate(
  path: string,
  format: QemuFormat,
  sizeBytes: number,
  options: {
    preallocation?: 'off' | 'falloc' | 'metadata';
    /** Backing file as written into the image (relative to its directory) and its format. */
    backing?: { path: string; format: QemuFormat };
  } = {},
): Promise<void> {
  const opts: string[] = [];
  if (format === 'qcow2') opts.push('compat=1.1');
  if (options.preallocation !== undefined && options.preallocation !== 'off')
    opts.push(`preallocation=${options.preallocation}`);
  const argv = [
    'qemu-img',
    'create',
    '-f',
    format,
    ...(opts.length > 0 ? ['-o', opts.join(',')] : []),
    ...(options.backing !== undefined ? ['-b', options.backing.path, '-F', options.backing.format] : []),
    path,
    String(sizeBytes),
  ];
  await mapExecErrors('VolumeCreationError', () =>
    exec(argv, { timeoutMs: LONG_TIMEOUT_MS, maxOutputBytes: 1024 * 1024 }),
  );
}

/** What Volume.getQemuImageInfo reports (upstream qemuimg.info()). */
export type QemuImageInfo = WireQemuImageInfo;

/** Volumes hold raw or qcow2 data only; anything else on a domain is corrupt, not a format to pass on. */
function imageFormat(value: string | undefined, path: string): QemuImageFormat {
  if (value === 'raw' || value === 'qcow2') return value;
  throw new VdsmError('StorageException', `${path}: unexpected image format ${String(value)}`);
}

function qcow2Compat(value: string | undefined): Qcow2Compat | undefined {
  return value === '0.1' || value === '1.1' ? value : undefined;
}

export async function qemuImgInfo(path: string): Promise<QemuImageInfo> {
  const { stdout } = await mapExecErrors('StorageException', () =>
    exec(['qemu-img', 'info', '--output=json', '-U', path], {
      timeoutMs: INFO_TIMEOUT_MS,
      maxOutputBytes: 4 * 1024 * 1024,
    }),
  );
  const raw = JSON.parse(stdout) as {
    format?: string;
    'virtual-size'?: number;
    'cluster-size'?: number;
    'backing-filename'?: string;
    'format-specific'?: { data?: { compat?: string } };
  };
  const compat = qcow2Compat(raw['format-specific']?.data?.compat);
  return {
    format: imageFormat(raw.format, path),
    virtualsize: raw['virtual-size'] ?? 0,
    ...(raw['cluster-size'] !== undefined && { clustersize: raw['cluster-size'] }),
    ...(raw['backing-filename'] !== undefined && { backingfile: raw['backing-filename'] }),
    ...(compat !== undefined && { compat }),
  };
}

export async function qemuImgResize(path: string, format: QemuFormat, sizeBytes: number): Promise<void> {
  await mapExecErrors('VolumeExtendingError', () =>
    exec(['qemu-img', 'resize', '-f', format, path, String(sizeBytes)], {
      timeoutMs: LONG_TIMEOUT_MS,
      maxOutputBytes: 1024 * 1024,
    }),
  );
}
