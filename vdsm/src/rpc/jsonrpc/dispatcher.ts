/**
 * JSON-RPC dispatch behind the transports: parses a message, answers batches, looks the method up in a table,
 * validates parameters with the method's precompiled validator, runs it and shapes the reply.
 *
 * Differences from upstream, on purpose: a batch of two or more gets an array reply (upstream drops it), and an
 * invalid request whose id can be read gets its error under that id (upstream always uses null). Requests without
 * an id are not run and get no reply, as upstream.
 */
import type { Logger } from '@vdsm-ts/common/logging';
import type { MethodEntry } from '../../common/rpc-method.js';
import { VdsmError } from '../../errors/vdsm-error.js';
import type { JsonRpcEndpoint, RequestContext } from '../endpoint.js';
import { LogLimiter } from '../log-limiter.js';
import { countBatchElements } from './batch-scan.js';
import {
  EnvelopeError,
  type ErrorObject,
  errorObject,
  errorReply,
  type RequestEnvelope,
  readRequest,
  resultReply,
} from './envelope.js';

export type { CallContext, MethodEntry } from '../../common/rpc-method.js';

export interface DispatcherOptions {
  readonly methods: ReadonlyMap<string, MethodEntry>;
  readonly logger: Logger;
  /** Whether requests are served now; before that every request is answered with code 99. Default false. */
  readonly ready?: boolean;
  /**
   * Calls allowed to run at once; beyond that a call is answered with code 1100 at once. Default 80, upstream's
   * bound (8 workers × 10 queued tasks).
   */
  readonly maxInFlight?: number;
  /** Requests in one batch; a longer batch gets one InvalidRequest error and none of it runs. Default 100. */
  readonly maxBatchSize?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 80;
export const DEFAULT_MAX_BATCH_SIZE = 100;

export class Dispatcher implements JsonRpcEndpoint {
  private readonly methods: ReadonlyMap<string, MethodEntry>;
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  private readonly maxBatchSize: number;
  private readonly limitedLog: LogLimiter;
  private ready: boolean;
  private inFlight = 0;

  constructor(options: DispatcherOptions) {
    this.methods = options.methods;
    this.logger = options.logger;
    this.limitedLog = new LogLimiter(options.logger);
    this.ready = options.ready ?? false;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  }

  setReady(ready: boolean): void {
    this.ready = ready;
  }

  isReady(): boolean {
    return this.ready;
  }

  screen(chunks: readonly Uint8Array[], length: number, context: RequestContext): string | undefined {
    // a batch longer than the limit needs at least two bytes per element: shorter bodies skip the scan
    if (length <= 2 * this.maxBatchSize) return undefined;
    if (countBatchElements(chunks, this.maxBatchSize) <= this.maxBatchSize) return undefined;
    return this.batchTooLarge(context);
  }

  async handle(body: string, context: RequestContext): Promise<string | undefined> {
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      return errorReply(null, errorObject('ParseError'));
    }
    if (!Array.isArray(message)) return this.one(message, context);
    if (message.length === 0)
      return errorReply(null, errorObject('InvalidRequest', { reason: 'request batch is empty' }));
    if (message.length === 1) return this.one(message[0], context);
    if (message.length > this.maxBatchSize) return this.batchTooLarge(context);
    const replies = await Promise.all(message.map((element) => this.one(element, context)));
    const sent = replies.filter((r): r is string => r !== undefined);
    return sent.length === 0 ? undefined : `[${sent.join(',')}]`;
  }

  private batchTooLarge(context: RequestContext): string {
    this.limitedLog.warn(
      'batch-too-large',
      { peer: context.peer, limit: this.maxBatchSize },
      'batch too large refused',
    );
    return errorReply(
      null,
      errorObject('InvalidRequest', { reason: `batch of more than ${this.maxBatchSize} requests` }),
    );
  }

  private async one(element: unknown, context: RequestContext): Promise<string | undefined> {
    const request = readRequest(element);
    if (request instanceof EnvelopeError) {
      // An invalid request is answered even without an id: the client cannot know it was not understood otherwise.
      return errorReply(request.id, request.error);
    }
    if (!request.hasId) {
      this.logger.debug({ method: request.method, peer: context.peer }, 'request without id ignored');
      return undefined;
    }
    if (!this.ready) return errorReply(request.id, errorObject('Recovering'));
    const entry = this.methods.get(request.method);
    if (entry === undefined) {
      return errorReply(request.id, errorObject('MethodNotFound', { method: request.method }));
    }
    if (this.inFlight >= this.maxInFlight) {
      this.limitedLog.warn(
        'in-flight',
        { method: request.method, inFlight: this.inFlight },
        'too many calls in flight',
      );
      return errorReply(
        request.id,
        errorObject('ResourceExhausted', {
          resource: 'jsonrpc',
          current_tasks: this.inFlight,
          reason: 'Too many tasks',
        }),
      );
    }
    this.inFlight++;
    try {
      return await this.call(entry, request, context);
    } finally {
      this.inFlight--;
    }
  }

  private async call(entry: MethodEntry, request: RequestEnvelope, context: RequestContext): Promise<string> {
    const { id, method } = request;
    const debug = this.logger.isLevelEnabled('debug');
    if (debug) this.logger.debug({ method, peer: context.peer, flowId: context.flowId }, 'calling');
    let result: unknown;
    try {
      const args = entry.validate(request.params);
      result = await entry.run(args, { ...context, method });
    } catch (error) {
      return errorReply(id, this.failure(method, error));
    }
    try {
      const reply = resultReply(id, entry.reply === true ? true : result);
      if (debug) this.logger.debug({ method }, 'returned');
      return reply;
    } catch (error) {
      this.logger.error({ method, err: error }, 'result cannot be encoded');
      return errorReply(id, errorObject('InternalError', { reason: `result of ${method} cannot be encoded` }));
    }
  }

  private failure(method: string, error: unknown): ErrorObject {
    if (error instanceof VdsmError) {
      this.logger.info({ method, code: error.code }, error.message);
      return { code: error.code, message: error.message };
    }
    this.logger.error({ method, err: error }, 'unexpected error');
    const reason = error instanceof Error ? error.message : String(error);
    return errorObject('InternalError', { reason });
  }
}
