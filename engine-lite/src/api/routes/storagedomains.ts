import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { type StorageDomain, storage } from '../../db/repo/storage.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import type { NewStorageDomain } from '../bodies.js';
import { present } from '../present.js';
import { resolveRef } from '../refs.js';
import { name, namedOut, ref, refOut } from '../schemas.js';
import { registerCrud } from './crud.js';

export const storageDomainSchema = {
  type: 'object',
  properties: {
    ...namedOut,
    type: { type: 'string' },
    storage: { type: 'object', properties: { type: { type: 'string' } } },
    status: { type: 'string' },
    master: { type: 'boolean' },
    data_center: refOut,
  },
} as const;

/**
 * Storage domains are inventory only: attaching them to a pool, creating their metadata on a host and SPM election
 * need vdsm's storage verbs and are not done by engine-lite yet (status stays Unattached).
 */
export function storageDomainRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    registerCrud<StorageDomain, NewStorageDomain>(app, {
      path: '/storagedomains',
      noun: 'storage domain',
      collection: 'storage_domain',
      schema: storageDomainSchema,
      present: present.storageDomain,
      read: 'admin',
      list: { summary: 'List storage domains', load: () => storage.list(db) },
      get: (id) => storage.get(db, id),
      create: {
        summary: 'Record a storage domain and its connection (inventory only)',
        body: {
          type: 'object',
          required: ['name', 'storage'],
          additionalProperties: false,
          properties: {
            name,
            type: { type: 'string', enum: ['data', 'iso', 'export'] },
            storage: {
              type: 'object',
              required: ['type', 'path'],
              additionalProperties: false,
              properties: {
                type: { type: 'string', enum: ['nfs', 'posixfs', 'localfs', 'iscsi', 'glusterfs'] },
                address: { type: 'string', minLength: 1 },
                path: { type: 'string', minLength: 1 },
              },
            },
            data_center: ref,
          },
        },
        insert: async (request) => {
          const body = request.body;
          const dc =
            body.data_center === undefined
              ? undefined
              : await resolveRef.dataCenter(db, 'body.data_center', body.data_center);
          if (body.storage.type === 'nfs' && body.storage.address === undefined) {
            throw new EngineError('BAD_REQUEST', 'body.storage.address: required for nfs');
          }
          const connection =
            body.storage.address === undefined ? body.storage.path : `${body.storage.address}:${body.storage.path}`;
          return db.transaction(async (tx) => {
            const connectionId = randomUUID();
            await storage.insertConnection(tx, { id: connectionId, type: body.storage.type, connection });
            return storage.insert(tx, {
              id: randomUUID(),
              name: body.name,
              dataCenterId: dc?.id ?? null,
              connectionId,
              domainType: body.type ?? 'data',
              storageType: body.storage.type,
            });
          });
        },
        duplicate: (body) => `a storage domain named ${body.name} already exists`,
      },
      remove: (request) => storage.remove(db, request.params.id),
      inUse: 'storage domain still holds disks',
    });
  };
}
