// The engine corpus (engine-corpus.json next to the source of this file) as typed data, and the small helpers both
// corpus tests need: placeholder filling and the JSON type of a value.

import { readFileSync } from 'node:fs';

/** A JSON type as the corpus names them; "a|b" where the reader takes either. */
export type JsonTypeName = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export type ReplySpec =
  | { readonly shape: 'true' }
  | { readonly shape: 'any' }
  | { readonly shape: 'value'; readonly type: string }
  | { readonly shape: 'object' | 'list' | 'map'; readonly keys: Readonly<Record<string, string>> };

export interface CorpusEntry {
  readonly method: string;
  /** Who implements the verb: 'exists' (this tree when the corpus was written) or the helper/issue that will. */
  readonly phase: string;
  readonly callers: readonly string[];
  readonly note?: string;
  /** Each parameter the caller sends, with the JSON type it sends it as. */
  readonly params: Readonly<Record<string, string>>;
  readonly example: Readonly<Record<string, unknown>>;
  /** 'task': the result is a task id; 'task-or-true': a task id or true. */
  readonly yields?: 'task' | 'task-or-true';
  readonly reply: ReplySpec;
}

export interface JunkCase {
  readonly method: string;
  readonly why: string;
  readonly example: Readonly<Record<string, unknown>>;
}

export interface Corpus {
  readonly sources: Readonly<Record<string, string>>;
  readonly entries: readonly CorpusEntry[];
  readonly junk: readonly JunkCase[];
}

/** Read from the source tree (the build does not copy JSON into dist). */
export function loadCorpus(): Corpus {
  const file = new URL('../../../test/corpus/engine-corpus.json', import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as Corpus;
}

/** Replaces every string (and object key) that is exactly `$name` with vars[name]; unknown names are an error. */
export function fill(value: unknown, vars: Readonly<Record<string, unknown>>): unknown {
  const one = (s: string): unknown => {
    if (!s.startsWith('$')) return s;
    const name = s.slice(1);
    if (!Object.hasOwn(vars, name)) throw new Error(`corpus placeholder ${s} has no value`);
    return vars[name];
  };
  if (typeof value === 'string') return one(value);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [String(one(k)), fill(v, vars)]));
  return value;
}

export function jsonTypeOf(value: unknown): JsonTypeName | 'undefined' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || type === 'object' ? type : 'undefined';
}

/** Whether a value has one of the types a corpus type string ("number|string") allows. */
export function fits(value: unknown, type: string): boolean {
  return type.split('|').includes(jsonTypeOf(value));
}
