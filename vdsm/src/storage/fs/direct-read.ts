/**
 * Reads the head of a file with O_DIRECT through dd, as upstream's path checker does: the page cache cannot hide
 * a dead NFS server or a failed disk. Returns the bytes and how long the read took.
 */
import { execBuffer } from '@vdsm-ts/common/exec';

export interface DirectRead {
  readonly data: Buffer;
  readonly seconds: number;
}

export async function readDirect(path: string, bytes = 4096, timeoutMs = 30_000): Promise<DirectRead> {
  const started = process.hrtime.bigint();
  const result = await execBuffer(['dd', `if=${path}`, 'bs=4096', `count=${Math.ceil(bytes / 4096)}`, 'iflag=direct'], {
    timeoutMs,
    maxOutputBytes: bytes + 4096,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { data: result.stdout.subarray(0, bytes), seconds };
}
