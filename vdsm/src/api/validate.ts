/**
 * Compiles the schema into checking functions, once. A checker walks a value against a TypeRef and returns the
 * (possibly coerced) value, or throws a CheckError naming the path and the expected type.
 *
 * Two modes:
 * - 'request' (every incoming call): values are accepted in the forms ovirt-engine, ovirt-hosted-engine-ha and
 *   vdsm-client put on the wire (vdsm/test/corpus/engine-corpus.json records them), one rule per wire type, at any
 *   depth, and handed to the handler in the declared type:
 *   - int, uint, long, ulong: a number, or its decimal text (`-?digits`); float also takes `digits.digits`.
 *     Exponents, blanks, hex and the empty string are refused.
 *   - boolean: true/false, or the text "true"/"false" in any case (the engine sends Boolean.toString(...);
 *     upstream reads such fields with tobool()).
 *   - enum: a member; for a member the overlay gives a number (upstream's code numbers, e.g. sd.py's LOCALFS_DOMAIN
 *     4), also that number or its decimal text, handed on as the member's name; members that are numbers also
 *     come as decimal text.
 *   - a string field upstream fills with numbers or flags (its wireType): also the bare number or boolean, turned
 *     into its string form.
 *   - top-level lists, maps and objects: also their JSON text (vdsm-client sends every `name=value` as a string).
 *   Object properties the schema does not list, and missing object properties, are let through: upstream marks
 *   nearly every property required and the engine sends extras, so only the types of the properties present are
 *   checked.
 * - 'result' (strict mode and the test suite, on handler results): no coercion, properties the schema does not list
 *   are refused (a misspelt field name is caught), and required properties must be present.
 *
 * Top-level parameters whose type is a UUID alias (upstream's `UUID`) must be canonical UUIDs in request mode,
 * or one of the field's exact exceptions (the overlay's record of what ovirt-engine sends there).
 */
import type { Field, NamedType, SchemaFile, TypeRef, VerbSchema } from '../schema/types.js';

export type CheckMode = 'request' | 'result';

export class CheckError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`${path}: expected ${expected}, got ${describeValue(actual)}`);
    this.name = 'CheckError';
  }
}

type Checker = (value: unknown, path: string) => unknown;

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  return `${typeof value} ${String(value)}`;
}

export function typeName(ref: TypeRef): string {
  if (typeof ref === 'string') return ref;
  if ('list' in ref) return `list of ${typeName(ref.list)}`;
  return `map of ${typeName(ref.map)} to ${typeName(ref.of)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Compiles checkers for one schema file; named types are compiled on first use and cached. */
export class SchemaCompiler {
  private readonly named = new Map<string, Checker>();

  constructor(
    private readonly schema: SchemaFile,
    readonly mode: CheckMode,
  ) {}

  compile(ref: TypeRef): Checker {
    if (typeof ref === 'string') return this.primitiveOrNamed(ref);
    if ('list' in ref) {
      const item = this.compile(ref.list);
      const expected = typeName(ref);
      return (value, path) => {
        if (!Array.isArray(value)) throw new CheckError(path, expected, value);
        return value.map((v, i) => item(v, `${path}[${i}]`));
      };
    }
    return this.mapChecker(this.compile(ref.of), typeName(ref));
  }

  /**
   * A field's checker. Upstream declares many numbers and flags as strings (the field's wireType says what is
   * inside); in request mode such a field also takes the bare number or boolean, turned into its string form so
   * handlers see the declared type.
   */
  compileField(field: Field): Checker {
    const check = this.compile(field.type);
    if (this.mode !== 'request' || field.type !== 'string' || field.wireType === undefined) return check;
    return (value, path) =>
      typeof value === 'number' || typeof value === 'boolean' ? String(value) : check(value, path);
  }

  /** Whether values of this type are lists or objects (so a string argument may be JSON text). */
  isStructured(ref: TypeRef): boolean {
    if (typeof ref !== 'string') return true;
    if (ref === 'dict') return true;
    const type = this.schema.types[ref];
    if (type === undefined) return false;
    if (type.kind === 'alias') return this.isStructured(type.of);
    return type.kind === 'object' || type.kind === 'map' || type.kind === 'union';
  }

  /** Whether values of this type are UUIDs: a UUID alias, or a list of them (`list` then says so). */
  uuidShape(ref: TypeRef): 'uuid' | 'list' | undefined {
    if (typeof ref !== 'string') return 'list' in ref && this.uuidShape(ref.list) === 'uuid' ? 'list' : undefined;
    const type = this.schema.types[ref];
    if (type?.kind !== 'alias') return undefined;
    return type.format === 'uuid' ? 'uuid' : this.uuidShape(type.of);
  }

  private primitiveOrNamed(name: string): Checker {
    const cached = this.named.get(name);
    if (cached !== undefined) return cached;
    // Forward slot so recursive types resolve to the finished checker.
    let target: Checker | undefined;
    const forward: Checker = (value, path) => target!(value, path);
    this.named.set(name, forward);
    target = this.build(name);
    this.named.set(name, target);
    return target;
  }

  private build(name: string): Checker {
    switch (name) {
      case 'string':
        return (value, path) => {
          if (typeof value !== 'string') throw new CheckError(path, 'string', value);
          return value;
        };
      case 'boolean': {
        const text = this.mode === 'request';
        return (value, path) => {
          if (typeof value === 'boolean') return value;
          if (text && typeof value === 'string') {
            const lower = value.toLowerCase();
            if (lower === 'true') return true;
            if (lower === 'false') return false;
          }
          throw new CheckError(path, 'boolean', value);
        };
      }
      case 'int':
      case 'uint':
      case 'long':
      case 'ulong':
      case 'float': {
        const integral = name !== 'float';
        const unsigned = name === 'uint' || name === 'ulong';
        const numberText = this.mode === 'request' ? (integral ? INTEGER_TEXT : DECIMAL_TEXT) : undefined;
        return (value, path) => {
          let n = value;
          if (typeof n === 'string' && numberText?.test(n) === true) n = Number(n);
          if (typeof n !== 'number' || !Number.isFinite(n) || (integral && !Number.isInteger(n)) || (unsigned && n < 0))
            throw new CheckError(path, name, value);
          return n;
        };
      }
      case 'dict':
        return (value, path) => {
          if (!isPlainObject(value)) throw new CheckError(path, 'object', value);
          return value;
        };
      case 'any':
        return (value) => value;
    }
    const type: NamedType | undefined = this.schema.types[name];
    if (type === undefined) throw new Error(`schema refers to unknown type ${name}`);
    switch (type.kind) {
      case 'alias':
        return this.compile(type.of);
      case 'enum':
        return this.enumChecker(name, type.values, type.numbers ?? {});
      case 'map':
        return this.mapChecker(this.compile(type.value), `${name} (map of ${typeName(type.value)})`);
      case 'union': {
        const alternatives = type.of.map((ref) => this.compile(ref));
        const expected = `${name} (one of ${type.of.map(typeName).join(', ')})`;
        return (value, path) => {
          // The alternative that failed deepest is the one the value was meant to be: its failure names the field.
          let closest: { error: CheckError; as: TypeRef } | undefined;
          for (const [i, alternative] of alternatives.entries()) {
            try {
              return alternative(value, path);
            } catch (error) {
              if (!(error instanceof CheckError)) throw error;
              if (error.path.length > (closest?.error.path.length ?? path.length)) closest = { error, as: type.of[i]! };
            }
          }
          if (closest === undefined) throw new CheckError(path, expected, value);
          const { error, as } = closest;
          throw new CheckError(error.path, `${error.expected} (as ${typeName(as)}, of ${name})`, error.actual);
        };
      }
      case 'object':
        return this.objectChecker(name, type.props);
    }
  }

  /**
   * A member as itself; in request mode also by its number (the overlay's numbers, upstream's code values) or the
   * number's decimal text, handed on as the member, so handlers see the type they are declared with.
   */
  private enumChecker(
    name: string,
    members: ReadonlyArray<string | number>,
    numbers: Readonly<Record<string, number>>,
  ): Checker {
    const values = new Set<unknown>(members);
    const byNumber = new Map<number, string | number>(members.filter((m) => typeof m === 'number').map((m) => [m, m]));
    for (const [member, n] of Object.entries(numbers)) byNumber.set(n, member);
    const numbered = Object.entries(numbers).map(([member, n]) => `${JSON.stringify(member)} = ${n}`);
    const expected = `${name} (one of ${members.map((v) => JSON.stringify(v)).join(', ')}${numbered.length === 0 ? '' : `; by number: ${numbered.join(', ')}`})`;
    if (this.mode !== 'request' || byNumber.size === 0) {
      return (value, path) => {
        if (!values.has(value)) throw new CheckError(path, expected, value);
        return value;
      };
    }
    return (value, path) => {
      if (values.has(value)) return value;
      const n = typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
      const member = typeof n === 'number' ? byNumber.get(n) : undefined;
      if (member === undefined) throw new CheckError(path, expected, value);
      return member;
    };
  }

  private mapChecker(value: Checker, expected: string): Checker {
    return (input, path) => {
      if (!isPlainObject(input)) throw new CheckError(path, expected, input);
      // fromEntries defines own properties, so a "__proto__" key stays a plain key
      return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, value(v, `${path}.${k}`)]));
    };
  }

  private objectChecker(name: string, props: readonly Field[]): Checker {
    const fields = new Map<string, Checker>();
    // Compiled lazily: object types refer to each other.
    let compiled = false;
    const strict = this.mode === 'result';
    const required = strict ? props.filter((p) => p.optional !== true).map((p) => p.name) : [];
    return (input, path) => {
      if (!compiled) {
        for (const p of props) fields.set(p.name, this.compileField(p));
        compiled = true;
      }
      if (!isPlainObject(input)) throw new CheckError(path, `${name} (an object)`, input);
      const checked = Object.fromEntries(
        Object.entries(input).map(([k, v]) => {
          const check = fields.get(k);
          if (check !== undefined) return [k, check(v, `${path}.${k}`)];
          if (strict) throw new CheckError(`${path}.${k}`, `no such property in ${name}`, v);
          return [k, v];
        }),
      );
      for (const p of required) {
        if (input[p] === undefined) throw new CheckError(`${path}.${p}`, `${name}.${p} (required)`, undefined);
      }
      return checked;
    };
  }
}

/** A verb's compiled parameter check: named or positional params in, named and defaulted arguments out. */
export type ParamsValidator = (params: unknown) => Record<string, unknown>;

/** Thrown for a request whose parameters do not fit the verb's schema. */
export class ParamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamsError';
  }
}

export function compileParams(method: string, verb: VerbSchema, compiler: SchemaCompiler): ParamsValidator {
  const fields = verb.params.map((field) => ({
    field,
    check: uuidChecked(field, compiler, compiler.compileField(field)),
    coerce: coercer(field, compiler),
  }));
  const names = verb.params.map((p) => p.name);
  return (params) => {
    let named: Record<string, unknown>;
    if (params === undefined) named = {};
    else if (Array.isArray(params)) {
      if (params.length > names.length)
        throw new ParamsError(`${method} takes ${names.length} parameter(s), ${params.length} were given`);
      named = {};
      params.forEach((v, i) => {
        named[names[i]!] = v;
      });
    } else if (isPlainObject(params)) named = params;
    else throw new ParamsError(`${method}: params must be an object or a list`);

    const args: Record<string, unknown> = {};
    for (const { field, check, coerce } of fields) {
      const raw = Object.hasOwn(named, field.name) ? named[field.name] : undefined;
      if (raw === undefined) {
        if (field.optional !== true) throw new ParamsError(`${method}: missing required parameter '${field.name}'`);
        if (field.default !== undefined) args[field.name] = structuredClone(field.default);
        continue;
      }
      try {
        args[field.name] = check(coerce(raw), field.name);
      } catch (error) {
        if (error instanceof CheckError) throw new ParamsError(`${method}: parameter ${error.message}`);
        throw error;
      }
    }
    return args;
  };
}

/** A top-level UUID parameter's check: the type's, then the UUID form (or one of the field's exact exceptions). */
function uuidChecked(field: Field, compiler: SchemaCompiler, check: Checker): Checker {
  const shape = compiler.mode === 'request' ? compiler.uuidShape(field.type) : undefined;
  if (shape === undefined) return check;
  const exceptions = new Set(field.acceptAlso ?? []);
  const expected = `${typeName(field.type)} (8-4-4-4-12 hex digits)`;
  const one = (value: unknown, path: string): void => {
    if (typeof value === 'string' && !UUID_TEXT.test(value) && !exceptions.has(value))
      throw new CheckError(path, expected, value);
  };
  return (value, path) => {
    const checked = check(value, path);
    if (shape === 'uuid') one(checked, path);
    else if (Array.isArray(checked))
      checked.forEach((v, i) => {
        one(v, `${path}[${i}]`);
      });
    return checked;
  };
}

/** Top-level JSON text for vdsm-client's `name=value` arguments of structured types (see the module comment). */
function coercer(field: Field, compiler: SchemaCompiler): (value: unknown) => unknown {
  const ref = field.type;
  if (!compiler.isStructured(ref)) return (value) => value;
  return (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  };
}
