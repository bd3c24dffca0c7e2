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

/** id, href and name: the head of every named entity's schema as presented */
export const namedOut = { id: { type: 'string' }, href: { type: 'string' }, name: { type: 'string' } } as const;

/** a compatibility version as presented */
export const versionOut = {
  type: 'object',
  properties: { major: { type: 'integer' }, minor: { type: 'integer' } },
} as const;

/** a compatibility version in a request body */
export const versionIn = {
  type: 'object',
  required: ['major', 'minor'],
  additionalProperties: false,
  properties: { major: { type: 'integer', minimum: 4 }, minor: { type: 'integer', minimum: 0 } },
} as const;

/** a free-text description in a request body */
export const description = { type: 'string', maxLength: 4000 } as const;

/** memory, CPU topology, OS and display as presented (VMs and the templates they come from) */
export const machineOut = {
  memory: { type: 'number' },
  cpu: {
    type: 'object',
    properties: {
      topology: {
        type: 'object',
        properties: { sockets: { type: 'integer' }, cores: { type: 'integer' }, threads: { type: 'integer' } },
      },
    },
  },
  os: {
    type: 'object',
    properties: {
      type: { type: 'string' },
      kernel: { type: 'string' },
      initrd: { type: 'string' },
      cmdline: { type: 'string' },
    },
  },
  display: { type: 'object', properties: { type: { type: 'string' } } },
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
