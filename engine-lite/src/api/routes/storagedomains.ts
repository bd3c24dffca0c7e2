import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { storage } from '../../db/repo/storage.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { duplicate, inUse } from '../db-errors.js';
import { present } from '../present.js';
import { type Ref, resolveRef } from '../refs.js';
import { errorReplies, idParams, name, ref, refOut } from '../schemas.js';

export const storageDomainSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    href: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    storage: { type: 'object', properties: { type: { type: 'string' } } },
    status: { type: 'string' },
    master: { type: 'boolean' },
    data_center: refOut,
  },
} as const;

interface NewStorageDomain {
  name: string;
  type?: 'data' | 'iso' | 'export';
  storage: { type: 'nfs' | 'posixfs' | 'localfs' | 'iscsi' | 'glusterfs'; address?: string; path: string };
  data_center?: Ref;
}

/**
 * Storage domains are inventory only: attaching them to a pool, creating their metadata on a host and SPM election
 * need vdsm's storage verbs and are not done by engine-lite yet (status stays Unattached).
 */
export function storageDomainRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    app.get(
      '/storagedomains',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'List storage domains',
          response: {
            200: { type: 'object', properties: { storage_domain: { type: 'array', items: storageDomainSchema } } },
          },
        },
      },
      async () => ({ storage_domain: (await storage.list(db)).map(present.storageDomain) }),
    );
    app.get<{ Params: { id: string } }>(
      '/storagedomains/:id',
      {
        config: { access: 'admin' },
        schema: { params: idParams, response: { 200: storageDomainSchema, ...errorReplies } },
      },
      async (request) => {
        const sd = await storage.get(db, request.params.id);
        if (sd === undefined) throw new EngineError('NOT_FOUND', `storage domain ${request.params.id} does not exist`);
        return present.storageDomain(sd);
      },
    );
    app.post<{ Body: NewStorageDomain }>(
      '/storagedomains',
      {
        config: { access: 'admin' },
        schema: {
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
          response: { 201: storageDomainSchema, ...errorReplies },
        },
      },
      async (request, reply) => {
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
        const sd = await db
          .transaction(async (tx) => {
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
          })
          .catch((err: unknown) => {
            throw duplicate(err, `a storage domain named ${body.name} already exists`);
          });
        return reply.status(201).send(present.storageDomain(sd));
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/storagedomains/:id',
      { config: { access: 'admin' }, schema: { params: idParams, response: errorReplies } },
      async (request, reply) => {
        const removed = await storage.remove(db, request.params.id).catch((err: unknown) => {
          throw inUse(err, 'storage domain still holds disks');
        });
        if (!removed) throw new EngineError('NOT_FOUND', `storage domain ${request.params.id} does not exist`);
        return reply.status(200).send();
      },
    );
  };
}
