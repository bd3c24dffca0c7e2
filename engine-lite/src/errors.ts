/** engine-lite's errors: one table of codes, each with its HTTP status (fastify's lib/errors.js shape). */
export const ERRORS = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NO_HOST: 409,
  HOST_CALL_FAILED: 502,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ERRORS[this.code];
  }
}
