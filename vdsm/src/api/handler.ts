/**
 * Handler tables. Each namespace file declares its handlers statically, as an object keyed by `Namespace.verb`, so
 * the list of implemented verbs is a constant (docs and the method table read it without building any service).
 * A handler gets the services of its table, the arguments its verb's validator produced (checked against the
 * schema, defaults filled in) typed from the generated schema types, and must return the verb's wire result type;
 * so a handler that drifts from the schema does not compile. The one cast from the generic record lives here.
 */
import type { RawJson } from '../common/raw-json.js';
import type { CallContext } from '../common/rpc-method.js';
import type { ApiParams, ApiResults } from '../schema/api-types.generated.js';

export type { CallContext };

export type Method = keyof ApiParams & keyof ApiResults;

/**
 * What a handler may return: the result type (or that result already serialized, as RawJson), or nothing for verbs
 * that answer `true`.
 */
export type Returns<M extends Method> = ApiResults[M] extends true
  ? undefined | true
  : ApiResults[M] | RawJson<ApiResults[M]>;

export type HandlerFn<D, M extends Method> = (
  deps: D,
  params: ApiParams[M],
  context: CallContext,
) => Returns<M> | Promise<Returns<M>>;

/** A namespace's implemented verbs; `D` is what its handlers need from the services. */
export type Handlers<D> = { readonly [M in Method]?: HandlerFn<D, M> };

/** A handler bound to its services, as the method table runs it. */
export type BoundHandler = (args: Record<string, unknown>, context: CallContext) => unknown;

/** Binds every handler of a table to its services. */
export function bind<D>(table: Handlers<D>, deps: D): Array<[string, BoundHandler]> {
  // Each handler takes its own verb's params; the validator of that verb made `args`, so the cast is the schema's.
  return Object.entries(table).map(([method, fn]) => {
    const handler = fn as (deps: D, params: never, context: CallContext) => unknown;
    return [method, (args, context) => handler(deps, args as never, context)];
  });
}
