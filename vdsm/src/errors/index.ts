export { ERRORS, type ErrorName, type ErrorSpec } from './codes.js';
export { mapExecErrors, vdsmErrorFromExec } from './exec-error.js';
export { notImplemented, VdsmError } from './vdsm-error.js';
