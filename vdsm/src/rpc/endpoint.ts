/**
 * The seam between the transports (STOMP, WebSocket) and JSON-RPC dispatch. Transports own bytes, framing and
 * routing; the endpoint owns JSON-RPC semantics. Neither side imports the other's internals.
 */

import type { RequestContext } from '../common/rpc-method.js';

export type { RequestContext, Transport } from '../common/rpc-method.js';

export interface JsonRpcEndpoint {
  /**
   * Handles one message body: a request, a batch, or garbage. Resolves to the serialized reply to send back,
   * or undefined when nothing must be sent (only notifications / id-less requests). Never rejects: every
   * failure becomes a JSON-RPC error reply.
   */
  handle(body: string, context: RequestContext): Promise<string | undefined>;
  /**
   * Optional look at a message before it is joined and decoded: the reply to send instead of handling it (a
   * batch over the size limit), or undefined to go on with `handle`. A huge body refused here never costs a copy.
   */
  screen?(chunks: readonly Uint8Array[], length: number, context: RequestContext): string | undefined;
}

/** Publishes a server-pushed JSON-RPC notification (e.g. `|virt|VM_status|<uuid>`) to every event subscriber. */
export interface EventPublisher {
  publish(method: string, params: Readonly<Record<string, unknown>>): void;
}
