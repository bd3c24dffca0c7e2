/**
 * Every way a line or a command can be refused, declared once. Both ends count and log these by code;
 * none of them closes the channel.
 */
export const PROTOCOL_ERRORS = {
  GA_ERR_LINE_TOO_LONG: 'line longer than the limit; discarded up to the next newline',
  GA_ERR_EMPTY_LINE: 'empty line',
  GA_ERR_BAD_UTF8: 'line is not valid UTF-8',
  GA_ERR_BAD_JSON: 'line is not valid JSON',
  GA_ERR_NOT_OBJECT: 'line is not a JSON object',
  GA_ERR_NO_NAME: 'object has no string __name__',
  GA_ERR_UNKNOWN_NAME: 'unknown message or command name',
  GA_ERR_BAD_ARGS: 'invalid arguments',
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

export interface ProtocolError {
  readonly code: ProtocolErrorCode;
  /** the table's message, plus detail when there is some */
  readonly message: string;
}

export function protocolError(code: ProtocolErrorCode, detail?: string): ProtocolError {
  return { code, message: detail === undefined ? PROTOCOL_ERRORS[code] : `${PROTOCOL_ERRORS[code]}: ${detail}` };
}
