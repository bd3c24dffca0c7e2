/** JSON schemas shared by the routes (compiled once by fastify when a route is registered). */
export const uuid = { type: 'string', format: 'uuid' } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: uuid },
} as const;

/** `{id}` or `{name}` reference to another entity, as oVirt's REST API takes them. */
export const ref = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { id: uuid, name: { type: 'string', minLength: 1 } },
} as const;

export const refOut = {
  type: 'object',
  properties: { id: { type: 'string' }, href: { type: 'string' } },
} as const;

export const fault = {
  type: 'object',
  properties: {
    fault: {
      type: 'object',
      properties: { reason: { type: 'string' }, detail: { type: 'string' } },
    },
  },
} as const;

export const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\w.@-]+$' } as const;

export const actionResult = {
  type: 'object',
  properties: { status: { type: 'string' } },
} as const;

/** Error replies every authenticated route can give. */
export const errorReplies = { 400: fault, 401: fault, 403: fault, 404: fault, 409: fault, 502: fault } as const;
