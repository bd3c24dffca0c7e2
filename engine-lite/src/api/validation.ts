/** Schema failures → one message that names the field (`body.memory: must be integer`). */
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { EngineError } from '../errors.js';

function field(dataVar: string, e: FastifySchemaValidationError): string {
  const path = `${dataVar}${e.instancePath.replaceAll('/', '.')}`;
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty !== undefined) return `${path}.${params.missingProperty}`;
  if (params.additionalProperty !== undefined) return `${path}.${params.additionalProperty}`;
  return path;
}

export function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0];
  if (e === undefined) return new EngineError('BAD_REQUEST', `invalid ${dataVar}`);
  const params = e.params as { additionalProperty?: string };
  const message = params.additionalProperty !== undefined ? 'unknown field' : (e.message ?? 'is invalid');
  const error = new EngineError('BAD_REQUEST', `${field(dataVar, e)}: ${message}`);
  return error;
}
