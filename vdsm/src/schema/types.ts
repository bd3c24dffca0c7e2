/**
 * The shape of our API schema (the *.generated.json files next to this one, written by vdsm/tools/convert-schema.mjs
 * from upstream's YAML and vdsm/tools/schema-overlay.json). Facts only: names, types, enum values, optionality,
 * defaults, and the result field upstream puts on the wire.
 */

export type Primitive = 'string' | 'int' | 'uint' | 'long' | 'ulong' | 'float' | 'boolean' | 'dict' | 'any';

/** A primitive, the name of a type in the same schema file, a list of a type, or an inline map. */
export type TypeRef = string | { readonly list: TypeRef } | { readonly map: TypeRef; readonly of: TypeRef };

export interface Field {
  readonly name: string;
  readonly type: TypeRef;
  /** Upstream sends some numbers as strings; this is the number type inside the string. */
  readonly wireType?: string;
  readonly optional?: boolean;
  /** The value a missing optional parameter takes (absent when upstream gives none or a placeholder). */
  readonly default?: unknown;
  /** Exact values accepted besides the type's format (what ovirt-engine sends there; see the overlay). */
  readonly acceptAlso?: readonly string[];
}

export type NamedType =
  | { readonly kind: 'alias'; readonly of: TypeRef; readonly format?: 'uuid' }
  | {
      readonly kind: 'enum';
      readonly values: ReadonlyArray<string | number>;
      /** The number upstream's code uses for a member (requests may name the member by it; see validate.ts). */
      readonly numbers?: Readonly<Record<string, number>>;
    }
  | { readonly kind: 'object'; readonly props: readonly Field[] }
  | { readonly kind: 'map'; readonly key: TypeRef; readonly value: TypeRef }
  | { readonly kind: 'union'; readonly of: readonly TypeRef[] };

export interface VerbSchema {
  readonly description: string;
  /** In upstream's positional order. */
  readonly params: readonly Field[];
  readonly returns?: TypeRef;
  /**
   * Where upstream's bridge finds the wire result: a field name of the internal reply, '*' for the whole reply,
   * `true` for verbs that answer `true`, or null when only the return type is known.
   */
  readonly result: string | true | null;
  readonly deprecated?: boolean;
  readonly gluster?: boolean;
}

export interface EventSchema {
  readonly description: string;
  readonly params: readonly Field[];
}

export interface SchemaFile {
  readonly types: Readonly<Record<string, NamedType>>;
  readonly verbs: Readonly<Record<string, VerbSchema>>;
  readonly events: Readonly<Record<string, EventSchema>>;
}

/**
 * What request validation guarantees inside structures: the types of the properties present, not their presence
 * (upstream marks nearly every property required and the engine omits many). Results use the types as they are.
 */
export type Loose<T> =
  T extends ReadonlyArray<infer I>
    ? ReadonlyArray<Loose<I>>
    : T extends object
      ? string extends keyof T
        ? { readonly [key: string]: Loose<T[keyof T]> }
        : { readonly [K in keyof T]?: Loose<T[K]> }
      : T;
