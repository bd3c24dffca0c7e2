import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { type Cluster, clusters } from '../../db/repo/clusters.js';
import { events } from '../../db/repo/events.js';
import type { Engine } from '../../engine.js';
import { CPU_TYPES } from '../../hosts/cpu.js';
import { principal } from '../access.js';
import type { NewCluster } from '../bodies.js';
import { duplicate } from '../db-errors.js';
import { present } from '../present.js';
import { resolveRef } from '../refs.js';
import { description, name, namedOut, ref, refOut, versionIn, versionOut } from '../schemas.js';
import { registerCrud } from './crud.js';

const cluster = {
  type: 'object',
  properties: {
    ...namedOut,
    description: { type: 'string' },
    cpu: { type: 'object', properties: { type: { type: 'string' } } },
    version: versionOut,
    data_center: refOut,
  },
} as const;

export function clusterRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    registerCrud<Cluster, NewCluster>(app, {
      path: '/clusters',
      noun: 'cluster',
      collection: 'cluster',
      schema: cluster,
      present: present.cluster,
      read: 'authenticated',
      list: { summary: 'List clusters', load: () => clusters.list(db) },
      get: (id) => clusters.get(db, id),
      create: {
        summary: 'Add a cluster to a data center',
        body: {
          type: 'object',
          required: ['name', 'data_center', 'cpu'],
          additionalProperties: false,
          properties: {
            name,
            description,
            data_center: ref,
            cpu: {
              type: 'object',
              required: ['type'],
              additionalProperties: false,
              properties: { type: { type: 'string', enum: CPU_TYPES.map((t) => t.name) } },
            },
            version: versionIn,
          },
        },
        insert: async (request) => {
          const body = request.body;
          const dc = await resolveRef.dataCenter(db, 'body.data_center', body.data_center);
          const created = await clusters
            .insert(db, {
              id: randomUUID(),
              name: body.name,
              description: body.description ?? '',
              dataCenterId: dc.id,
              cpuType: body.cpu.type,
              compatVersion:
                body.version === undefined ? dc.compatVersion : `${body.version.major}.${body.version.minor}`,
            })
            .catch((err: unknown) => {
              throw duplicate(err, `a cluster named ${body.name} already exists`);
            });
          await events.add(db, {
            severity: 'normal',
            code: 'CLUSTER_ADDED',
            message: `Cluster ${created.name} was added to data center ${dc.name}`,
            clusterId: created.id,
            userId: principal(request).userId,
          });
          return created;
        },
      },
      remove: (request) => clusters.remove(db, request.params.id),
      inUse: 'cluster still has hosts, VMs or templates',
    });
  };
}
