/**
 * The REST API, shaped like oVirt's /ovirt-engine/api: one route file per resource with its schemas, JSON bodies,
 * bearer tokens from /ovirt-engine/sso/oauth/token, oVirt-style faults, and an OpenAPI document built from the
 * route schemas (GET /ovirt-engine/api/openapi.json).
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Engine } from '../engine.js';
import { EngineError } from '../errors.js';
import { registerAccess } from './access.js';
import { API } from './present.js';
import { authRoutes } from './routes/auth.js';
import { clusterRoutes } from './routes/clusters.js';
import { datacenterRoutes } from './routes/datacenters.js';
import { diskRoutes } from './routes/disks.js';
import { eventRoutes } from './routes/events.js';
import { hostRoutes } from './routes/hosts.js';
import { storageDomainRoutes } from './routes/storagedomains.js';
import { templateRoutes } from './routes/templates.js';
import { userRoutes } from './routes/users.js';
import { vmRoutes } from './routes/vms.js';
import { formatValidationErrors } from './validation.js';

export async function buildApi(engine: Engine, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...options,
    // unknown fields are errors, not silently dropped; no type coercion of bodies
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    schemaErrorFormatter: formatValidationErrors,
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'engine-lite',
        description: 'A thin oVirt engine (subset of /ovirt-engine/api)',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  registerAccess(app, engine.db);
  app.setErrorHandler((error: FastifyError | EngineError, _request, reply) => {
    if (error instanceof EngineError) {
      return reply.status(error.status).send({ fault: { reason: error.code, detail: error.message } });
    }
    if (error.validation !== undefined) {
      return reply.status(400).send({ fault: { reason: 'BAD_REQUEST', detail: error.message } });
    }
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) app.log.error({ err: error }, 'request failed');
    return reply
      .status(status)
      .send({ fault: { reason: status === 500 ? 'INTERNAL' : error.code, detail: error.message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ fault: { reason: 'NOT_FOUND', detail: `no route ${request.method} ${request.url}` } }),
  );

  await app.register(authRoutes(engine));
  await app.register(
    async (api) => {
      await api.register(datacenterRoutes(engine));
      await api.register(clusterRoutes(engine));
      await api.register(hostRoutes(engine));
      await api.register(storageDomainRoutes(engine));
      await api.register(vmRoutes(engine));
      await api.register(templateRoutes(engine));
      await api.register(diskRoutes(engine));
      await api.register(eventRoutes(engine));
      await api.register(userRoutes(engine));
      api.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: API },
  );
  return app;
}

export { EngineError };
