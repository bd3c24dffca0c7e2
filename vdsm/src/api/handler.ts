/**
 * The shape of a namespace's handler table. A handler gets the arguments the verb's validator produced (checked
 * against the schema, defaults filled in), so the one cast from the generic record to the verb's typed params
 * lives here.
 */
import type { CallContext } from '../rpc/jsonrpc/dispatcher.js';

export type { CallContext };

export type Handler = (args: Record<string, unknown>, context: CallContext) => unknown;

/** Declares a handler with typed params; `P` must match the verb's schema params (the validator ran first). */
export function handler<P extends object, R>(fn: (params: P, context: CallContext) => R | Promise<R>): Handler {
  return (args, context) => fn(args as P, context);
}

/** A namespace's implemented verbs, keyed by verb name (`ping2`, not `Host.ping2`). */
export type HandlerTable = ReadonlyMap<string, Handler>;
