import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { BLANK_TEMPLATE_ID, type Template, templates } from '../../db/repo/templates.js';
import { vms } from '../../db/repo/vms.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import type { Ref } from '../bodies.js';
import { present } from '../present.js';
import { description, machineOut, name, namedOut, ref, refOut } from '../schemas.js';
import { registerCrud } from './crud.js';

const template = {
  type: 'object',
  properties: {
    ...namedOut,
    description: { type: 'string' },
    ...machineOut,
    cluster: refOut,
  },
} as const;

interface NewTemplate {
  name: string;
  description?: string;
  vm: Ref;
}

export function templateRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    registerCrud<Template, NewTemplate>(app, {
      path: '/templates',
      noun: 'template',
      collection: 'template',
      schema: template,
      present: present.template,
      read: 'authenticated',
      list: { summary: 'List templates (Blank is built in)', load: () => templates.list(db) },
      get: (id) => templates.get(db, id),
      create: {
        summary: "Make a template from a VM's configuration (disks are not copied: no storage layer yet)",
        body: {
          type: 'object',
          required: ['name', 'vm'],
          additionalProperties: false,
          properties: { name, description, vm: ref },
        },
        insert: async (request) => {
          const body = request.body;
          const vm =
            body.vm.id !== undefined ? await vms.get(db, body.vm.id) : await vms.findByName(db, body.vm.name ?? '');
          if (vm === undefined) throw new EngineError('BAD_REQUEST', `body.vm: no such VM ${JSON.stringify(body.vm)}`);
          return templates.insert(db, {
            id: randomUUID(),
            name: body.name,
            description: body.description ?? '',
            clusterId: vm.clusterId,
            memoryMb: vm.memoryMb,
            cpus: vm.cpus,
            osType: vm.osType,
            displayType: vm.displayType,
          });
        },
        duplicate: (body) => `a template named ${body.name} already exists`,
      },
      remove: async (request) => {
        if (request.params.id === BLANK_TEMPLATE_ID) {
          throw new EngineError('CONFLICT', 'the Blank template cannot be removed');
        }
        return templates.remove(db, request.params.id);
      },
      inUse: 'VMs were created from this template',
    });
  };
}
