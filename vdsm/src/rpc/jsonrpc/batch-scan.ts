/**
 * Counts the elements of a JSON array body without parsing it, stopping once the count passes `limit`: a batch of
 * a million requests is refused after reading a few hundred bytes, instead of after JSON.parse has built a
 * million objects. Strings and nesting are tracked so commas inside elements do not count. The text need not be
 * valid JSON; JSON.parse still decides that for batches within the limit.
 */
export function countBatchElements(text: string, limit: number): number {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 91 /* [ */) return 0;
  i++;
  let depth = 1;
  let count = 0;
  let inString = false;
  let sawValue = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
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
      if (depth === 0) break;
    } else if (c === 44 /* , */ && depth === 1) {
      count++;
      if (count >= limit) return limit + 1;
    } else if (!isSpace(c)) sawValue = true;
  }
  return sawValue ? count + 1 : count;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
