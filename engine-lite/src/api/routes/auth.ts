/** POST /ovirt-engine/sso/oauth/token: oVirt's password grant (form or JSON) → a bearer token. */
import type { FastifyPluginAsync } from 'fastify';
import { login } from '../../auth/principal.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { fault } from '../schemas.js';

interface TokenBody {
  grant_type: 'password';
  username: string;
  password: string;
  scope?: string;
}

export function authRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    app.post<{ Body: TokenBody }>(
      '/ovirt-engine/sso/oauth/token',
      {
        config: { access: 'public' },
        schema: {
          summary: 'Log in with a user name and password; returns a bearer token',
          security: [],
          body: {
            type: 'object',
            required: ['grant_type', 'username', 'password'],
            additionalProperties: false,
            properties: {
              grant_type: { type: 'string', enum: ['password'] },
              username: { type: 'string', minLength: 1 },
              password: { type: 'string', minLength: 1 },
              scope: { type: 'string' },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                access_token: { type: 'string' },
                token_type: { type: 'string' },
                exp: { type: 'string' },
              },
            },
            400: fault,
            401: fault,
          },
        },
      },
      async (request) => {
        const session = await login(engine.db, request.body.username, request.body.password);
        if (session === undefined) throw new EngineError('UNAUTHENTICATED', 'wrong user name or password');
        return {
          access_token: session.token,
          token_type: 'Bearer',
          exp: String(session.expiresAt.getTime()),
        };
      },
    );
  };
}
