/** Help texts of vdsm-client, built from our schema: namespaces, verbs, params and a JSON template. */

import { typeName } from '../api/validate.js';
import { type Field, type SchemaFile, type TypeRef, VERBS, type VerbEntry } from '../schema/index.js';

/** The verbs the client knows: the main API, plus gluster when enabled (upstream's --gluster-enabled). */
export function knownVerbs(glusterEnabled: boolean): Map<string, Map<string, VerbEntry>> {
  const out = new Map<string, Map<string, VerbEntry>>();
  for (const entry of [...VERBS.values()].sort((a, b) => a.method.localeCompare(b.method))) {
    if (entry.schema.gluster === true && !glusterEnabled) continue;
    let verbs = out.get(entry.namespace);
    if (verbs === undefined) {
      verbs = new Map();
      out.set(entry.namespace, verbs);
    }
    verbs.set(entry.verb, entry);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function columns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.min(32, Math.max(0, ...rows.map(([a]) => a.length)) + 2);
  return rows.map(([a, b]) => `  ${a.padEnd(width)}${b}`.trimEnd());
}

export function mainHelp(usage: string, namespaces: ReadonlyMap<string, ReadonlyMap<string, VerbEntry>>): string {
  return [
    usage,
    '',
    'Invoke a vdsm verb and print its result as JSON.',
    '',
    'namespaces:',
    ...columns([...namespaces].map(([ns, verbs]) => [ns, `${verbs.size} verbs`])),
    '',
    'options:',
    ...columns([
      ['-h, --help', 'show this help; "<Namespace> -h" lists its verbs, "<Namespace> <verb> -h" its params'],
      ['-a, --host HOST', 'host to connect to (default localhost)'],
      ['-p, --port PORT', 'port (default 54321)'],
      ['--insecure', 'plain TCP instead of TLS'],
      ['--timeout TIMEOUT', 'seconds to wait for the reply (default 60)'],
      ['-f, --file FILE', 'read the params object as JSON from FILE ("-" = stdin)'],
      ['--flow-id FLOW_ID', 'correlation id sent with the request'],
      ['--gluster-enabled', 'also offer the gluster namespaces'],
      ['--transport {stomp,websocket}', 'wire protocol (default stomp)'],
      ['--key-file FILE', 'client key (default /etc/pki/vdsm/keys/vdsmkey.pem)'],
      ['--cert-file FILE', 'client certificate (default /etc/pki/vdsm/certs/vdsmcert.pem)'],
      ['--ca-file FILE', 'CA the server must chain to (default /etc/pki/vdsm/certs/cacert.pem)'],
    ]),
    '',
  ].join('\n');
}

export function namespaceHelp(namespace: string, verbs: ReadonlyMap<string, VerbEntry>): string {
  return [
    `usage: vdsm-client ${namespace} [-h] verb [name=value ...]`,
    '',
    `${namespace} verbs:`,
    ...columns([...verbs].map(([verb, e]) => [verb, e.schema.description])),
    '',
  ].join('\n');
}

function fieldLine(f: Field): readonly [string, string] {
  const detail =
    f.optional === true ? (f.default === undefined ? 'optional' : `default ${JSON.stringify(f.default)}`) : 'required';
  return [`${f.name}=${typeName(f.type)}`, `(${detail})`];
}

/** A JSON value showing the shape of a type: primitive names, enums as their choices, objects expanded 3 deep. */
export function template(file: SchemaFile, ref: TypeRef, depth = 0): unknown {
  if (typeof ref !== 'string') {
    if ('list' in ref) return [template(file, ref.list, depth + 1)];
    return { [typeName(ref.map)]: template(file, ref.of, depth + 1) };
  }
  const type = file.types[ref];
  if (type === undefined) return ref;
  switch (type.kind) {
    case 'alias':
      return ref;
    case 'enum':
      return type.values.map(String).join('|');
    case 'map':
      return { [typeName(type.key)]: template(file, type.value, depth + 1) };
    case 'union':
      return type.of.map(typeName).join('|');
    case 'object': {
      if (depth >= 3) return ref;
      const out: Record<string, unknown> = {};
      for (const p of type.props) out[p.name] = template(file, p.type, depth + 1);
      return out;
    }
  }
}

export function verbHelp(entry: VerbEntry, pretty: (value: unknown) => string): string {
  const params: Record<string, unknown> = {};
  for (const p of entry.schema.params) params[p.name] = template(entry.file, p.type);
  const lines = [
    `usage: vdsm-client ${entry.namespace} ${entry.verb} [-h] [name=value ...]`,
    '',
    entry.schema.description,
    '',
  ];
  if (entry.schema.params.length === 0) lines.push('This verb takes no params.');
  else lines.push('params:', ...columns(entry.schema.params.map(fieldLine)));
  lines.push('', 'JSON representation:', pretty(params));
  if (entry.schema.returns !== undefined) lines.push('', `Returns: ${typeName(entry.schema.returns)}`);
  lines.push('');
  return lines.join('\n');
}
