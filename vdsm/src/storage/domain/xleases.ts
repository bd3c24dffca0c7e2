/**
 * Formats the external leases volume (storage/xlease.py, B12 of the facts): slots of `alignment` bytes; slot 1
 * holds the index, whose first 512 bytes are its metadata block. Records stay zeroed (no lease allocated).
 */
import { open } from 'node:fs/promises';

export const XLEASES_MAGIC = 0x12152016;
export const XLEASES_SIZE = 1024 * 1024 * 1024;

export function xleasesIndexMetadata(sdUUID: string, mtime: number, updating = false): Buffer {
  const block = Buffer.alloc(512, 0);
  block.writeUInt32BE(XLEASES_MAGIC, 0);
  let at = 4;
  const put = (s: string) => {
    at += block.write(s, at, 'latin1');
  };
  put('\0');
  put('0001');
  put('\0');
  const lockspace = Buffer.alloc(48, 0);
  lockspace.write(sdUUID, 'latin1');
  lockspace.copy(block, at);
  at += 48;
  put('\0');
  put(String(mtime).padStart(10, '0'));
  put('\0');
  put(updating ? 'u' : '-');
  // 440 bytes padding, then a newline ends the block
  block.write('\n', 511, 'latin1');
  return block;
}

export async function formatXleases(path: string, sdUUID: string, alignment: number): Promise<void> {
  const handle = await open(path, 'w', 0o660);
  try {
    await handle.truncate(XLEASES_SIZE);
    await handle.write(xleasesIndexMetadata(sdUUID, Math.floor(Date.now() / 1000)), 0, 512, alignment);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
