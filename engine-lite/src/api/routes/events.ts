import type { FastifyPluginAsync } from 'fastify';
import { events } from '../../db/repo/events.js';
import type { Engine } from '../../engine.js';
import { present } from '../present.js';
import { refOut } from '../schemas.js';

const event = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    href: { type: 'string' },
    time: { type: 'string' },
    severity: { type: 'string' },
    code: { type: 'string' },
    description: { type: 'string' },
    host: refOut,
    vm: refOut,
  },
} as const;

export function eventRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { max?: string; from?: string } }>(
      '/events',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'The audit log, newest first',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              max: { type: 'string', pattern: '^[0-9]{1,5}$' },
              from: { type: 'string', pattern: '^[0-9]{1,12}$' },
            },
          },
          response: { 200: { type: 'object', properties: { event: { type: 'array', items: event } } } },
        },
      },
      async (request) => ({
        event: (await events.list(engine.db, Number(request.query.max ?? 100), Number(request.query.from ?? 0))).map(
          present.event,
        ),
      }),
    );
  };
}
