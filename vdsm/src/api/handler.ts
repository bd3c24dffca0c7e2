/**
 * Handler tables. A handler gets the arguments its verb's validator produced (checked against the schema,
 * defaults filled in), typed from the generated schema types, and must return the verb's wire result type; so
 * a handler that drifts from the schema does not compile. The one cast from the generic record lives here.
 */
import type { RawJson } from '../common/raw-json.js';
import type { CallContext } from '../rpc/jsonrpc/dispatcher.js';
import type { ApiParams, ApiResults } from './schema/api-types.generated.js';

export type { CallContext };

export type Handler = (args: Record<string, unknown>, context: CallContext) => unknown;

export type Method = keyof ApiParams & keyof ApiResults;

/**
 * What a handler may return: the result type (or that result already serialized, as RawJson), or nothing for verbs
 * that answer `true`.
 */
type Returns<M extends Method> = ApiResults[M] extends true ? undefined | true : ApiResults[M] | RawJson<ApiResults[M]>;

/** Implemented verbs, keyed by `Namespace.verb`. */
export type HandlerTable = ReadonlyMap<string, Handler>;

/** One table entry: the method and its handler, typed by the method's schema. */
export function implement<M extends Method>(
  method: M,
  fn: (params: ApiParams[M], context: CallContext) => Returns<M> | Promise<Returns<M>>,
): readonly [string, Handler] {
  return [method, (args, context) => fn(args as ApiParams[M], context)];
}
