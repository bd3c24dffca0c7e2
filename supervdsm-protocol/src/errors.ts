/** Every failure supervdsmd reports has one of these codes; the client raises them as SupervdsmError. */
export const SUPERVDSM_ERRORS = {
  BAD_REQUEST: 'malformed request',
  UNKNOWN_OPERATION: 'no such operation',
  VERSION_MISMATCH: 'protocol version not supported',
  INVALID_PARAMS: 'invalid parameters',
  PERMISSION_DENIED: 'caller is not allowed',
  TIMEOUT: 'operation timed out',
  BUSY: 'too many requests in flight on this connection',
  COMMAND_FAILED: 'external command failed',
  NOT_AVAILABLE: 'facility not available on this host',
  NOT_IMPLEMENTED: 'operation not implemented',
  INTERNAL: 'internal error',
  CONNECTION: 'broken communication with supervdsm',
} as const;

export type SupervdsmErrorCode = keyof typeof SUPERVDSM_ERRORS;

export class SupervdsmError extends Error {
  override readonly name = 'SupervdsmError';
  constructor(
    readonly code: SupervdsmErrorCode,
    message: string,
    readonly op?: string,
  ) {
    super(message);
  }
}

export function isSupervdsmErrorCode(value: unknown): value is SupervdsmErrorCode {
  return typeof value === 'string' && Object.hasOwn(SUPERVDSM_ERRORS, value);
}
