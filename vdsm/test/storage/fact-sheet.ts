// An independent reader of domain metadata written from the fact sheet (B10), shared by the storage tests.
import { createHash } from 'node:crypto';

/** The fact sheet's reader: KEY=VALUE lines, `_SHA_CKSUM` = sha1 of the sorted KEY=VALUE strings without newlines. */
export function factSheetRead(text: string): {
  md: Record<string, string>;
  declared: string | undefined;
  computed: string;
  order: string[];
} {
  const md: Record<string, string> = {};
  const order: string[] = [];
  let declared: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    if (key === '_SHA_CKSUM') declared = line.slice(eq + 1);
    else {
      md[key] = line.slice(eq + 1);
      order.push(key);
    }
  }
  const sha = createHash('sha1');
  for (const key of Object.keys(md).sort()) sha.update(`${key}=${md[key]}`);
  return { md, declared, computed: sha.digest('hex'), order };
}
