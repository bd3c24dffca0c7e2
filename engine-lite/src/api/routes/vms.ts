import type { FastifyPluginAsync } from 'fastify';
import { type VmRow, vms } from '../../db/repo/vms.js';
import type { Engine } from '../../engine.js';
import { principal } from '../access.js';
import type { NewVm, VmFields } from '../bodies.js';
import { duplicate } from '../db-errors.js';
import { bytesToMiB, present } from '../present.js';
import { resolveRef } from '../refs.js';
import {
  actionResult,
  description,
  errorReplies,
  idParams,
  machineOut,
  name,
  namedOut,
  ref,
  refOut,
} from '../schemas.js';
import { registerCrud } from './crud.js';

const topology = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sockets: { type: 'integer', minimum: 1, maximum: 64 },
    cores: { type: 'integer', minimum: 1, maximum: 1 },
    threads: { type: 'integer', minimum: 1, maximum: 1 },
  },
} as const;

export const vmSchema = {
  type: 'object',
  properties: {
    ...namedOut,
    description: { type: 'string' },
    status: { type: 'string' },
    ...machineOut,
    cluster: refOut,
    template: refOut,
    host: refOut,
  },
} as const;

/** memory in bytes (a whole number of MiB, at least 16 MiB), as oVirt's REST API takes it */
const memory = { type: 'integer', minimum: 16 * 1048576, maximum: 4 * 1024 ** 4, multipleOf: 1048576 } as const;

const hostPath = { type: 'string', maxLength: 4096, pattern: '^(/.*)?$' } as const;

const editable = {
  name,
  description,
  memory,
  cpu: { type: 'object', additionalProperties: false, required: ['topology'], properties: { topology } },
  os: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      type: { type: 'string', minLength: 1 },
      // absolute host paths ('' clears): QEMU opens them on the host the VM runs on
      kernel: hostPath,
      initrd: hostPath,
      cmdline: { type: 'string', maxLength: 4096 },
    },
  },
  display: {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: { type: { type: 'string', enum: ['vnc', 'spice'] } },
  },
} as const;

function edits(body: VmFields) {
  return {
    name: body.name,
    description: body.description,
    memoryMb: body.memory === undefined ? undefined : bytesToMiB(body.memory),
    cpus: body.cpu?.topology.sockets,
    osType: body.os?.type,
    displayType: body.display?.type,
    kernelPath: body.os?.kernel,
    initrdPath: body.os?.initrd,
    kernelCmdline: body.os?.cmdline,
  };
}

const action = { 200: actionResult, ...errorReplies } as const;

export function vmRoutes(engine: Engine): FastifyPluginAsync {
  const { db } = engine;
  return async (app) => {
    registerCrud<VmRow, NewVm, VmFields>(app, {
      path: '/vms',
      noun: 'VM',
      collection: 'vm',
      schema: vmSchema,
      present: present.vm,
      read: 'vm',
      list: {
        summary: 'List VMs (an admin sees all, a user the VMs they hold a permission on)',
        access: 'authenticated',
        load: (request) => {
          const who = principal(request);
          return who.admin ? vms.list(db) : vms.listVisibleTo(db, who.userId);
        },
      },
      get: (id) => vms.get(db, id),
      create: {
        summary: 'Create a VM from a template (Blank by default)',
        body: {
          type: 'object',
          required: ['name', 'cluster'],
          additionalProperties: false,
          properties: { ...editable, cluster: ref, template: ref, network: { type: 'string', minLength: 1 } },
        },
        insert: async (request) => {
          const body = request.body;
          const cluster = await resolveRef.cluster(db, 'body.cluster', body.cluster);
          const template =
            body.template === undefined ? undefined : await resolveRef.template(db, 'body.template', body.template);
          const e = edits(body);
          return engine.vms.create(
            {
              name: body.name,
              clusterId: cluster.id,
              ...(template === undefined ? {} : { templateId: template.id }),
              ...(e.description === undefined ? {} : { description: e.description }),
              ...(e.memoryMb === undefined ? {} : { memoryMb: e.memoryMb }),
              ...(e.cpus === undefined ? {} : { cpus: e.cpus }),
              ...(e.osType === undefined ? {} : { osType: e.osType }),
              ...(e.displayType === undefined ? {} : { displayType: e.displayType }),
              ...(e.kernelPath === undefined ? {} : { kernelPath: e.kernelPath }),
              ...(e.initrdPath === undefined ? {} : { initrdPath: e.initrdPath }),
              ...(e.kernelCmdline === undefined ? {} : { kernelCmdline: e.kernelCmdline }),
              ...(body.network === undefined ? {} : { network: body.network }),
            },
            principal(request).userId,
          );
        },
        duplicate: (body) => `a VM named ${body.name} already exists`,
      },
      update: {
        summary: 'Edit a VM (memory, CPUs, display and boot only while Down)',
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: editable },
        apply: (request) => {
          const e = edits(request.body);
          const patch = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined));
          return engine.vms.edit(request.params.id, patch).catch((err: unknown) => {
            throw duplicate(err, `a VM named ${request.body.name} already exists`);
          });
        },
      },
      remove: async (request) => {
        await engine.vms.remove(request.params.id, principal(request).userId);
        return true;
      },
    });
    app.post<{ Params: { id: string } }>(
      '/vms/:id/start',
      {
        config: { access: 'vm' },
        schema: {
          summary: 'Run the VM: schedule a host and VM.create there; resumes a Paused VM',
          params: idParams,
          response: action,
        },
      },
      async (request) => {
        await engine.vms.start(request.params.id, principal(request).userId);
        return { status: 'complete' };
      },
    );
    const simple = (verb: 'stop' | 'shutdown' | 'suspend', summary: string) =>
      app.post<{ Params: { id: string } }>(
        `/vms/:id/${verb}`,
        { config: { access: 'vm' }, schema: { summary, params: idParams, response: action } },
        async (request) => {
          await engine.vms[verb](request.params.id);
          return { status: 'complete' };
        },
      );
    simple('stop', 'Power the VM off (VM.destroy)');
    simple('shutdown', 'Ask the guest to shut down (VM.shutdown)');
    simple('suspend', 'Suspend the VM in memory (VM.pause); start resumes it');
    app.post<{ Params: { id: string }; Body: { ticket?: { expiry?: number } } }>(
      '/vms/:id/ticket',
      {
        config: { access: 'vm' },
        schema: {
          summary: 'Set a one-time console password (VM.setTicket)',
          params: idParams,
          body: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: {
              ticket: {
                type: 'object',
                additionalProperties: false,
                properties: { expiry: { type: 'integer', minimum: 1, maximum: 86400 } },
              },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                ticket: {
                  type: 'object',
                  properties: { value: { type: 'string' }, expiry: { type: 'integer' }, host: { type: 'string' } },
                },
              },
            },
            ...errorReplies,
          },
        },
      },
      async (request) => {
        const t = await engine.vms.ticket(request.params.id, request.body?.ticket?.expiry ?? 120);
        return { ticket: { value: t.value, expiry: t.expirySeconds, host: t.hostAddress } };
      },
    );
  };
}
