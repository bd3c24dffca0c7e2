import { Writable } from 'node:stream';
import { defaultConfig } from '@vdsm-ts/common/config';
import { Logging } from '@vdsm-ts/common/logging';
import t from 'tap';
import { SchemaCompiler } from '../../src/api/validate.js';
import type { RequestContext } from '../../src/rpc/endpoint.js';
import { VERBS } from '../../src/schema/index.js';
import { apiDispatcher } from './api-dispatcher.js';

const ctx: RequestContext = { transport: 'stomp', peer: '127.0.0.1:40000' };

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function setup() {
  const out = capture();
  const logging = new Logging({ name: 'vdsmd', level: 'info' }, out.stream);
  const api = apiDispatcher({ config: defaultConfig(), logging });
  api.setReady(true);
  t.teardown(() => api.close());
  const call = async (method: string, params: unknown = {}) => {
    const reply = JSON.parse((await api.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), ctx))!) as {
      result?: unknown;
      error?: { code: number; message: string };
    };
    return reply;
  };
  return { call, logging, out };
}

/** Checks a verb's result against its schema return type, refusing properties the schema does not list. */
function checkResult(method: string, value: unknown): void {
  const entry = VERBS.get(method)!;
  const compiler = new SchemaCompiler(entry.file, 'result');
  if (entry.schema.returns === undefined) {
    if (value !== true) throw new Error(`${method} must answer true`);
    return;
  }
  compiler.compile(entry.schema.returns)(value, method);
}

t.test('implemented Host verbs answer results that fit the schema', async (t) => {
  const { call } = setup();
  for (const method of [
    'Host.ping',
    'Host.ping2',
    'Host.getCapabilities',
    'Host.getStats',
    'Host.getVMList',
    'Host.getVMFullList',
    'Host.getAllVmStats',
    'Host.getJobs',
    'Host.getNetworkCapabilities',
    'Host.getNetworkStatistics',
    'Host.hostdevListByCaps',
  ]) {
    const reply = await call(method);
    t.equal(reply.error, undefined, `${method} succeeds`);
    t.doesNotThrow(() => checkResult(method, reply.result), `${method} result fits the schema`);
  }
});

t.test('the schema check catches a misspelt field', async (t) => {
  t.throws(() => checkResult('Host.getStats', { cpuUsr: '1.00' }), /cpuUsr: expected no such property in HostStats/);
  t.throws(() => checkResult('Host.getStats', { memFree: '12' }), /memFree: expected int/);
});

t.test('verbs with parameters and the ones that need a service answer as upstream', async (t) => {
  const { call } = setup();
  t.equal((await call('Host.echo', { message: 'ping' })).result, 'ping');
  const lldp = await call('Host.getLldp', { filter: { devices: ['eth-none'] } });
  t.same(lldp.result, { 'eth-none': { enabled: false, tlvs: [] } }, 'LLDP of the devices asked about');
  t.equal((await call('Host.getHardwareInfo')).error?.code, 57, 'no supervdsmd: hardware information unavailable');
  t.equal((await call('Host.setHaMaintenanceMode', { mode: 'LOCAL', enabled: true })).result, true);
  const stats = (await call('Host.getStats')).result as { haStats: Record<string, unknown> };
  t.match(stats.haStats, { configured: false, localMaintenance: true, globalMaintenance: false });
  const monitor = await call('Host.startMonitoringDomain', {
    sdUUID: '5f0c4a3e-1b2d-4c6e-8f90-a1b2c3d4e5f6',
    hostID: 1,
  });
  t.equal(monitor.error?.code, 44, 'no storage layer: domain monitoring is not implemented here');
});

t.test('getCapabilities adds lastClientIface for the caller', async (t) => {
  const { call } = setup();
  const caps = (await call('Host.getCapabilities')).result as Record<string, unknown>;
  t.equal(caps.lastClientIface, 'lo');
});

t.test('setLogLevel changes the level of every module or of one', async (t) => {
  const { call, logging, out } = setup();
  const virt = logging.get('virt');
  virt.debug('hidden');
  t.same((await call('Host.setLogLevel', { level: 'DEBUG' })).result, true);
  virt.debug('shown at debug');
  t.same((await call('Host.setLogLevel', { level: 'WARNING', name: 'virt' })).result, true);
  virt.info('hidden at warning');
  logging.get('storage').debug('other module still at debug');
  const msgs = out.lines().map((l) => l.msg);
  t.notOk(msgs.includes('hidden'));
  t.ok(msgs.includes('shown at debug'));
  t.notOk(msgs.includes('hidden at warning'));
  t.ok(msgs.includes('other module still at debug'));
  const bad = await call('Host.setLogLevel', { level: 'NOISY' });
  t.equal(bad.error?.code, -32602);
});
