/** PostgreSQL constraint violations (SQLSTATE codes, same from PGlite and pg) → 409 with a readable message. */
import { EngineError } from '../errors.js';

function sqlState(err: unknown): unknown {
  return err !== null && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
}

/** foreign_key_violation (23503): the row is still referenced, or references a missing row. */
export function inUse(err: unknown, message: string): unknown {
  return sqlState(err) === '23503' ? new EngineError('CONFLICT', message) : err;
}

/** unique_violation (23505) */
export function duplicate(err: unknown, message: string): unknown {
  return sqlState(err) === '23505' ? new EngineError('CONFLICT', message) : err;
}
