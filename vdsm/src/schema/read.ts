/**
 * Reads a generated schema file (JSON data) into its typed shape, checking that shape once at start-up: a damaged or
 * hand-edited file stops the daemon with the file and the path of the bad entry, instead of failing on some request.
 */
import type { EventSchema, Field, NamedType, SchemaFile, TypeRef, VerbSchema } from './types.js';

export class SchemaFileError extends Error {
  constructor(file: string, path: string, what: string) {
    super(`${file}: ${path}: ${what} (regenerate with node vdsm/tools/convert-schema.mjs)`);
    this.name = 'SchemaFileError';
  }
}

type Json = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Reader {
  constructor(private readonly file: string) {}

  fail(path: string, what: string): never {
    throw new SchemaFileError(this.file, path, what);
  }

  object(value: unknown, path: string): Json {
    return isObject(value) ? value : this.fail(path, 'expected an object');
  }

  list(value: unknown, path: string): readonly unknown[] {
    return Array.isArray(value) ? value : this.fail(path, 'expected a list');
  }

  string(value: unknown, path: string): string {
    return typeof value === 'string' ? value : this.fail(path, 'expected a string');
  }

  enumNumbers(value: unknown, path: string): Readonly<Record<string, number>> {
    const o = this.object(value, path);
    for (const [k, v] of Object.entries(o)) if (!Number.isInteger(v)) this.fail(`${path}.${k}`, 'expected an integer');
    return o as Readonly<Record<string, number>>;
  }

  typeRef(value: unknown, path: string): TypeRef {
    if (typeof value === 'string') return value;
    const o = this.object(value, path);
    if ('list' in o) return { list: this.typeRef(o.list, `${path}.list`) };
    return { map: this.typeRef(o.map, `${path}.map`), of: this.typeRef(o.of, `${path}.of`) };
  }

  field(value: unknown, path: string): Field {
    const o = this.object(value, path);
    const field: Field = { name: this.string(o.name, `${path}.name`), type: this.typeRef(o.type, `${path}.type`) };
    if (o.wireType !== undefined) this.string(o.wireType, `${path}.wireType`);
    if (o.optional !== undefined && o.optional !== true) this.fail(`${path}.optional`, 'expected true');
    if (o.acceptAlso !== undefined) {
      for (const [i, v] of this.list(o.acceptAlso, `${path}.acceptAlso`).entries())
        this.string(v, `${path}.acceptAlso[${i}]`);
    }
    return { ...o, ...field };
  }

  fields(value: unknown, path: string): readonly Field[] {
    return this.list(value, path).map((f, i) => this.field(f, `${path}[${i}]`));
  }

  namedType(value: unknown, path: string): NamedType {
    const o = this.object(value, path);
    switch (o.kind) {
      case 'alias':
        if (o.format !== undefined && o.format !== 'uuid') this.fail(`${path}.format`, 'expected "uuid"');
        return {
          kind: 'alias',
          of: this.typeRef(o.of, `${path}.of`),
          ...(o.format === 'uuid' ? { format: 'uuid' } : {}),
        };
      case 'enum':
        return {
          kind: 'enum',
          values: this.list(o.values, `${path}.values`).map((v, i) =>
            typeof v === 'string' || typeof v === 'number' ? v : this.fail(`${path}.values[${i}]`, 'expected a name'),
          ),
          ...(o.numbers === undefined ? {} : { numbers: this.enumNumbers(o.numbers, `${path}.numbers`) }),
        };
      case 'object':
        return { kind: 'object', props: this.fields(o.props, `${path}.props`) };
      case 'map':
        return { kind: 'map', key: this.typeRef(o.key, `${path}.key`), value: this.typeRef(o.value, `${path}.value`) };
      case 'union':
        return { kind: 'union', of: this.list(o.of, `${path}.of`).map((r, i) => this.typeRef(r, `${path}.of[${i}]`)) };
      default:
        return this.fail(`${path}.kind`, `unknown kind ${JSON.stringify(o.kind)}`);
    }
  }

  verb(value: unknown, path: string): VerbSchema {
    const o = this.object(value, path);
    const result = o.result;
    if (result !== true && result !== null && typeof result !== 'string')
      this.fail(`${path}.result`, 'expected a field name, true or null');
    return {
      description: this.string(o.description, `${path}.description`),
      params: this.fields(o.params, `${path}.params`),
      ...(o.returns === undefined ? {} : { returns: this.typeRef(o.returns, `${path}.returns`) }),
      result,
      ...(o.deprecated === true ? { deprecated: true } : {}),
      ...(o.gluster === true ? { gluster: true } : {}),
    };
  }

  event(value: unknown, path: string): EventSchema {
    const o = this.object(value, path);
    return {
      description: this.string(o.description, `${path}.description`),
      params: this.fields(o.params, `${path}.params`),
    };
  }

  table<T>(value: unknown, path: string, read: (v: unknown, path: string) => T): Readonly<Record<string, T>> {
    return Object.fromEntries(
      Object.entries(this.object(value, path)).map(([name, v]) => [name, read(v, `${path}.${name}`)]),
    );
  }
}

export function readSchemaFile(file: string, data: unknown): SchemaFile {
  const r = new Reader(file);
  const o = r.object(data, '$');
  return {
    types: r.table(o.types, 'types', (v, p) => r.namedType(v, p)),
    verbs: r.table(o.verbs, 'verbs', (v, p) => r.verb(v, p)),
    events: r.table(o.events, 'events', (v, p) => r.event(v, p)),
  };
}
