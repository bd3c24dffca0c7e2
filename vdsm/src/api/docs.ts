import { Writable } from 'node:stream';
import { defaultConfig } from '@vdsm-ts/common/config';
import { Logging } from '@vdsm-ts/common/logging';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { HostStatsSampler } from '../host/stats.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../rpc/jsonrpc/dispatcher.js';
import { createStorageService } from '../storage/index.js';
import type { VirtService } from '../virt/index.js';
import { implementedHandlers } from './index.js';
import { EVENTS_SCHEMA, type Field, namespaces, type SchemaFile, VERBS } from './schema/index.js';
import { typeName } from './validate.js';

/** A stand-in for a service whose handlers are only listed, never called: any use of it is a bug, and says so. */
function listingOnly<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, key) => {
      throw new Error(`the ${name} service is a listing stand-in (used ${String(key)})`);
    },
  });
}

/** The verbs that have a handler (the others answer code 44). */
export function implementedMethods(): ReadonlySet<string> {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const logging = new Logging({ name: 'docs', level: 'fatal' }, sink);
  const table = implementedHandlers({
    logging,
    sampler: new HostStatsSampler({ intervalSeconds: 3600 }),
    virt: listingOnly<VirtService>('virt'),
    // Nothing is started: the service only has to exist for its verbs to be listed.
    storage: createStorageService(
      defaultConfig(),
      new SupervdsmClient({ socketPath: '/nonexistent' }),
      logging.get('docs'),
    ),
  });
  return new Set(table.keys());
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
      return `alias of ${typeName(t.of)}`;
    case 'enum':
      return `enum: ${t.values.map((v) => code(String(v))).join(', ')}`;
    case 'map':
      return `map of ${typeName(t.key)} to ${typeName(t.value)}`;
    case 'union':
      return `one of ${t.of.map(typeName).join(', ')}`;
    case 'object':
      return t.props.length === 0 ? 'object' : `object: ${t.props.map(fieldText).join(', ')}`;
  }
}

/** Renders docs/api.md from the schema and the handler tables. */
export function renderApiDoc(): string {
  const implemented = implementedMethods();
  const lines = [
    '# vdsm-ts API',
    '',
    '<!-- Generated from vdsm/src/api/schema/ by `npm run docs -w @vdsm-ts/vdsm`; do not edit. -->',
    '',
    `${VERBS.size} verbs, ${implemented.size} implemented. JSON-RPC 2.0 over STOMP or WebSocket; method`,
    '`<Namespace>.<verb>`, params as an object (by name) or a list (in the order below).',
    '',
    '## Request handling',
    '',
    '- Every request is checked against the schema before its handler runs. A missing required parameter, a',
    '  value of the wrong type or a value outside an enum is answered with -32602 `Invalid method parameter(s)`,',
    '  naming the verb, the parameter, the expected type and the value given. Parameters the schema does not list',
    '  are ignored. Missing optional parameters take the default shown.',
    '- String values are accepted for typed top-level parameters, because vdsm-client sends every `name=value` as',
    '  a string: `true`/`false` (any case) for booleans, decimal text for numbers, JSON text for lists and objects.',
    '  Inside structures, numbers may also arrive as numeric strings, and string fields that upstream fills with',
    '  numbers accept bare numbers (turned into strings); the types of the properties present are checked.',
    `- At most ${DEFAULT_MAX_IN_FLIGHT} calls run at once (upstream: 8 workers × 10 queued tasks); beyond that a call is answered`,
    '  with code 1100 `Not enough resources` at once.',
    '- While the daemon starts, every request is answered with code 99. Verbs marked "no" below answer code 44',
    '  `Not implemented`. Unknown verbs: -32601. Errors of a verb: its VDSM code and message.',
    '- A batch of one gets a bare reply object; a batch of two or more gets an array; requests without `id` are',
    '  not run and get no reply; `[]` gets -32600.',
    '- Result column: the value sent as `result` (upstream name of the field it comes from; `true` for verbs',
    '  without a return value).',
    '',
  ];
  for (const [ns, verbs] of namespaces()) {
    lines.push(`## ${ns}`, '', '| verb | params | returns | result | implemented |', '|---|---|---|---|---|');
    for (const v of verbs) {
      const params = v.schema.params.map(fieldText).join('<br>') || '—';
      const returns = v.schema.returns === undefined ? '—' : typeName(v.schema.returns);
      const flags = v.schema.deprecated === true ? ' (deprecated)' : '';
      lines.push(
        `| ${code(v.verb)}${flags} | ${params} | ${returns} | ${resultText(v.schema.result)} | ${implemented.has(v.method) ? 'yes' : 'no'} |`,
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
