/**
 * JSON text of a value too deeply nested for JSON.stringify (which recurses and throws RangeError at a few
 * thousand levels). V8's JSON.parse does not recurse, so a client can send an id nested 100k deep; its reply must
 * still echo it. Iterative, with an explicit work stack; only for values that came out of JSON.parse.
 */

class Literal {
  constructor(readonly text: string) {}
}

export function stringifyDeep(value: unknown): string {
  const out: string[] = [];
  const work: unknown[] = [value];
  while (work.length > 0) {
    const item = work.pop();
    if (item instanceof Literal) {
      out.push(item.text);
    } else if (Array.isArray(item)) {
      work.push(new Literal(']'));
      for (let i = item.length - 1; i >= 0; i--) {
        work.push(item[i]);
        if (i > 0) work.push(new Literal(','));
      }
      work.push(new Literal('['));
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item).filter(([, v]) => v !== undefined && typeof v !== 'function');
      work.push(new Literal('}'));
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i] as [string, unknown];
        work.push(v);
        work.push(new Literal(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`));
      }
      work.push(new Literal('{'));
    } else {
      out.push(JSON.stringify(item) ?? 'null');
    }
  }
  return out.join('');
}

/** JSON.stringify, falling back to the iterative encoder when the value is nested too deeply for it. */
export function stringifySafe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    if (err instanceof RangeError) return stringifyDeep(value);
    throw err;
  }
}
