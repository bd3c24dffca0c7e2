import type { Config } from '@vdsm-ts/common/config';
import type { Logging } from '@vdsm-ts/common/logging';
import { SupervdsmError, type SupervdsmErrorCode } from '@vdsm-ts/supervdsm-protocol/errors';
import { isOperationName, OPERATIONS, type OperationName } from '@vdsm-ts/supervdsm-protocol/operations';
import { PROTOCOL_VERSION, type Response } from '@vdsm-ts/supervdsm-protocol/protocol';
import type { Audit } from './audit.js';
import type { OpContext, OpHandler } from './ops/handler.js';
import type { PeerCred } from './peer.js';

/**
 * One request body in, one response out: parse, check version and operation, run the handler under the
 * operation's time limit, audit what changes the host. Never throws; every failure is a response with a code.
 */

export type Handlers = { readonly [K in OperationName]: OpHandler<K> };

interface ParsedRequest {
  readonly id: number;
  readonly op: OperationName;
  readonly params: unknown;
  readonly timeoutMs: number;
}

const fail = (id: number | null, code: SupervdsmErrorCode, message: string, op?: string): Response => ({
  id,
  ok: false,
  error: op === undefined ? { code, message } : { code, message, op },
});

/** Returns the request, or the response that refuses it. */
export function parseRequest(body: Buffer): ParsedRequest | Response {
  let message: unknown;
  try {
    message = JSON.parse(body.toString('utf8'));
  } catch {
    return fail(null, 'BAD_REQUEST', 'request is not valid JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return fail(null, 'BAD_REQUEST', 'request must be a JSON object');
  const { v, id, op, params, timeoutMs } = message as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
    return fail(null, 'BAD_REQUEST', 'request id must be a non-negative integer');
  if (v !== PROTOCOL_VERSION)
    return fail(
      id,
      'VERSION_MISMATCH',
      `protocol version ${JSON.stringify(v)} is not supported (this is ${PROTOCOL_VERSION})`,
    );
  if (!isOperationName(op)) return fail(id, 'UNKNOWN_OPERATION', `no operation ${JSON.stringify(op)}`);
  const limit = OPERATIONS[op].timeoutMs;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1))
    return fail(id, 'BAD_REQUEST', 'timeoutMs must be a positive integer', op);
  return { id, op, params, timeoutMs: Math.min(limit, (timeoutMs as number | undefined) ?? limit) };
}

export interface DispatcherDeps {
  readonly config: Config;
  readonly logging: Logging;
  readonly audit: Audit;
  readonly handlers: Handlers;
}

export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /** `gone` aborts when the caller disconnects: read-only work stops, changes to the host run to the end. */
  async handle(body: Buffer, peer: PeerCred, gone: AbortSignal): Promise<Response> {
    const parsed = parseRequest(body);
    if ('ok' in parsed) return parsed;
    const { id, op, params, timeoutMs } = parsed;
    const spec = OPERATIONS[op];
    const started = performance.now();
    const controller = new AbortController();
    const timeout = new SupervdsmError('TIMEOUT', `${op} did not finish within ${timeoutMs} ms`, op);
    const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
    const onGone = (): void => controller.abort(new SupervdsmError('CONNECTION', 'caller disconnected', op));
    if (!spec.mutates) gone.addEventListener('abort', onGone, { once: true });
    const context: OpContext = {
      signal: controller.signal,
      timeoutMs,
      config: this.deps.config,
      log: this.deps.logging.get(`ops.${spec.area}`),
    };
    let response: Response;
    try {
      const handler = this.deps.handlers[op] as (params: unknown, context: OpContext) => Promise<unknown>;
      const result = await Promise.race([handler(params, context), rejectOnAbort(controller.signal)]);
      response = { id, ok: true, result: result ?? null };
    } catch (err) {
      response = fail(id, ...describeError(err), op);
    } finally {
      clearTimeout(timer);
      gone.removeEventListener('abort', onGone);
      // Whatever the handler still runs (a command past its timeout) is killed.
      if (!controller.signal.aborted) controller.abort(timeout);
    }
    const durationMs = Math.round(performance.now() - started);
    if (spec.mutates) {
      this.deps.audit.record({
        op,
        params,
        peer,
        durationMs,
        ...(response.ok
          ? { outcome: 'ok' }
          : { outcome: 'error', code: response.error.code, message: response.error.message }),
      });
    }
    return response;
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function describeError(err: unknown): [SupervdsmErrorCode, string] {
  if (err instanceof SupervdsmError) return [err.code, err.message];
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (errno === 'EACCES' || errno === 'EPERM') return ['PERMISSION_DENIED', message];
  return ['INTERNAL', message];
}
