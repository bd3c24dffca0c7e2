/**
 * Domain metadata text, as upstream's PersistentDict writes it (storage/persistent.py): `KEY=VALUE` lines sorted by
 * key, then `_SHA_CKSUM=<sha1 hex>` where the SHA-1 runs over the sorted `KEY=VALUE` strings joined without
 * newlines, non-ASCII characters written as XML character references. No checksum means trusted; a wrong one is
 * MetaDataSealIsBroken (752).
 */
import { createHash } from 'node:crypto';
import { VdsmError } from '../../errors/vdsm-error.js';

export const SHA_CKSUM_TAG = '_SHA_CKSUM';

export type MetadataMap = Readonly<Record<string, string>>;

/** Python's encode('ascii', 'xmlcharrefreplace'). */
function toAsciiRefs(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 ? ch : `&#${cp};`;
  }
  return out;
}

function sortedKeys(md: MetadataMap): string[] {
  // Python 2 sorts byte strings; keys are ASCII, where UTF-16 order is the same.
  return Object.keys(md).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function metadataChecksum(md: MetadataMap): string {
  const sha = createHash('sha1');
  for (const key of sortedKeys(md)) sha.update(toAsciiRefs(`${key}=${md[key]!.trim()}`), 'latin1');
  return sha.digest('hex');
}

export function formatMetadata(md: MetadataMap): string {
  const lines: string[] = [];
  for (const key of sortedKeys(md)) {
    if (key.includes('=') || key.includes('\n'))
      throw new VdsmError('MetaDataValidationError', `bad key ${JSON.stringify(key)}`);
    const value = md[key]!;
    if (value.includes('\n')) throw new VdsmError('MetaDataValidationError', `newline in the value of ${key}`);
    lines.push(`${key}=${value.trim()}`);
  }
  lines.push(`${SHA_CKSUM_TAG}=${metadataChecksum(md)}`);
  return `${lines.map((l) => toAsciiRefs(l)).join('\n')}\n`;
}

function fromAsciiRefs(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)));
}

/** Parses metadata text (trailing NULs of a padded block allowed) and checks the seal when there is one. */
export function parseMetadata(text: string): Record<string, string> {
  const md: Record<string, string> = {};
  let declared: string | undefined;
  for (const raw of text.replace(/\0+$/, '').split('\n')) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === SHA_CKSUM_TAG) declared = value;
    else md[key] = fromAsciiRefs(value);
  }
  if (declared !== undefined && Object.keys(md).length > 0) {
    const computed = metadataChecksum(md);
    if (computed !== declared) {
      throw new VdsmError('MetaDataSealIsBroken', `cksum = ${declared}, computed_cksum = ${computed}`);
    }
  }
  return md;
}
