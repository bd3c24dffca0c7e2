export { ERRORS, type ErrorName, type ErrorSpec } from './codes.js';
export { notImplemented, VdsmError } from './vdsm-error.js';
