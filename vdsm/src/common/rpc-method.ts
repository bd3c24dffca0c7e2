/**
 * The types shared by the API layer (which builds the method table) and the JSON-RPC dispatcher (which runs it).
 * They live here so that neither layer imports the other: main.ts hands api's table to rpc's dispatcher.
 */

export type Transport = 'stomp' | 'websocket';

export interface RequestContext {
  readonly transport: Transport;
  /** Remote address:port, for logs. */
  readonly peer: string;
  /** STOMP `ovirtCorrelationId` header (the engine's flow id), for logs only. */
  readonly flowId?: string;
}

/** Context a method receives besides its arguments. */
export interface CallContext extends RequestContext {
  readonly method: string;
}

export interface MethodEntry {
  /** Checks and defaults the params; throws VdsmError (e.g. InvalidParams) on a bad request. */
  readonly validate: (params: unknown) => Record<string, unknown>;
  readonly run: (args: Record<string, unknown>, context: CallContext) => unknown;
  /** `true` for verbs that answer `true` whatever the method returns; 'value' to send what it returns. */
  readonly reply: true | 'value';
}
