import { Writable } from 'node:stream';
import { Logging } from '@vdsm-ts/common/logging';
import t from 'tap';
import type { BoundHandler } from '../../src/api/handler.js';
import { buildMethodTable } from '../../src/api/index.js';
import { RawJson } from '../../src/common/raw-json.js';
import type { RequestContext } from '../../src/common/rpc-method.js';
import { Dispatcher } from '../../src/rpc/jsonrpc/dispatcher.js';

const ctx: RequestContext = { transport: 'stomp', peer: '127.0.0.1:40000' };

function capturedLogging(): { logging: Logging; lines: () => Array<Record<string, unknown>> } {
  let text = '';
  const sink = new Writable({
    write: (chunk: Buffer, _e, cb) => {
      text += chunk.toString();
      cb();
    },
  });
  const logging = new Logging({ name: 'test', level: 'info' }, sink);
  const lines = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logging, lines };
}

/** A dispatcher over the real method table, with the given handlers in place of the services. */
function dispatcherWith(handlers: ReadonlyMap<string, BoundHandler>, strict: boolean) {
  const { logging, lines } = capturedLogging();
  const methods = buildMethodTable(handlers, strict ? { strict: { log: logging.get('api') } } : {});
  const dispatcher = new Dispatcher({ methods, logger: logging.get('jsonrpc'), ready: true });
  const call = async (method: string, params: unknown = {}) =>
    JSON.parse((await dispatcher.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id: 7 }), ctx))!) as {
      result?: unknown;
      error?: { code: number; message: string };
    };
  return { call, lines };
}

t.test('strict mode answers a result that does not fit with an error naming the verb and the field', async (t) => {
  const handlers = new Map<string, BoundHandler>([
    ['Host.getStats', () => ({ cpuUsr: '1.00' })],
    ['Host.getVMList', () => [{ vmId: 'a5b6c7d8-0000-4000-8000-000000000001', status: 'Sleeping' }]],
    ['Host.getAllVmStats', () => new RawJson('[{"vmId":"x","status":"Up","elapsedTime":12}]')],
  ]);
  const { call, lines } = dispatcherWith(handlers, true);

  const stats = await call('Host.getStats');
  t.equal(stats.error?.code, -32603, 'an internal error');
  t.match(stats.error?.message, /Host\.getStats returned a result that does not fit the schema: result\.cpuUsr: /);
  t.match(stats.error?.message, /no such property in HostStats/);

  const list = await call('Host.getVMList');
  t.match(
    list.error?.message,
    /Host\.getVMList .*result\[0\]\.status: expected VmStatus .*\(as \w+, of VmInfo\)/,
    'the path reaches into lists and unions',
  );

  const raw = await call('Host.getAllVmStats');
  t.match(raw.error?.message, /Host\.getAllVmStats .*result\[0\]/, 'pre-serialized results are checked too');

  const logged = lines().filter((l) => l.module === 'api' && l.level === 50);
  t.same(
    logged.map((l) => [l.method, l.path]),
    [
      ['Host.getStats', 'result.cpuUsr'],
      ['Host.getVMList', 'result[0].status'],
      ['Host.getAllVmStats', 'result[0].elapsedTime'],
    ],
    'one error line per bad result, naming the verb and the path',
  );
});

t.test('a missing required property is named; a fitting result passes unchanged', async (t) => {
  const good = { vmId: 'a5b6c7d8-0000-4000-8000-000000000001', status: 'Up' };
  const { call } = dispatcherWith(
    new Map<string, BoundHandler>([
      ['VM.getInfo', () => ({ status: 'Up' })],
      ['VM.setNumberOfCpus', () => good],
    ]),
    true,
  );
  const missing = await call('VM.getInfo', { vmID: good.vmId });
  t.match(missing.error?.message, /result\.vmId: expected VmDefinition\.vmId \(required\), got nothing/);
  t.same((await call('VM.setNumberOfCpus', { vmID: good.vmId, numberOfCpus: 1 })).result, good);
});

t.test('without strict mode the result goes out as it is', async (t) => {
  const { call } = dispatcherWith(
    new Map<string, BoundHandler>([['Host.getStats', () => ({ cpuUsr: '1.00' })]]),
    false,
  );
  t.same((await call('Host.getStats')).result, { cpuUsr: '1.00' });
});
