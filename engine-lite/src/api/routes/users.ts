import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { createUser } from '../../auth/principal.js';
import { users } from '../../db/repo/users.js';
import { vms } from '../../db/repo/vms.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { duplicate } from '../db-errors.js';
import { errorReplies, idParams } from '../schemas.js';

interface NewUser {
  user_name: string;
  password: string;
  admin?: boolean;
}

export function userRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    app.post<{ Body: NewUser }>(
      '/users',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Add a user (admin: true grants the system admin role)',
          body: {
            type: 'object',
            required: ['user_name', 'password'],
            additionalProperties: false,
            properties: {
              user_name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\w.@-]+$' },
              password: { type: 'string', minLength: 8, maxLength: 1024 },
              admin: { type: 'boolean' },
            },
          },
          response: {
            201: { type: 'object', properties: { id: { type: 'string' }, user_name: { type: 'string' } } },
            ...errorReplies,
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const id = await createUser(db, body.user_name, body.password, body.admin ?? false).catch((err: unknown) => {
          throw duplicate(err, `user ${body.user_name} already exists`);
        });
        return reply.status(201).send({ id, user_name: body.user_name });
      },
    );
    app.post<{ Params: { id: string }; Body: { user: { name: string }; role: { name: 'UserRole' } } }>(
      '/vms/:id/permissions',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Give a user the UserRole on this VM (see it, start/stop it, open its console)',
          params: idParams,
          body: {
            type: 'object',
            required: ['user', 'role'],
            additionalProperties: false,
            properties: {
              user: {
                type: 'object',
                required: ['name'],
                additionalProperties: false,
                properties: { name: { type: 'string', minLength: 1 } },
              },
              role: {
                type: 'object',
                required: ['name'],
                additionalProperties: false,
                properties: { name: { type: 'string', enum: ['UserRole'] } },
              },
            },
          },
          response: { 201: { type: 'object', properties: { id: { type: 'string' } } }, ...errorReplies },
        },
      },
      async (request, reply) => {
        const vm = await vms.get(db, request.params.id);
        if (vm === undefined) throw new EngineError('NOT_FOUND', `VM ${request.params.id} does not exist`);
        const user = await users.findByName(db, request.body.user.name);
        if (user === undefined)
          throw new EngineError('BAD_REQUEST', `body.user.name: no user ${request.body.user.name}`);
        const id = randomUUID();
        await users.grant(db, { id, userId: user.id, role: 'user', objectType: 'vm', objectId: vm.id });
        return reply.status(201).send({ id });
      },
    );
  };
}
