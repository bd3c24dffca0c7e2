import type { FastifyPluginAsync } from 'fastify';
import { type Host, hosts } from '../../db/repo/hosts.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { principal } from '../access.js';
import type { NewHost } from '../bodies.js';
import { present } from '../present.js';
import { resolveRef } from '../refs.js';
import { actionResult, errorReplies, idParams, name, namedOut, ref, refOut } from '../schemas.js';
import { registerCrud } from './crud.js';

export const hostSchema = {
  type: 'object',
  properties: {
    ...namedOut,
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

export function hostRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    registerCrud<Host, NewHost>(app, {
      path: '/hosts',
      noun: 'host',
      collection: 'host',
      schema: hostSchema,
      present: present.host,
      read: 'admin',
      list: { summary: 'List hosts', load: () => hosts.list(db) },
      get: (id) => hosts.get(db, id),
      create: {
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
        insert: async (request) => {
          const body = request.body;
          const cluster = await resolveRef.cluster(db, 'body.cluster', body.cluster);
          return engine.hosts.add(
            {
              name: body.name,
              address: body.address,
              port: body.port ?? 54321,
              clusterId: cluster.id,
              tls: body.tls ?? true,
              spmPriority: body.spm?.priority ?? 5,
            },
            principal(request).userId,
          );
        },
        duplicate: (body) => `a host named ${body.name} or at ${body.address}:${body.port ?? 54321} exists`,
      },
      remove: async (request) => {
        await engine.hosts.remove(request.params.id);
        return true;
      },
    });
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
