/**
 * Counts the elements of a JSON array body without decoding or joining it, stopping once the count passes
 * `limit`: a batch of a million requests is refused after reading a few hundred bytes, instead of after the body
 * was copied, decoded and JSON.parse had built a million objects. Works on the raw UTF-8 pieces as they arrived
 * (JSON's structural characters are ASCII, and no UTF-8 continuation byte looks like one). Strings and nesting are
 * tracked so commas inside elements do not count. The text need not be valid JSON: JSON.parse still decides that
 * for batches within the limit.
 */
export function countBatchElements(chunks: readonly Uint8Array[], limit: number): number {
  let started = false;
  let depth = 0;
  let count = 0;
  let inString = false;
  let escaped = false;
  let sawValue = false;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (!started) {
        if (isSpace(c)) continue;
        if (c !== 91 /* [ */) return 0;
        started = true;
        depth = 1;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92 /* \ */) escaped = true;
        else if (c === 34 /* " */) inString = false;
        continue;
      }
      if (c === 34) {
        inString = true;
        sawValue = true;
      } else if (c === 91 || c === 123 /* { */) {
        depth++;
        sawValue = true;
      } else if (c === 93 /* ] */ || c === 125 /* } */) {
        depth--;
        if (depth === 0) return sawValue ? count + 1 : count;
      } else if (c === 44 /* , */ && depth === 1) {
        count++;
        if (count >= limit) return limit + 1;
      } else if (!isSpace(c)) sawValue = true;
    }
  }
  return sawValue ? count + 1 : count;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
