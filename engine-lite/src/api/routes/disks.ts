import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { disks } from '../../db/repo/disks.js';
import { storage } from '../../db/repo/storage.js';
import { vms } from '../../db/repo/vms.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { present } from '../present.js';
import { errorReplies, idParams, name, ref, refOut } from '../schemas.js';

const disk = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    href: { type: 'string' },
    name: { type: 'string' },
    provisioned_size: { type: 'number' },
    format: { type: 'string' },
    interface: { type: 'string' },
    bootable: { type: 'boolean' },
    status: { type: 'string' },
    vm: refOut,
    storage_domain: refOut,
  },
} as const;

interface NewDisk {
  name: string;
  provisioned_size: number;
  format?: 'cow' | 'raw';
  interface?: 'virtio' | 'virtio_scsi';
  bootable?: boolean;
  storage_domain?: { id: string };
  vm?: { id: string };
}

/** Disks are inventory records: creating the volume on storage needs vdsm's storage verbs (a gap). */
export function diskRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    app.get(
      '/disks',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'List disks',
          response: { 200: { type: 'object', properties: { disk: { type: 'array', items: disk } } } },
        },
      },
      async () => ({ disk: (await disks.list(db)).map(present.disk) }),
    );
    app.get<{ Params: { id: string } }>(
      '/disks/:id',
      { config: { access: 'admin' }, schema: { params: idParams, response: { 200: disk, ...errorReplies } } },
      async (request) => {
        const d = await disks.get(db, request.params.id);
        if (d === undefined) throw new EngineError('NOT_FOUND', `disk ${request.params.id} does not exist`);
        return present.disk(d);
      },
    );
    app.post<{ Body: NewDisk }>(
      '/disks',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Record a disk (optionally attached to a VM)',
          body: {
            type: 'object',
            required: ['name', 'provisioned_size'],
            additionalProperties: false,
            properties: {
              name,
              provisioned_size: { type: 'integer', minimum: 1048576, maximum: 64 * 1024 ** 4 },
              format: { type: 'string', enum: ['cow', 'raw'] },
              interface: { type: 'string', enum: ['virtio', 'virtio_scsi'] },
              bootable: { type: 'boolean' },
              storage_domain: { ...ref, required: ['id'] },
              vm: { ...ref, required: ['id'] },
            },
          },
          response: { 201: disk, ...errorReplies },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (body.vm !== undefined && (await vms.get(db, body.vm.id)) === undefined) {
          throw new EngineError('BAD_REQUEST', `body.vm.id: no VM ${body.vm.id}`);
        }
        if (body.storage_domain !== undefined && (await storage.get(db, body.storage_domain.id)) === undefined) {
          throw new EngineError('BAD_REQUEST', `body.storage_domain.id: no storage domain ${body.storage_domain.id}`);
        }
        const created = await disks.insert(db, {
          id: randomUUID(),
          name: body.name,
          vmId: body.vm?.id ?? null,
          storageDomainId: body.storage_domain?.id ?? null,
          sizeBytes: body.provisioned_size,
          format: body.format ?? 'cow',
          interface: body.interface ?? 'virtio_scsi',
          bootable: body.bootable ?? false,
        });
        return reply.status(201).send(present.disk(created));
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/disks/:id',
      { config: { access: 'admin' }, schema: { params: idParams, response: errorReplies } },
      async (request, reply) => {
        if (!(await disks.remove(db, request.params.id))) {
          throw new EngineError('NOT_FOUND', `disk ${request.params.id} does not exist`);
        }
        return reply.status(200).send();
      },
    );
  };
}
