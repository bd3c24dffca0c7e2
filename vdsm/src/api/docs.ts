import { EVENTS_SCHEMA, type Field, namespaces, type SchemaFile, VERBS } from '../schema/index.js';
import { IMPLEMENTED_METHODS } from './implemented.js';
import { typeName } from './validate.js';

export interface ApiDocFacts {
  /** The dispatcher's bound on calls running at once (rpc owns it; gen-docs passes it in). */
  readonly maxInFlight: number;
  /** Who calls each verb, by `Namespace.verb` (from the engine corpus; see corpusCallers). */
  readonly callers: ReadonlyMap<string, readonly string[]>;
}

/** Where the engine corpus lives, relative to the vdsm workspace (gen-docs and the docs test read it). */
export const CORPUS_FILE = 'test/corpus/engine-corpus.json';

/**
 * The callers of each verb in the engine corpus (vdsm/test/corpus/engine-corpus.json), shortened to
 * `project File:function`; the corpus's reader entries ("(reader...)") name who reads the reply, not who calls.
 */
export function corpusCallers(corpus: unknown): ReadonlyMap<string, readonly string[]> {
  const entries = (corpus as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) throw new Error('engine corpus: no entries list');
  const callers = new Map<string, string[]>();
  for (const entry of entries as ReadonlyArray<{ method?: unknown; callers?: unknown }>) {
    if (typeof entry.method !== 'string' || !Array.isArray(entry.callers))
      throw new Error(`engine corpus: an entry without method or callers (${JSON.stringify(entry).slice(0, 80)})`);
    const list = callers.get(entry.method) ?? [];
    for (const caller of entry.callers as unknown[]) {
      if (typeof caller !== 'string') throw new Error(`engine corpus: ${entry.method}: a caller that is no string`);
      if (caller.includes('(reader')) continue;
      const short = shortCaller(caller);
      if (!list.includes(short)) list.push(short);
    }
    callers.set(entry.method, list);
  }
  return callers;
}

/**
 * "ovirt-engine vdsbroker/jsonrpc/JsonRpcVdsServer.java:list (notes)" -> "engine JsonRpcVdsServer.java:list";
 * an entry from an older commit ("ovirt-engine <commit> path") keeps it: "engine@<commit> File:function".
 */
function shortCaller(caller: string): string {
  const words = caller.replace(/ \(.*$/, '').split(' ');
  const project = (words[0] ?? '').replace(/^ovirt-/, '');
  const at = words.length > 2 ? `@${words[1]}` : '';
  const where = words[words.length - 1] ?? '';
  return `${project}${at} ${where.slice(where.lastIndexOf('/') + 1)}`;
}

/** A code span, with `|` escaped so it cannot end a table cell. */
const code = (s: string) => `\`${s.replace(/\|/g, '\\|')}\``;

function fieldText(f: Field): string {
  let text = `${code(f.name)}: ${typeName(f.type)}`;
  if (f.optional === true) text += f.default === undefined ? ' (optional)' : ` = ${code(JSON.stringify(f.default))}`;
  return text;
}

function resultText(result: string | true | null): string {
  if (result === true) return '`true`';
  if (result === '*') return 'whole reply';
  if (result === null) return 'return value';
  return code(result);
}

function typeSummary(file: SchemaFile, name: string): string {
  const t = file.types[name]!;
  switch (t.kind) {
    case 'alias':
      return `alias of ${typeName(t.of)}${t.format === 'uuid' ? ' (a UUID: 8-4-4-4-12 hex digits)' : ''}`;
    case 'enum': {
      const numbers = Object.entries(t.numbers ?? {}).map(([member, n]) => `${code(member)} = ${n}`);
      const byNumber = numbers.length === 0 ? '' : ` (in requests also by number: ${numbers.join(', ')})`;
      return `enum: ${t.values.map((v) => code(String(v))).join(', ')}${byNumber}`;
    }
    case 'map':
      return `map of ${typeName(t.key)} to ${typeName(t.value)}`;
    case 'union':
      return `one of ${t.of.map(typeName).join(', ')}`;
    case 'object':
      return t.props.length === 0 ? 'object' : `object: ${t.props.map(fieldText).join(', ')}`;
  }
}

function callersText(callers: readonly string[] | undefined): string {
  if (callers === undefined) return '—';
  return callers.length === 0 ? 'corpus, no caller' : callers.join('<br>');
}

/** Renders docs/api.md from the schema, the handler tables and the engine corpus's callers. */
export function renderApiDoc(facts: ApiDocFacts): string {
  const implemented = IMPLEMENTED_METHODS;
  const lines = [
    '# vdsm-ts API',
    '',
    '<!-- Generated from vdsm/src/schema/ by `npm run docs -w @vdsm-ts/vdsm`; do not edit. -->',
    '',
    `${VERBS.size} verbs, ${implemented.size} implemented. JSON-RPC 2.0 over STOMP or WebSocket; method`,
    '`<Namespace>.<verb>`, params as an object (by name) or a list (in the order below).',
    '',
    '## Request handling',
    '',
    '- Every request is checked against the schema before its handler runs. A missing required parameter, a',
    '  value of the wrong type or a value outside an enum is answered with -32602 `Invalid method parameter(s)`,',
    '  naming the verb, the parameter, the expected type and the value given. Parameters the schema does not list',
    '  are ignored. Missing optional parameters take the default shown. Parameters of type `UUID` must be UUIDs',
    '  (8-4-4-4-12 hex digits).',
    '- Values are accepted in the forms ovirt-engine, hosted-engine and vdsm-client send, at any depth, one rule per',
    '  wire type, and handed to the verb in the declared type: numbers also as decimal text (`-?digits`, floats',
    '  `digits.digits`; no exponents or blanks); booleans also as `true`/`false` text in any case; enum members',
    "  also by upstream's number for them (listed with the enum below, e.g. `StorageDomainType` `LOCALFS` = 4) or",
    '  its decimal text; string fields that upstream fills with numbers also as bare numbers or booleans (turned',
    '  into strings); top-level lists and objects also as JSON text (vdsm-client sends every `name=value` as a',
    '  string). Inside structures, the types of the properties present are checked.',
    `- At most ${facts.maxInFlight} calls run at once (upstream: 8 workers × 10 queued tasks); beyond that a call is answered`,
    '  with code 1100 `Not enough resources` at once.',
    '- While the daemon starts, every request is answered with code 99. Verbs marked "no" below answer code 44',
    '  `Not implemented`. Unknown verbs: -32601. Errors of a verb: its VDSM code and message.',
    '- A batch of one gets a bare reply object; a batch of two or more gets an array; requests without `id` are',
    '  not run and get no reply; `[]` gets -32600.',
    '- Result column: the value sent as `result` (upstream name of the field it comes from; `true` for verbs',
    '  without a return value).',
    "- Callers column: who calls the verb in ovirt-engine's vdsbroker and ovirt-hosted-engine-ha, from the engine",
    '  corpus (`vdsm/test/corpus/engine-corpus.json`, replayed against vdsmd by `vdsm/test/corpus/replay.test.ts`);',
    '  "corpus, no caller" marks a verb the corpus lists that neither project calls.',
    '- Results are typed from the schema. With `[devel] api_strict_mode = true` (the test harness sets it), every',
    '  result is also checked against the return type at run time: one that does not fit is answered with -32603',
    '  naming the verb and the path of the field, and logged at error level.',
    "- The schema: `vdsm/src/schema/*.generated.json`, converted from upstream's interface YAML by",
    '  `vdsm/tools/convert-schema.mjs` with the facts of `vdsm/tools/schema-overlay.json` (where upstream sends',
    '  otherwise than its YAML says, with the source named, and which required fields vdsm-ts does not send yet).',
    '',
  ];
  for (const [ns, verbs] of namespaces()) {
    lines.push(
      `## ${ns}`,
      '',
      '| verb | params | returns | result | implemented | callers |',
      '|---|---|---|---|---|---|',
    );
    for (const v of verbs) {
      const params = v.schema.params.map(fieldText).join('<br>') || '—';
      const returns = v.schema.returns === undefined ? '—' : typeName(v.schema.returns);
      const flags = v.schema.deprecated === true ? ' (deprecated)' : '';
      lines.push(
        `| ${code(v.verb)}${flags} | ${params} | ${returns} | ${resultText(v.schema.result)} | ${implemented.has(v.method) ? 'yes' : 'no'} | ${callersText(facts.callers.get(v.method))} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Events', '', 'Sent to `jms.queue.events` subscribers as JSON-RPC notifications.', '');
  lines.push('| event | params |', '|---|---|');
  for (const [name, e] of Object.entries(EVENTS_SCHEMA.events)) {
    lines.push(`| ${code(`${name}<id>`)} | ${e.params.map(fieldText).join('<br>')} |`);
  }
  lines.push('');
  const files: Array<[string, SchemaFile]> = [['Types', VERBS.get('Host.ping2')!.file]];
  const gluster = [...VERBS.values()].find((v) => v.schema.gluster === true)?.file;
  if (gluster !== undefined) files.push(['Gluster types', gluster]);
  files.push(['Event types', EVENTS_SCHEMA]);
  for (const [title, file] of files) {
    lines.push(`## ${title}`, '', '| type | definition |', '|---|---|');
    for (const name of Object.keys(file.types)) lines.push(`| ${code(name)} | ${typeSummary(file, name)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
