import type { FastifyPluginAsync } from 'fastify';
import { hosts } from '../../db/repo/hosts.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { principal } from '../access.js';
import { duplicate } from '../db-errors.js';
import { present } from '../present.js';
import { type Ref, resolveRef } from '../refs.js';
import { actionResult, errorReplies, idParams, name, ref, refOut } from '../schemas.js';

export const hostSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    href: { type: 'string' },
    name: { type: 'string' },
    address: { type: 'string' },
    port: { type: 'integer' },
    status: { type: 'string' },
    status_detail: { type: 'string' },
    spm: { type: 'object', properties: { priority: { type: 'integer' }, status: { type: 'string' } } },
    cpu: { type: 'object', properties: { name: { type: 'string' }, threads: { type: 'integer' } } },
    memory: { type: 'number' },
    free_memory: { type: 'number' },
    cpu_usage_percent: { type: 'number' },
    vm_count: { type: 'integer' },
    pool_host_id: { type: 'integer' },
    version: { type: 'string' },
    tls: { type: 'boolean' },
    last_seen: { type: 'string' },
    cluster: refOut,
  },
} as const;

interface NewHostBody {
  name: string;
  address: string;
  port?: number;
  cluster: Ref;
  tls?: boolean;
  spm?: { priority: number };
}

export function hostRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    app.get(
      '/hosts',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'List hosts',
          response: { 200: { type: 'object', properties: { host: { type: 'array', items: hostSchema } } } },
        },
      },
      async () => ({ host: (await hosts.list(db)).map(present.host) }),
    );
    app.get<{ Params: { id: string } }>(
      '/hosts/:id',
      { config: { access: 'admin' }, schema: { params: idParams, response: { 200: hostSchema, ...errorReplies } } },
      async (request) => {
        const host = await hosts.get(db, request.params.id);
        if (host === undefined) throw new EngineError('NOT_FOUND', `host ${request.params.id} does not exist`);
        return present.host(host);
      },
    );
    app.post<{ Body: NewHostBody }>(
      '/hosts',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Add a host by address; it goes Installing → Initializing → Up once its vdsmd answers',
          body: {
            type: 'object',
            required: ['name', 'address', 'cluster'],
            additionalProperties: false,
            properties: {
              name,
              address: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\w.:-]+$' },
              port: { type: 'integer', minimum: 1, maximum: 65535 },
              cluster: ref,
              tls: { type: 'boolean' },
              spm: {
                type: 'object',
                required: ['priority'],
                additionalProperties: false,
                properties: { priority: { type: 'integer', minimum: -1, maximum: 10 } },
              },
            },
          },
          response: { 201: hostSchema, ...errorReplies },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const cluster = await resolveRef.cluster(db, 'body.cluster', body.cluster);
        const host = await engine.hosts
          .add(
            {
              name: body.name,
              address: body.address,
              port: body.port ?? 54321,
              clusterId: cluster.id,
              tls: body.tls ?? true,
              spmPriority: body.spm?.priority ?? 5,
            },
            principal(request).userId,
          )
          .catch((err: unknown) => {
            throw duplicate(err, `a host named ${body.name} or at ${body.address}:${body.port ?? 54321} exists`);
          });
        return reply.status(201).send(present.host(host));
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/hosts/:id',
      { config: { access: 'admin' }, schema: { params: idParams, response: errorReplies } },
      async (request, reply) => {
        await engine.hosts.remove(request.params.id);
        return reply.status(200).send();
      },
    );
    const action = (verb: 'activate' | 'deactivate', summary: string) =>
      app.post<{ Params: { id: string } }>(
        `/hosts/:id/${verb}`,
        {
          config: { access: 'admin' },
          schema: { summary, params: idParams, response: { 200: actionResult, ...errorReplies } },
        },
        async (request) => {
          await engine.hosts[verb](request.params.id);
          return { status: 'complete' };
        },
      );
    action('activate', 'Activate the host (capabilities, CPU check, then Up)');
    action('deactivate', 'Switch the host to Maintenance (refused while VMs run there)');
    app.post<{ Params: { id: string } }>(
      '/hosts/:id/enroll',
      {
        config: { access: 'admin' },
        schema: {
          summary: "Issue the host's vdsm certificate from the engine CA (install in /etc/pki/vdsm)",
          params: idParams,
          response: {
            200: {
              type: 'object',
              properties: {
                'keys/vdsmkey.pem': { type: 'string' },
                'certs/vdsmcert.pem': { type: 'string' },
                'certs/cacert.pem': { type: 'string' },
              },
            },
            ...errorReplies,
          },
        },
      },
      async (request) => {
        const host = await hosts.get(db, request.params.id);
        if (host === undefined) throw new EngineError('NOT_FOUND', `host ${request.params.id} does not exist`);
        const issued = await engine.ca.issueHost(host.address);
        return { 'keys/vdsmkey.pem': issued.key, 'certs/vdsmcert.pem': issued.cert, 'certs/cacert.pem': issued.ca };
      },
    );
  };
}
