/**
 * Authentication and permissions, enforced for every route in one onRequest hook: each route declares its access
 * level in `config.access`, and a route without one is refused (so no route can forget).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Principal, principalForToken } from '../auth/principal.js';
import type { Db } from '../db/db.js';
import { EngineError } from '../errors.js';

/** public: no token; authenticated: any user; admin: system admin; vm: admin or `user` role on params.id */
export type Access = 'public' | 'authenticated' | 'admin' | 'vm';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** The caller, once onRequest has authenticated it (every non-public route). */
export function principal(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new EngineError('UNAUTHENTICATED', 'authentication required');
  return request.principal;
}

export function registerAccess(app: FastifyInstance, db: Db): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) {
      // a 404 or a route that forgot its access level: let 404s through, refuse the rest
      if (request.routeOptions.url === undefined) return;
      throw new EngineError('FORBIDDEN', 'route has no access rule');
    }
    if (access === 'public') return;
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (match === null)
      throw new EngineError('UNAUTHENTICATED', 'a bearer token is required (POST /ovirt-engine/sso/oauth/token)');
    const who = await principalForToken(db, match[1]!);
    if (who === undefined) throw new EngineError('UNAUTHENTICATED', 'the token is unknown or expired');
    request.principal = who;
    if (access === 'authenticated' || who.admin) return;
    if (access === 'vm') {
      const id = (request.params as { id?: unknown }).id;
      if (typeof id === 'string' && who.vmIds.has(id)) return;
    }
    throw new EngineError('FORBIDDEN', `user ${who.name} lacks the permission for this operation`);
  });
}
