/**
 * JSON-RPC 2.0 envelopes: reading one request object and writing replies. Replies are compact JSON with keys in
 * the order `jsonrpc, id, result|error`, as upstream writes them.
 */

import { RawJson } from '../../common/raw-json.js';
import { ERRORS, type ErrorName } from '../../errors/codes.js';
import { stringifySafe } from './deep-json.js';

/** Any JSON value may be a request id; it is echoed back unchanged. */
export type RequestId = unknown;

export interface RequestEnvelope {
  readonly id: RequestId;
  /** False for notifications (no `id` member): they get no reply. */
  readonly hasId: boolean;
  readonly method: string;
  readonly params: unknown;
}

export interface ErrorObject {
  readonly code: number;
  readonly message: string;
}

/** A request that cannot be read; it becomes an error reply with the id if one could be read. */
export class EnvelopeError {
  constructor(
    readonly id: RequestId,
    readonly hasId: boolean,
    readonly error: ErrorObject,
  ) {}
}

/** Python-repr style rendering of a small context dict, as upstream's error texts carry: `{'method': 'X'}`. */
export function pyDict(context: Readonly<Record<string, string | number>>): string {
  const parts = Object.entries(context).map(([k, v]) => `${pyStr(k)}: ${typeof v === 'number' ? v : pyStr(v)}`);
  return `{${parts.join(', ')}}`;
}

function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escaped = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

export function errorObject(name: ErrorName, context?: Readonly<Record<string, string | number>>): ErrorObject {
  const spec = ERRORS[name];
  return { code: spec.code, message: context === undefined ? spec.message : `${spec.message}: ${pyDict(context)}` };
}

function invalid(id: RequestId, hasId: boolean, reason: string): EnvelopeError {
  return new EnvelopeError(id, hasId, errorObject('InvalidRequest', { reason }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one element of a message (a request object, or anything else a client sent). */
export function readRequest(value: unknown): RequestEnvelope | EnvelopeError {
  if (!isObject(value)) return invalid(null, true, 'request is not an object');
  const hasId = Object.hasOwn(value, 'id');
  const id = hasId ? value.id : null;
  if (value.jsonrpc !== '2.0') return invalid(id, hasId, 'Wrong protocol version');
  if (typeof value.method !== 'string' || value.method === '')
    return invalid(id, hasId, 'missing method header in method');
  const params = value.params;
  if (params !== undefined && !Array.isArray(params) && !isObject(params))
    return invalid(id, hasId, 'wrong params type');
  return { id, hasId, method: value.method, params };
}

/**
 * The reply to a call; a RawJson result is spliced in as the JSON text it already is, `undefined` is sent as
 * null. Throws if the result cannot be encoded.
 */
export function resultReply(id: RequestId, result: unknown): string {
  const body = result instanceof RawJson ? result.text : JSON.stringify(result ?? null);
  return `{"jsonrpc":"2.0","id":${encodeId(id)},"result":${body}}`;
}

export function errorReply(id: RequestId, error: ErrorObject): string {
  return `{"jsonrpc":"2.0","id":${encodeId(id)},"error":${JSON.stringify({ code: error.code, message: error.message })}}`;
}

/** The id as JSON text; any id JSON.parse produced can be written back, however deeply nested. */
function encodeId(id: RequestId): string {
  if (typeof id === 'string') return JSON.stringify(id);
  if (typeof id === 'number') return Number.isFinite(id) ? String(id) : 'null';
  return stringifySafe(id ?? null);
}
