import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { type Disk, disks } from '../../db/repo/disks.js';
import { storage } from '../../db/repo/storage.js';
import { vms } from '../../db/repo/vms.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { present } from '../present.js';
import { name, namedOut, ref, refOut } from '../schemas.js';
import { registerCrud } from './crud.js';

const disk = {
  type: 'object',
  properties: {
    ...namedOut,
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
    registerCrud<Disk, NewDisk>(app, {
      path: '/disks',
      noun: 'disk',
      collection: 'disk',
      schema: disk,
      present: present.disk,
      read: 'admin',
      list: { summary: 'List disks', load: () => disks.list(db) },
      get: (id) => disks.get(db, id),
      create: {
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
        insert: async (request) => {
          const body = request.body;
          if (body.vm !== undefined && (await vms.get(db, body.vm.id)) === undefined) {
            throw new EngineError('BAD_REQUEST', `body.vm.id: no VM ${body.vm.id}`);
          }
          if (body.storage_domain !== undefined && (await storage.get(db, body.storage_domain.id)) === undefined) {
            throw new EngineError('BAD_REQUEST', `body.storage_domain.id: no storage domain ${body.storage_domain.id}`);
          }
          return disks.insert(db, {
            id: randomUUID(),
            name: body.name,
            vmId: body.vm?.id ?? null,
            storageDomainId: body.storage_domain?.id ?? null,
            sizeBytes: body.provisioned_size,
            format: body.format ?? 'cow',
            interface: body.interface ?? 'virtio_scsi',
            bootable: body.bootable ?? false,
          });
        },
      },
      remove: (request) => disks.remove(db, request.params.id),
    });
  };
}
