/** qemu-img through argv arrays, with a timeout and bounded output. */
import { execa } from 'execa';

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
  await execa(
    'qemu-img',
    [
      'create',
      '-f',
      format,
      ...(opts.length > 0 ? ['-o', opts.join(',')] : []),
      ...(options.backing !== undefined ? ['-b', options.backing.path, '-F', options.backing.format] : []),
      path,
      String(sizeBytes),
    ],
    {
      timeout: 600_000,
      maxBuffer: 1024 * 1024,
      stdin: 'ignore',
    },
  );
}

/** What Volume.getQemuImageInfo reports (upstream qemuimg.info()). */
export interface QemuImageInfo {
  format: string;
  virtualsize: number;
  clustersize?: number;
  backingfile?: string;
  compat?: string;
}

export async function qemuImgInfo(path: string): Promise<QemuImageInfo> {
  const { stdout } = await execa('qemu-img', ['info', '--output=json', '-U', path], {
    timeout: 60_000,
    maxBuffer: 4 * 1024 * 1024,
    stdin: 'ignore',
  });
  const raw = JSON.parse(stdout) as {
    format?: string;
    'virtual-size'?: number;
    'cluster-size'?: number;
    'backing-filename'?: string;
    'format-specific'?: { data?: { compat?: string } };
  };
  const info: QemuImageInfo = { format: raw.format ?? '', virtualsize: raw['virtual-size'] ?? 0 };
  if (raw['cluster-size'] !== undefined) info.clustersize = raw['cluster-size'];
  if (raw['backing-filename'] !== undefined) info.backingfile = raw['backing-filename'];
  if (raw['format-specific']?.data?.compat !== undefined) info.compat = raw['format-specific'].data.compat;
  return info;
}

export async function qemuImgResize(path: string, format: QemuFormat, sizeBytes: number): Promise<void> {
  await execa('qemu-img', ['resize', '-f', format, path, String(sizeBytes)], {
    timeout: 600_000,
    maxBuffer: 1024 * 1024,
    stdin: 'ignore',
  });
}
