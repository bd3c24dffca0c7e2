/** The client commands of `engine-lite`: one entry per `NOUN VERB`, each on the typed SDK. */
import { writeVdsmPki } from '../pki/ca.js';
import type { EngineClient } from '../sdk/client.js';
import type { Host, Vm } from '../sdk/types.js';
import { json, type Row, table } from './output.js';
import { Progress } from './progress.js';

export interface CommandContext {
  readonly api: EngineClient;
  readonly args: readonly string[];
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly json: boolean;
  print(text: string): void;
}

export interface Command {
  readonly usage: string;
  run(ctx: CommandContext): Promise<void>;
}

const MiB = 1048576;

function arg(ctx: CommandContext, index: number, name: string): string {
  const value = ctx.args[index];
  if (value === undefined) throw new Error(`missing ${name}`);
  return value;
}

function flag(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`--${name} needs a value`);
  return value;
}

function intFlag(ctx: CommandContext, name: string): number | undefined {
  const value = flag(ctx, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer, got ${value}`);
  return n;
}

/** a flag the command cannot run without */
function requiredFlag(ctx: CommandContext, name: string): string {
  const value = flag(ctx, name);
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

async function findByName<T extends { id: string; name: string }>(
  kind: string,
  list: Promise<T[]>,
  key: string,
): Promise<T> {
  const found = (await list).find((x) => x.name === key || x.id === key);
  if (found === undefined) throw new Error(`no ${kind} named ${key}`);
  return found;
}

/** the host or VM named (or identified) by the first argument */
const namedHost = (ctx: CommandContext): Promise<Host> => findByName('host', ctx.api.hosts.list(), arg(ctx, 0, 'NAME'));
const namedVm = (ctx: CommandContext): Promise<Vm> => findByName('VM', ctx.api.vms.list(), arg(ctx, 0, 'NAME'));

function list(
  ctx: CommandContext,
  entities: readonly unknown[],
  rows: readonly Row[],
  columns: readonly string[],
): void {
  ctx.print(ctx.json ? json(entities) : table(rows, columns));
}

const hostRow = (h: Host): Row => ({
  name: h.name,
  address: `${h.address}:${h.port}`,
  status: h.status,
  tls: h.tls,
  vms: h.vm_count,
  'free MiB': Math.round(h.free_memory / MiB),
  detail: h.status_detail,
});

const vmRow = (v: Vm): Row => ({
  name: v.name,
  status: v.status,
  'memory MiB': v.memory / MiB,
  cpus: v.cpu.topology.sockets,
  host: v.host?.id ?? '',
  id: v.id,
});

/** Polls until `done`, showing each state; fails on `failed` states or after the timeout. */
async function waitState<T>(
  ctx: CommandContext,
  label: string,
  get: () => Promise<T>,
  state: (e: T) => string,
  done: readonly string[],
  failed: readonly string[] = [],
): Promise<T> {
  const progress = new Progress(label);
  const result = await ctx.api.waitFor(get, (e) => done.includes(state(e)) || failed.includes(state(e)), {
    timeoutMs: Number(flag(ctx, 'timeout') ?? 300) * 1000,
    intervalMs: 250,
    onState: (e) => progress.update(state(e)),
  });
  progress.done(state(result));
  if (failed.includes(state(result))) throw new Error(`${label} ended ${state(result)}`);
  return result;
}

const waitHostUp = (ctx: CommandContext, host: Host) =>
  waitState(
    ctx,
    `host ${host.name}`,
    () => ctx.api.hosts.get(host.id),
    (h) => h.status,
    ['up'],
    ['non_operational'],
  );

const waitVm = (ctx: CommandContext, vm: Vm, done: readonly string[], failed: readonly string[] = []) =>
  waitState(
    ctx,
    `VM ${vm.name}`,
    () => ctx.api.vms.get(vm.id),
    (v) => v.status,
    done,
    failed,
  );

export const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  [
    'dc list',
    {
      usage: 'dc list',
      async run(ctx) {
        const dcs = await ctx.api.dataCenters.list();
        list(
          ctx,
          dcs,
          dcs.map((d) => ({
            name: d.name,
            status: d.status,
            version: `${d.version.major}.${d.version.minor}`,
            id: d.id,
          })),
          ['name', 'status', 'version', 'id'],
        );
      },
    },
  ],
  [
    'dc add',
    {
      usage: 'dc add NAME',
      async run(ctx) {
        const dc = await ctx.api.dataCenters.add({ name: arg(ctx, 0, 'NAME') });
        ctx.print(ctx.json ? json(dc) : `data center ${dc.name} added (${dc.id})`);
      },
    },
  ],
  [
    'cluster list',
    {
      usage: 'cluster list',
      async run(ctx) {
        const all = await ctx.api.clusters.list();
        list(
          ctx,
          all,
          all.map((c) => ({ name: c.name, cpu: c.cpu.type, 'data center': c.data_center?.id, id: c.id })),
          ['name', 'cpu', 'data center', 'id'],
        );
      },
    },
  ],
  [
    'cluster add',
    {
      usage: 'cluster add NAME --dc DC --cpu "CPU TYPE"',
      async run(ctx) {
        const dc = flag(ctx, 'dc');
        const cpu = flag(ctx, 'cpu');
        if (dc === undefined || cpu === undefined) throw new Error('--dc and --cpu are required');
        const c = await ctx.api.clusters.add({
          name: arg(ctx, 0, 'NAME'),
          data_center: { name: dc },
          cpu: { type: cpu },
        });
        ctx.print(ctx.json ? json(c) : `cluster ${c.name} added (${c.id})`);
      },
    },
  ],
  [
    'host list',
    {
      usage: 'host list',
      async run(ctx) {
        const all = await ctx.api.hosts.list();
        list(ctx, all, all.map(hostRow), ['name', 'address', 'status', 'tls', 'vms', 'free MiB', 'detail']);
      },
    },
  ],
  [
    'host add',
    {
      usage: 'host add NAME ADDRESS --cluster C [--port N] [--insecure] [--wait]',
      async run(ctx) {
        const cluster = requiredFlag(ctx, 'cluster');
        const port = intFlag(ctx, 'port');
        let host = await ctx.api.hosts.add({
          name: arg(ctx, 0, 'NAME'),
          address: arg(ctx, 1, 'ADDRESS'),
          cluster: { name: cluster },
          tls: ctx.flags.insecure !== true,
          ...(port === undefined ? {} : { port }),
        });
        if (ctx.flags.wait === true) {
          host = await waitHostUp(ctx, host);
        }
        ctx.print(ctx.json ? json(host) : `host ${host.name} added (${host.id}), ${host.status}`);
      },
    },
  ],
  [
    'host activate',
    {
      usage: 'host activate NAME [--no-wait]',
      async run(ctx) {
        const host = await namedHost(ctx);
        await ctx.api.hosts.activate(host.id);
        if (ctx.flags['no-wait'] !== true) {
          await waitHostUp(ctx, host);
        }
      },
    },
  ],
  [
    'host deactivate',
    {
      usage: 'host deactivate NAME',
      async run(ctx) {
        const host = await namedHost(ctx);
        await ctx.api.hosts.deactivate(host.id);
        ctx.print(`host ${host.name} is in maintenance`);
      },
    },
  ],
  [
    'host enroll',
    {
      usage: 'host enroll NAME [--out DIR]   (DIR in /etc/pki/vdsm layout; without --out the PEMs are printed)',
      async run(ctx) {
        const host = await namedHost(ctx);
        const pki = await ctx.api.hosts.enroll(host.id);
        const out = flag(ctx, 'out');
        if (out === undefined) {
          ctx.print(
            ctx.json
              ? json(pki)
              : Object.entries(pki)
                  .map(([file, pem]) => `# ${file}\n${pem}`)
                  .join('\n'),
          );
          return;
        }
        const paths = await writeVdsmPki(out, {
          key: pki['keys/vdsmkey.pem'],
          cert: pki['certs/vdsmcert.pem'],
          ca: pki['certs/cacert.pem'],
        });
        ctx.print(ctx.json ? json(paths) : `wrote ${paths.key}, ${paths.cert}, ${paths.ca}`);
      },
    },
  ],
  [
    'vm list',
    {
      usage: 'vm list',
      async run(ctx) {
        const all = await ctx.api.vms.list();
        list(ctx, all, all.map(vmRow), ['name', 'status', 'memory MiB', 'cpus', 'host', 'id']);
      },
    },
  ],
  [
    'vm add',
    {
      usage: 'vm add NAME --cluster C [--template T] [--memory MIB] [--cpus N] [--network NET]',
      async run(ctx) {
        const cluster = requiredFlag(ctx, 'cluster');
        const memory = intFlag(ctx, 'memory');
        const cpus = intFlag(ctx, 'cpus');
        const template = flag(ctx, 'template');
        const network = flag(ctx, 'network');
        const vm = await ctx.api.vms.add({
          name: arg(ctx, 0, 'NAME'),
          cluster: { name: cluster },
          ...(template === undefined ? {} : { template: { name: template } }),
          ...(memory === undefined ? {} : { memory: memory * MiB }),
          ...(cpus === undefined ? {} : { cpu: { topology: { sockets: cpus } } }),
          ...(network === undefined ? {} : { network }),
        });
        ctx.print(ctx.json ? json(vm) : `VM ${vm.name} created (${vm.id})`);
      },
    },
  ],
  [
    'vm start',
    {
      usage: 'vm start NAME [--no-wait]   (waits until the VM is Up or Powering up)',
      async run(ctx) {
        const vm = await namedVm(ctx);
        await ctx.api.vms.start(vm.id);
        if (ctx.flags['no-wait'] === true) return;
        await waitVm(ctx, vm, ['up', 'powering_up'], ['down']);
      },
    },
  ],
  ...(['stop', 'shutdown', 'suspend'] as const).map((verb): [string, Command] => [
    `vm ${verb}`,
    {
      usage: `vm ${verb} NAME [--no-wait]`,
      async run(ctx) {
        const vm = await namedVm(ctx);
        await ctx.api.vms[verb](vm.id);
        if (ctx.flags['no-wait'] === true) return;
        await waitVm(ctx, vm, verb === 'suspend' ? ['paused'] : ['down']);
      },
    },
  ]),
  [
    'vm ticket',
    {
      usage: 'vm ticket NAME [--expiry SECONDS]',
      async run(ctx) {
        const vm = await namedVm(ctx);
        const t = await ctx.api.vms.ticket(vm.id, intFlag(ctx, 'expiry'));
        ctx.print(ctx.json ? json(t) : `${t.ticket.value} (valid ${t.ticket.expiry} s, console on ${t.ticket.host})`);
      },
    },
  ],
  [
    'vm remove',
    {
      usage: 'vm remove NAME',
      async run(ctx) {
        const vm = await namedVm(ctx);
        await ctx.api.vms.remove(vm.id);
        ctx.print(`VM ${vm.name} removed`);
      },
    },
  ],
  [
    'events list',
    {
      usage: 'events list [--max N]',
      async run(ctx) {
        const all = await ctx.api.events.list(intFlag(ctx, 'max') ?? 50);
        list(
          ctx,
          all,
          all.map((e) => ({ time: e.time, severity: e.severity, code: e.code, description: e.description })),
          ['time', 'severity', 'code', 'description'],
        );
      },
    },
  ],
]);
