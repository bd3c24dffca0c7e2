/** Our API schema: the generated data files, checked and joined into one verb table. Read once at start-up. */
import apiData from './api.generated.json' with { type: 'json' };
import eventsData from './events.generated.json' with { type: 'json' };
import glusterData from './gluster.generated.json' with { type: 'json' };
import { readSchemaFile } from './read.js';
import type { SchemaFile, VerbSchema } from './types.js';

export type * from './types.js';

export const API_SCHEMA: SchemaFile = readSchemaFile('api.generated.json', apiData);
export const GLUSTER_SCHEMA: SchemaFile = readSchemaFile('gluster.generated.json', glusterData);
export const EVENTS_SCHEMA: SchemaFile = readSchemaFile('events.generated.json', eventsData);

export interface VerbEntry {
  /** `Namespace.verb`, as on the wire. */
  readonly method: string;
  readonly namespace: string;
  readonly verb: string;
  readonly schema: VerbSchema;
  /** The schema file whose named types the verb refers to. */
  readonly file: SchemaFile;
}

function entries(file: SchemaFile): VerbEntry[] {
  return Object.entries(file.verbs).map(([method, schema]) => {
    const dot = method.indexOf('.');
    return { method, namespace: method.slice(0, dot), verb: method.slice(dot + 1), schema, file };
  });
}

/** Every verb of the API, gluster included, keyed by `Namespace.verb`. */
export const VERBS: ReadonlyMap<string, VerbEntry> = new Map(
  [...entries(API_SCHEMA), ...entries(GLUSTER_SCHEMA)].map((e) => [e.method, e]),
);

/** Namespaces in name order, each with its verbs in name order. */
export function namespaces(): ReadonlyMap<string, readonly VerbEntry[]> {
  const out = new Map<string, VerbEntry[]>();
  for (const entry of [...VERBS.values()].sort((a, b) => a.method.localeCompare(b.method))) {
    const list = out.get(entry.namespace) ?? [];
    list.push(entry);
    out.set(entry.namespace, list);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
