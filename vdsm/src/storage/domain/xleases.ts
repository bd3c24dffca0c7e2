/**
 * Formats the external leases volume (storage/xlease.py, B12 of the facts): slots of `alignment` bytes; slot 1
 * holds the index: a 512-byte metadata block, then 64-byte records, all free (upstream's EMPTY_RECORD).
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

/** Records in the index (upstream MAX_RECORDS), 64 bytes each after the metadata block. */
export const XLEASES_RECORDS = 4000;
export const XLEASES_RECORD_SIZE = 64;

/** A free record: empty lease id, offset 0 (`48s x 11s x 3c`: id, NUL, offset, NUL, updating, reserved, newline). */
export function emptyXleasesRecord(): Buffer {
  const record = Buffer.alloc(XLEASES_RECORD_SIZE, 0);
  record.write('00000000000', 49, 'latin1');
  record.write('--\n', 61, 'latin1');
  return record;
}

export async function formatXleases(path: string, sdUUID: string, alignment: number): Promise<void> {
  const handle = await open(path, 'w', 0o660);
  try {
    await handle.truncate(XLEASES_SIZE);
    const mtime = Math.floor(Date.now() / 1000);
    // as upstream formats: metadata marked updating, the records, then the metadata again
    await handle.write(xleasesIndexMetadata(sdUUID, mtime, true), 0, 512, alignment);
    const empty = emptyXleasesRecord();
    const records = Buffer.alloc(XLEASES_RECORDS * XLEASES_RECORD_SIZE);
    for (let i = 0; i < XLEASES_RECORDS; i++) empty.copy(records, i * XLEASES_RECORD_SIZE);
    await handle.write(records, 0, records.length, alignment + 512);
    await handle.sync();
    await handle.write(xleasesIndexMetadata(sdUUID, mtime), 0, 512, alignment);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
