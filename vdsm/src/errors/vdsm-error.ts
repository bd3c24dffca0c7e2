import { ERRORS, type ErrorName } from './codes.js';

/** An error with a stable code from the error table; the dispatcher turns it into `{code, message}`. */
export class VdsmError extends Error {
  readonly code: number;
  readonly errorName: ErrorName;

  /** `detail` gives context, appended to the table's message after ': '. */
  constructor(name: ErrorName, detail?: string, options?: ErrorOptions) {
    const spec = ERRORS[name];
    super(detail === undefined || detail === '' ? spec.message : `${spec.message}: ${detail}`, options);
    this.name = 'VdsmError';
    this.code = spec.code;
    this.errorName = name;
  }
}

export function notImplemented(method: string): VdsmError {
  return new VdsmError('NotImplemented', `${method} is not implemented by vdsm-ts yet`);
}
