#!/usr/bin/env node
// Dev-time converter: reads upstream VDSM's interface YAML (vdsm-api.yml, vdsm-api-gluster.yml, vdsm-events.yml)
// plus our overlay of wire facts (schema-overlay.json next to this file), and writes our schema to
// vdsm/src/schema/: the data as *.generated.json (loaded once by the daemon) and the TypeScript types of params
// and results as *-types.generated.ts. Only facts are kept: names, types, enum values, optionality and defaults.
// Upstream's description prose is dropped; our descriptions are generated from names.
//
//   node vdsm/tools/convert-schema.mjs [upstream-dir [out-dir]]
//
// The upstream directory defaults to ../shared/reference/vdsm-api relative to the repository root (every clone's
// parent holds shared/). The daemon never reads the YAML; the generated files are committed, and
// vdsm/test/schema.test.ts regenerates them and compares byte for byte.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repoRoot = new URL('../../', import.meta.url);
export const DEFAULT_UPSTREAM = fileURLToPath(new URL('../shared/reference/vdsm-api', repoRoot));
const upstream = process.argv[2] ?? DEFAULT_UPSTREAM;
const outDir =
  process.argv[3] === undefined ? fileURLToPath(new URL('../src/schema/', import.meta.url)) : `${process.argv[3]}/`;
const overlay = JSON.parse(readFileSync(new URL('./schema-overlay.json', import.meta.url), 'utf8'));

const PRIMITIVES = new Set(['string', 'int', 'uint', 'long', 'ulong', 'float', 'boolean', 'dict', 'any']);
const PRIMITIVE_ALIASES = { str: 'string', bool: 'boolean', integer: 'int', object: 'dict' };

/** An overlay section with the engine corpus's entries of the same section merged after ours ('$comment' dropped). */
function section(name) {
  const merged = { ...overlay[name], ...overlay.engineCorpus?.[name] };
  delete merged.$comment;
  return merged;
}

const RESULT_FIELDS = section('resultFields');
const EXTRA_UNION_MEMBERS = section('extraUnionMembers');
const UUID_TYPES = new Set(Object.keys(section('uuidTypes')));
const UUID_EXCEPTIONS = section('uuidExceptions');
const RETURN_TYPES = section('returnTypes');
const EXTRA_PROPERTIES = section('extraProperties');
const PROPERTY_TYPES = section('propertyTypes');
const EXTRA_ENUM_VALUES = section('extraEnumValues');
/** The numbers upstream's code uses for named enum members (the engine sends those numbers). */
const ENUM_NUMBERS = section('enumNumbers');
/** Properties optional in our types and result checks: those upstream does not always send, and our gaps. */
const OPTIONAL_PROPERTIES = {};
for (const [name, facts] of [
  ...Object.entries(section('optionalProperties')),
  ...Object.entries(section('notSentYet')),
])
  OPTIONAL_PROPERTIES[name] = { props: [...(OPTIONAL_PROPERTIES[name]?.props ?? []), ...facts.props] };

/** Overlay type names found in some schema file (a name found in none is a typo). */
const OVERLAID = new Set();

function load(file) {
  return parse(readFileSync(`${upstream}/${file}`, 'utf8'), { maxAliasCount: -1, uniqueKeys: false });
}

function primitive(name) {
  const p = PRIMITIVE_ALIASES[name] ?? name;
  return PRIMITIVES.has(p) ? p : undefined;
}

/** Converts an upstream type expression (a name, an anchored type object, or a one-element list) to a TypeRef. */
function typeRef(t, knownNames, where) {
  if (t === undefined) return 'any'; // a few event fields carry no type upstream
  if (Array.isArray(t)) {
    if (t.length !== 1) throw new Error(`${where}: list type with ${t.length} elements`);
    return { list: typeRef(t[0], knownNames, where) };
  }
  if (typeof t === 'string') {
    const p = primitive(t);
    if (p !== undefined) return p;
    if (knownNames.has(t)) return t;
    throw new Error(`${where}: unknown type ${t}`);
  }
  if (t !== null && typeof t === 'object') {
    const anchored = knownNames.byObject.get(t);
    if (anchored !== undefined) return anchored;
    if (typeof t.name === 'string' && knownNames.has(t.name)) return t.name;
    if (t.type === 'map') {
      return { map: typeRef(t['key-type'], knownNames, where), of: typeRef(t['value-type'], knownNames, where) };
    }
  }
  throw new Error(`${where}: cannot read type ${JSON.stringify(t)?.slice(0, 80)}`);
}

/** Keeps a default only when it is a plain JSON fact (upstream also writes placeholders and Python tuples). */
function defaultOf(p) {
  if (!('defaultvalue' in p)) return undefined;
  const d = p.defaultvalue;
  if (d === '()' || d === '[]') return { value: [] };
  if (d === '{}') return { value: {} };
  if (typeof d === 'string' && /needs updating/i.test(d)) return { value: undefined };
  return { value: d };
}

function param(p, knownNames, where) {
  let type;
  if (p.type === 'map' && p['key-type'] !== undefined) {
    type = { map: typeRef(p['key-type'], knownNames, where), of: typeRef(p['value-type'], knownNames, where) };
  } else {
    type = typeRef(p.type, knownNames, `${where}.${p.name}`);
  }
  const out = { name: String(p.name), type };
  if (typeof p.datatype === 'string') out.wireType = primitive(p.datatype) ?? p.datatype;
  const d = defaultOf(p);
  if (d !== undefined) {
    out.optional = true;
    if (d.value !== undefined) out.default = d.value;
  }
  return out;
}

function convertTypes(types) {
  const known = new Set(Object.keys(types));
  // Aliases resolve to the anchored object itself; a few anchors differ from the type's `name`, so match by identity.
  known.byObject = new Map(Object.entries(types).map(([name, t]) => [t, name]));
  const out = {};
  for (const name of Object.keys(types).sort()) {
    const t = types[name];
    const where = `type ${name}`;
    const kind = typeof t.type === 'object' && t.type !== null ? 'alias-of-named' : (t.type ?? 'object');
    switch (kind) {
      case 'alias':
        out[name] = { kind: 'alias', of: primitive(t.sourcetype) ?? 'string' };
        if (UUID_TYPES.has(name)) out[name].format = 'uuid';
        break;
      case 'alias-of-named':
        out[name] = { kind: 'alias', of: typeRef(t.type, known, where) };
        break;
      case 'enum': {
        const values = [
          ...Object.keys(t.values).map((v) => (/^-?\d+$/.test(v) ? Number(v) : v)),
          ...(EXTRA_ENUM_VALUES[name]?.values ?? []),
        ];
        out[name] = { kind: 'enum', values };
        const numbers = ENUM_NUMBERS[name]?.numbers;
        if (numbers !== undefined) {
          for (const [member, n] of Object.entries(numbers)) {
            if (!values.includes(member)) throw new Error(`overlay: enumNumbers ${name}.${member} is no member`);
            if (!Number.isInteger(n)) throw new Error(`overlay: enumNumbers ${name}.${member} is no integer`);
          }
          if (new Set(Object.values(numbers)).size !== Object.keys(numbers).length)
            throw new Error(`overlay: enumNumbers ${name} gives one number to two members`);
          out[name].numbers = numbers;
        }
        break;
      }
      case 'map':
        out[name] = {
          kind: 'map',
          key: typeRef(t['key-type'], known, where),
          value: typeRef(t['value-type'], known, where),
        };
        break;
      case 'union':
        out[name] = {
          kind: 'union',
          of: [...t.values.map((v) => typeRef(v, known, where)), ...(EXTRA_UNION_MEMBERS[name]?.members ?? [])],
        };
        break;
      case 'object': {
        const loose = new Set(OPTIONAL_PROPERTIES[name]?.props ?? []);
        // a property listed twice upstream is kept once (first listing)
        out[name] = {
          kind: 'object',
          props: (t.properties ?? [])
            .filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i)
            .map((p) => {
              const retyped = PROPERTY_TYPES[name]?.props?.[p.name];
              const field = { ...param(p, known, where), ...retyped };
              return loose.has(field.name) && field.optional !== true ? { ...field, optional: true } : field;
            })
            .concat(EXTRA_PROPERTIES[name]?.props ?? []),
        };
        break;
      }
      default:
        throw new Error(`${where}: unknown kind ${kind}`);
    }
  }
  for (const [name, facts] of Object.entries(PROPERTY_TYPES)) {
    if (out[name] === undefined) continue;
    for (const p of Object.keys(facts.props)) {
      if (!out[name].props.some((q) => q.name === p)) throw new Error(`overlay: ${name}.${p} is not in the schema`);
    }
  }
  for (const [name, facts] of Object.entries(EXTRA_PROPERTIES)) {
    const props = out[name]?.props?.map((p) => p.name) ?? [];
    for (const p of facts.props) {
      if (props.indexOf(p.name) !== props.lastIndexOf(p.name))
        throw new Error(`overlay: ${name}.${p.name} already exists`);
    }
  }
  for (const [name, facts] of Object.entries(OPTIONAL_PROPERTIES)) {
    if (out[name] === undefined) continue;
    OVERLAID.add(name);
    const props = out[name].props?.map((p) => p.name);
    for (const p of facts.props) {
      if (props?.includes(p) !== true) throw new Error(`overlay: ${name}.${p} is not in the schema`);
    }
  }
  return { out, known };
}

/** Splits a camelCase verb into lower-case words: getVMList -> ['get', 'VM', 'list']. */
function words(verb) {
  return verb
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/\s+/)
    .map((w) => (/^[A-Z][a-z]/.test(w) ? w.toLowerCase() : w));
}

/** Our own one-line description, built from the namespace and the verb name. */
function describe(ns, verb, kind) {
  const w = words(verb);
  const subject = ns.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const phrase = w.join(' ');
  const sentence = `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}`;
  return kind === 'event' ? `Event: ${phrase}.` : `${sentence} (${subject} namespace).`;
}

function convertVerbs(doc, known, extra) {
  const verbs = {};
  for (const name of Object.keys(doc).sort()) {
    if (name === 'types') continue;
    const v = doc[name];
    const dot = name.indexOf('.');
    const ns = name.slice(0, dot);
    const verb = name.slice(dot + 1);
    const exceptions = UUID_EXCEPTIONS[name] ?? {};
    const entry = {
      description: describe(ns, verb, 'verb'),
      params: (v.params ?? []).map((p) => {
        const field = param(p, known, name);
        return exceptions[field.name] === undefined ? field : { ...field, acceptAlso: exceptions[field.name].values };
      }),
    };
    const returns = RETURN_TYPES[name]?.returns ?? v.return?.type;
    if (returns !== undefined) entry.returns = typeRef(returns, known, `${name} return`);
    entry.result = RESULT_FIELDS[name] ?? (entry.returns === undefined ? true : null);
    if (v.deprecated !== undefined) entry.deprecated = true;
    Object.assign(entry, extra);
    verbs[name] = entry;
  }
  return verbs;
}

function convertEvents(doc, known) {
  const events = {};
  for (const name of Object.keys(doc).sort()) {
    if (name === 'types') continue;
    const e = doc[name];
    events[name] = {
      description: describe('', name.split('|').filter(Boolean).join(' '), 'event'),
      params: (e.params ?? []).map((p) => param(p, known, name)),
    };
  }
  return events;
}

/** One line per type, verb and event: small, and greppable by name. */
function emitData(file, value) {
  const block = (key, entries) => {
    const lines = Object.entries(entries).map(([name, v]) => `  ${JSON.stringify(name)}: ${JSON.stringify(v)}`);
    return lines.length === 0 ? ` ${JSON.stringify(key)}: {}` : ` ${JSON.stringify(key)}: {\n${lines.join(',\n')}\n }`;
  };
  const text = `{\n${[block('types', value.types), block('verbs', value.verbs), block('events', value.events)].join(',\n')}\n}\n`;
  writeFileSync(`${outDir}${file}`, text);
}

// ---- TypeScript types of the schema (compile-time checks of handler params and results) ----

const TS_PRIMITIVES = {
  string: 'string',
  int: 'number',
  uint: 'number',
  long: 'number',
  ulong: 'number',
  float: 'number',
  boolean: 'boolean',
  dict: 'Readonly<Record<string, unknown>>',
  any: 'unknown',
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));

function tsRef(ref) {
  if (typeof ref === 'string') return TS_PRIMITIVES[ref] ?? ref;
  if ('list' in ref) return `ReadonlyArray<${tsRef(ref.list)}>`;
  return `Readonly<Record<string, ${tsRef(ref.of)}>>`;
}

function tsType(name, t) {
  switch (t.kind) {
    case 'alias':
      return `export type ${name} = ${tsRef(t.of)};`;
    case 'enum':
      return `export type ${name} = ${t.values.map((v) => JSON.stringify(v)).join(' | ')};`;
    case 'map':
      return `export type ${name} = Readonly<Record<string, ${tsRef(t.value)}>>;`;
    case 'union':
      return `export type ${name} = ${t.of.map(tsRef).join(' | ')};`;
    case 'object':
      // Required unless upstream gives a default or the overlay says upstream does not always send it.
      return `export interface ${name} {\n${t.props.map((p) => `  readonly ${key(p.name)}${p.optional === true ? '?' : ''}: ${tsRef(p.type)};\n`).join('')}}`;
  }
}

/**
 * Params as a handler sees them after validation: required and defaulted params are present; inside structures only
 * the types of the properties present are checked (the engine omits many), hence Loose<>.
 */
function tsParams(verb) {
  if (verb.params.length === 0) return 'Record<string, never>';
  const fields = verb.params.map((p) => {
    const present = p.optional !== true || p.default !== undefined;
    const nullable = p.default === null ? ' | null' : '';
    return `    readonly ${key(p.name)}${present ? '' : '?'}: Loose<${tsRef(p.type)}>${nullable};\n`;
  });
  return `{\n${fields.join('')}  }`;
}

function emitTypes(file, schema, prefix) {
  const lines = [
    "// Generated by vdsm/tools/convert-schema.mjs from upstream VDSM's interface facts and vdsm/tools/schema-overlay.json.",
    '// Do not edit.',
    "import type { Loose } from './types.js';",
    '',
  ];
  for (const [name, t] of Object.entries(schema.types)) lines.push(tsType(name, t), '');
  lines.push(`/** Validated params of every verb, by \`Namespace.verb\`. */`, `export interface ${prefix}Params {`);
  for (const [method, verb] of Object.entries(schema.verbs))
    lines.push(`  ${JSON.stringify(method)}: ${tsParams(verb)};`);
  lines.push(
    '}',
    '',
    `/** The wire result of every verb (\`true\` when upstream answers true). */`,
    `export interface ${prefix}Results {`,
  );
  for (const [method, verb] of Object.entries(schema.verbs)) {
    lines.push(
      `  ${JSON.stringify(method)}: ${verb.result === true || verb.returns === undefined ? 'true' : tsRef(verb.returns)};`,
    );
  }
  lines.push('}', '');
  writeFileSync(`${outDir}${file}`, lines.join('\n'));
}

const api = load('vdsm-api.yml');
const apiTypes = convertTypes(api.types);
const apiSchema = { types: apiTypes.out, verbs: convertVerbs(api, apiTypes.known, {}), events: {} };
emitData('api.generated.json', apiSchema);
emitTypes('api-types.generated.ts', apiSchema, 'Api');

const gluster = load('vdsm-api-gluster.yml');
const glusterTypes = convertTypes(gluster.types);
const glusterSchema = {
  types: glusterTypes.out,
  verbs: convertVerbs(gluster, glusterTypes.known, { gluster: true }),
  events: {},
};
emitData('gluster.generated.json', glusterSchema);
emitTypes('gluster-types.generated.ts', glusterSchema, 'Gluster');

const events = load('vdsm-events.yml');
const eventTypes = convertTypes(events.types);
emitData('events.generated.json', {
  types: eventTypes.out,
  verbs: {},
  events: convertEvents(events, eventTypes.known),
});

for (const name of [
  ...Object.keys(OPTIONAL_PROPERTIES),
  ...Object.keys(EXTRA_UNION_MEMBERS),
  ...Object.keys(EXTRA_PROPERTIES),
  ...Object.keys(PROPERTY_TYPES),
  ...Object.keys(EXTRA_ENUM_VALUES),
  ...Object.keys(ENUM_NUMBERS),
]) {
  if (!OVERLAID.has(name) && !(name in api.types)) throw new Error(`overlay: no type ${name} in the schema`);
}
