import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { type DataCenter, dataCenters } from '../../db/repo/datacenters.js';
import { events } from '../../db/repo/events.js';
import { networks } from '../../db/repo/networks.js';
import type { Engine } from '../../engine.js';
import { principal } from '../access.js';
import type { NewDataCenter } from '../bodies.js';
import { present } from '../present.js';
import {
  description,
  errorReplies,
  idParams,
  name,
  namedOut,
  refOut,
  uuid,
  versionIn,
  versionOut,
} from '../schemas.js';
import { registerCrud } from './crud.js';
import { storageDomainSchema } from './storagedomains.js';

const dataCenter = {
  type: 'object',
  properties: {
    ...namedOut,
    description: { type: 'string' },
    status: { type: 'string' },
    version: versionOut,
    master_storage_domain: refOut,
  },
} as const;

const network = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    vlan: { type: ['integer', 'null'] },
    mtu: { type: 'integer' },
    data_center: refOut,
  },
} as const;

export function datacenterRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    registerCrud<DataCenter, NewDataCenter>(app, {
      path: '/datacenters',
      noun: 'data center',
      collection: 'data_center',
      schema: dataCenter,
      present: present.datacenter,
      read: 'authenticated',
      list: { summary: 'List data centers', load: () => dataCenters.list(db) },
      get: (id) => dataCenters.get(db, id),
      create: {
        summary: 'Add a data center (with its ovirtmgmt logical network)',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name,
            description,
            version: versionIn,
          },
        },
        insert: (request) =>
          db.transaction(async (tx) => {
            const body = request.body;
            const created = await dataCenters.insert(tx, {
              id: randomUUID(),
              name: body.name,
              description: body.description ?? '',
              compatVersion: body.version === undefined ? '4.7' : `${body.version.major}.${body.version.minor}`,
            });
            await networks.insert(tx, {
              id: randomUUID(),
              name: 'ovirtmgmt',
              dataCenterId: created.id,
              vlanId: null,
              mtu: 1500,
              vmNetwork: true,
            });
            await events.add(tx, {
              severity: 'normal',
              code: 'DATACENTER_ADDED',
              message: `Data center ${created.name} was added`,
              dataCenterId: created.id,
              userId: principal(request).userId,
            });
            return created;
          }),
        duplicate: (body) => `a data center named ${body.name} already exists`,
      },
      remove: (request) => dataCenters.remove(db, request.params.id),
      inUse: 'data center still has clusters or storage domains',
    });
    app.post<{ Params: { id: string }; Body: { id: string } }>(
      '/datacenters/:id/storagedomains',
      {
        config: { access: 'admin' },
        schema: {
          summary:
            'Attach a file storage domain: connect every Up host, create it and the pool (as master), connect the pool',
          params: idParams,
          body: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: uuid } },
          response: { 201: storageDomainSchema, ...errorReplies },
        },
      },
      async (request, reply) => {
        const sd = await engine.pools.attach(request.params.id, request.body.id, principal(request).userId);
        return reply.status(201).send(present.storageDomain(sd));
      },
    );
    app.get<{ Params: { id: string } }>(
      '/datacenters/:id/networks',
      {
        config: { access: 'authenticated' },
        schema: {
          params: idParams,
          response: { 200: { type: 'object', properties: { network: { type: 'array', items: network } } } },
        },
      },
      async (request) => ({
        network: (await networks.listByDataCenter(db, request.params.id)).map((n) => ({
          id: n.id,
          name: n.name,
          vlan: n.vlanId,
          mtu: n.mtu,
          data_center: { id: n.dataCenterId, href: `/ovirt-engine/api/datacenters/${n.dataCenterId}` },
        })),
      }),
    );
  };
}
