import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { BLANK_TEMPLATE_ID, templates } from '../../db/repo/templates.js';
import { vms } from '../../db/repo/vms.js';
import type { Engine } from '../../engine.js';
import { EngineError } from '../../errors.js';
import { duplicate, inUse } from '../db-errors.js';
import { present } from '../present.js';
import type { Ref } from '../refs.js';
import { errorReplies, idParams, name, ref, refOut } from '../schemas.js';

const template = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    href: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    memory: { type: 'number' },
    cpu: {
      type: 'object',
      properties: {
        topology: {
          type: 'object',
          properties: { sockets: { type: 'integer' }, cores: { type: 'integer' }, threads: { type: 'integer' } },
        },
      },
    },
    os: { type: 'object', properties: { type: { type: 'string' } } },
    display: { type: 'object', properties: { type: { type: 'string' } } },
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
    app.get(
      '/templates',
      {
        config: { access: 'authenticated' },
        schema: {
          summary: 'List templates (Blank is built in)',
          response: { 200: { type: 'object', properties: { template: { type: 'array', items: template } } } },
        },
      },
      async () => ({ template: (await templates.list(db)).map(present.template) }),
    );
    app.get<{ Params: { id: string } }>(
      '/templates/:id',
      {
        config: { access: 'authenticated' },
        schema: { params: idParams, response: { 200: template, ...errorReplies } },
      },
      async (request) => {
        const t = await templates.get(db, request.params.id);
        if (t === undefined) throw new EngineError('NOT_FOUND', `template ${request.params.id} does not exist`);
        return present.template(t);
      },
    );
    app.post<{ Body: NewTemplate }>(
      '/templates',
      {
        config: { access: 'admin' },
        schema: {
          summary: "Make a template from a VM's configuration (disks are not copied: no storage layer yet)",
          body: {
            type: 'object',
            required: ['name', 'vm'],
            additionalProperties: false,
            properties: { name, description: { type: 'string', maxLength: 4000 }, vm: ref },
          },
          response: { 201: template, ...errorReplies },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const vm =
          body.vm.id !== undefined ? await vms.get(db, body.vm.id) : await vms.findByName(db, body.vm.name ?? '');
        if (vm === undefined) throw new EngineError('BAD_REQUEST', `body.vm: no such VM ${JSON.stringify(body.vm)}`);
        const created = await templates
          .insert(db, {
            id: randomUUID(),
            name: body.name,
            description: body.description ?? '',
            clusterId: vm.clusterId,
            memoryMb: vm.memoryMb,
            cpus: vm.cpus,
            osType: vm.osType,
            displayType: vm.displayType,
          })
          .catch((err: unknown) => {
            throw duplicate(err, `a template named ${body.name} already exists`);
          });
        return reply.status(201).send(present.template(created));
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/templates/:id',
      { config: { access: 'admin' }, schema: { params: idParams, response: errorReplies } },
      async (request, reply) => {
        if (request.params.id === BLANK_TEMPLATE_ID)
          throw new EngineError('CONFLICT', 'the Blank template cannot be removed');
        const removed = await templates.remove(db, request.params.id).catch((err: unknown) => {
          throw inUse(err, 'VMs were created from this template');
        });
        if (!removed) throw new EngineError('NOT_FOUND', `template ${request.params.id} does not exist`);
        return reply.status(200).send();
      },
    );
  };
}
