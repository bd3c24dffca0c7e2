import { defaultConfig } from '@vdsm-ts/common/config';
import { silentLogging } from '@vdsm-ts/common/logging';
import fc from 'fast-check';
import t from 'tap';
import { SchemaCompiler } from '../../src/api/validate.js';
import { RawJson } from '../../src/common/raw-json.js';
import { VdsmError } from '../../src/errors/vdsm-error.js';
import type { RequestContext } from '../../src/rpc/endpoint.js';
import { Dispatcher, type MethodEntry } from '../../src/rpc/jsonrpc/dispatcher.js';
import { VERBS } from '../../src/schema/index.js';
import { apiDispatcher } from '../api/api-dispatcher.js';

const ctx: RequestContext = { transport: 'stomp', peer: '127.0.0.1:40000' };

function endpoint(ready = true) {
  const api = apiDispatcher({ config: defaultConfig(), logging: silentLogging() });
  api.setReady(ready);
  t.teardown(() => api.close());
  return api;
}

const req = (method: string, params: unknown = {}, id: unknown = 'a1') =>
  JSON.stringify({ jsonrpc: '2.0', method, params, id });

t.test('single request: compact reply, keys jsonrpc, id, result in that order', async (t) => {
  const api = endpoint();
  t.equal(await api.handle(req('Host.ping2'), ctx), '{"jsonrpc":"2.0","id":"a1","result":true}');
  t.equal(await api.handle(req('Host.ping', {}, 7), ctx), '{"jsonrpc":"2.0","id":7,"result":true}');
});

t.test('any JSON id is echoed unchanged', async (t) => {
  const api = endpoint();
  const reply = await api.handle(req('Host.ping2', {}, { nested: [1, 'x'] }), ctx);
  t.same(JSON.parse(reply!), { jsonrpc: '2.0', id: { nested: [1, 'x'] }, result: true });
});

t.test('batch of one answers a bare object; batch of two answers an array in order', async (t) => {
  const api = endpoint();
  t.equal(await api.handle(`[${req('Host.ping2')}]`, ctx), '{"jsonrpc":"2.0","id":"a1","result":true}');
  const two = await api.handle(`[${req('Host.ping2', {}, 1)},${req('Host.nope', {}, 2)}]`, ctx);
  const parsed = JSON.parse(two!) as Array<Record<string, unknown>>;
  t.ok(Array.isArray(parsed));
  t.same(
    parsed.map((r) => r.id),
    [1, 2],
  );
  t.same(parsed[0], { jsonrpc: '2.0', id: 1, result: true });
  t.equal((parsed[1]!.error as { code: number }).code, -32601);
});

t.test('notifications (no id) are not run and get no reply, also inside batches', async (t) => {
  const api = endpoint();
  const notification = JSON.stringify({ jsonrpc: '2.0', method: 'Host.ping2', params: {} });
  t.equal(await api.handle(notification, ctx), undefined);
  t.equal(await api.handle(`[${notification}]`, ctx), undefined);
  t.equal(await api.handle(`[${notification},${notification}]`, ctx), undefined);
  const mixed = await api.handle(`[${notification},${req('Host.ping2', {}, 'x')}]`, ctx);
  t.equal(mixed, '[{"jsonrpc":"2.0","id":"x","result":true}]');
});

t.test('protocol errors', async (t) => {
  const api = endpoint();
  const parse = JSON.parse((await api.handle('{not json', ctx))!);
  t.same(parse, {
    jsonrpc: '2.0',
    id: null,
    error: {
      code: -32700,
      message: 'Invalid JSON was received by the server. An error occurred on the server while parsing the JSON text.',
    },
  });
  t.same(JSON.parse((await api.handle('[]', ctx))!), {
    jsonrpc: '2.0',
    id: null,
    error: { code: -32600, message: "Invalid request: {'reason': 'request batch is empty'}" },
  });
  const unknown = JSON.parse((await api.handle(req('Host.nope'), ctx))!);
  t.same(unknown.error, {
    code: -32601,
    message: "The method does not exist or is not available: {'method': 'Host.nope'}",
  });
  const version = JSON.parse((await api.handle(JSON.stringify({ jsonrpc: '1.0', method: 'Host.ping2', id: 3 }), ctx))!);
  t.same(version, {
    jsonrpc: '2.0',
    id: 3,
    error: { code: -32600, message: "Invalid request: {'reason': 'Wrong protocol version'}" },
  });
  const noMethod = JSON.parse((await api.handle(JSON.stringify({ jsonrpc: '2.0', id: 4 }), ctx))!);
  t.equal(noMethod.error.message, "Invalid request: {'reason': 'missing method header in method'}");
  const badParams = JSON.parse((await api.handle(req('Host.ping2', 'x', 5), ctx))!);
  t.equal(badParams.error.message, "Invalid request: {'reason': 'wrong params type'}");
  const scalar = JSON.parse((await api.handle('42', ctx))!);
  t.equal(scalar.error.code, -32600);
  const batchWithJunk = JSON.parse((await api.handle(`[1,${req('Host.ping2', {}, 'ok')}]`, ctx))!);
  t.same(
    batchWithJunk.map((r: { id: unknown }) => r.id),
    [null, 'ok'],
  );
});

t.test('while not ready every request, even an unknown one, gets code 99', async (t) => {
  const api = endpoint(false);
  for (const method of ['Host.ping2', 'Host.nope', 'VM.getStats']) {
    const reply = JSON.parse((await api.handle(req(method), ctx))!);
    t.same(reply.error, { code: 99, message: 'Recovering from crash or Initializing' }, method);
  }
  api.setReady(true);
  t.same(JSON.parse((await api.handle(req('Host.ping2'), ctx))!).result, true);
});

t.test('verbs without a handler answer code 44 naming the verb', async (t) => {
  const api = endpoint();
  for (const [method, params] of [
    ['VM.destroy', { vmID: '5f3b8c52-1c83-4b3a-9e3e-2b7c1f0a9d11' }],
    ['StoragePool.getSpmStatus', { storagepoolID: '5f3b8c52-1c83-4b3a-9e3e-2b7c1f0a9d11' }],
    ['GlusterVolume.list', {}],
  ] as const) {
    const reply = JSON.parse((await api.handle(req(method, params), ctx))!);
    t.equal(reply.error.code, 44, method);
    t.match(reply.error.message, new RegExp(`^Not implemented: ${method.replace('.', '\\.')} `), method);
  }
});

t.test('parameters are validated before the handler runs', async (t) => {
  const api = endpoint();
  const missing = JSON.parse((await api.handle(req('Host.setLogLevel', {}), ctx))!);
  t.same(missing.error, {
    code: -32602,
    message: "Invalid method parameter(s): Host.setLogLevel: missing required parameter 'level'",
  });
  const badEnum = JSON.parse((await api.handle(req('Host.setLogLevel', { level: 'LOUD' }), ctx))!);
  t.equal(badEnum.error.code, -32602);
  t.match(
    badEnum.error.message,
    /parameter level: expected LoggingLevel \(one of "CRITICAL", .*\), got the string "LOUD"/,
  );
  const badType = JSON.parse((await api.handle(req('Host.getVMList', { fullStatus: 3 }), ctx))!);
  t.match(badType.error.message, /parameter fullStatus: expected boolean, got number 3/);
  const tooMany = JSON.parse((await api.handle(req('Host.ping2', [1]), ctx))!);
  t.match(tooMany.error.message, /Host\.ping2 takes 0 parameter\(s\), 1 were given/);
  // not-implemented verbs are validated too
  const vm = JSON.parse((await api.handle(req('VM.destroy', {}), ctx))!);
  t.match(vm.error.message, /missing required parameter 'vmID'/);
});

t.test(
  'string arguments (vdsm-client) are coerced for typed params; positional params map in schema order',
  async (t) => {
    const api = endpoint();
    const list = JSON.parse((await api.handle(req('Host.getVMList', { fullStatus: 'True', onlyUUID: 'false' }), ctx))!);
    t.same(list.result, []);
    const structured = JSON.parse(
      (await api.handle(req('Host.getVMList', { vmList: '["5f0c4a3e-1b2d-4c6e-8f90-a1b2c3d4e5f6"]' }), ctx))!,
    );
    t.same(structured.result, []);
    const notBool = JSON.parse((await api.handle(req('Host.getVMList', { fullStatus: 'yes' }), ctx))!);
    t.equal(notBool.error.code, -32602);
    const positional = JSON.parse((await api.handle(req('Host.setLogLevel', ['INFO', 'x.y']), ctx))!);
    t.same(positional.result, true);
  },
);

t.test('a batch mixing good calls and garbage answers every element in order', async (t) => {
  const api = endpoint();
  const body = `[${req('Host.getStats', {}, 1)},"junk",{"jsonrpc":"2.0","method":5,"id":2},${req('Host.ping2', {}, 3)}]`;
  const replies = JSON.parse((await api.handle(body, ctx))!) as Array<{ id: unknown; error?: { code: number } }>;
  t.same(
    replies.map((r) => [r.id, r.error?.code]),
    [
      [1, undefined],
      [null, -32600],
      [2, -32600],
      [3, undefined],
    ],
  );
});

t.test('dispatcher: verb errors, unexpected exceptions and unencodable results', async (t) => {
  const pass = (params: unknown) => (params ?? {}) as Record<string, unknown>;
  const methods = new Map<string, MethodEntry>([
    ['T.vdsmError', { validate: pass, reply: 'value', run: () => Promise.reject(new VdsmError('NoSuchVM', 'abc')) }],
    [
      'T.boom',
      {
        validate: pass,
        reply: 'value',
        run: () => {
          throw new TypeError('boom');
        },
      },
    ],
    ['T.bigint', { validate: pass, reply: 'value', run: () => ({ n: 1n }) }],
    ['T.void', { validate: pass, reply: true, run: () => 'ignored' }],
    ['T.undef', { validate: pass, reply: 'value', run: () => undefined }],
  ]);
  const d = new Dispatcher({ methods, logger: silentLogging().get('jsonrpc'), ready: true });
  const call = async (m: string) => JSON.parse((await d.handle(req(m), ctx))!);
  t.same((await call('T.vdsmError')).error, { code: 1, message: 'Virtual machine does not exist: abc' });
  t.same((await call('T.boom')).error, { code: -32603, message: "Internal JSON-RPC error: {'reason': 'boom'}" });
  t.same((await call('T.bigint')).error, {
    code: -32603,
    message: "Internal JSON-RPC error: {'reason': 'result of T.bigint cannot be encoded'}",
  });
  t.same((await call('T.void')).result, true, 'verbs without a result field answer true');
  t.same(await call('T.undef'), { jsonrpc: '2.0', id: 'a1', result: null });
});

t.test('dispatcher: a RawJson result is spliced into the reply as it is, alone and in a batch', async (t) => {
  const text = '[{"vmId":"a","status":"Up","n":1},{"vmId":"b","status":"Down"}]';
  const methods = new Map<string, MethodEntry>([
    ['T.raw', { validate: (p) => (p ?? {}) as Record<string, unknown>, reply: 'value', run: () => new RawJson(text) }],
    ['T.plain', { validate: (p) => (p ?? {}) as Record<string, unknown>, reply: 'value', run: () => JSON.parse(text) }],
    ['T.rawVoid', { validate: (p) => (p ?? {}) as Record<string, unknown>, reply: true, run: () => new RawJson('7') }],
  ]);
  const d = new Dispatcher({ methods, logger: silentLogging().get('jsonrpc'), ready: true });
  const raw = await d.handle(req('T.raw', {}, 5), ctx);
  t.equal(raw, `{"jsonrpc":"2.0","id":5,"result":${text}}`);
  t.equal(raw, await d.handle(req('T.plain', {}, 5), ctx), 'the same bytes as the stringified value');
  t.equal(
    await d.handle(`[${req('T.raw', {}, 1)},${req('T.plain', {}, 2)}]`, ctx),
    `[{"jsonrpc":"2.0","id":1,"result":${text}},{"jsonrpc":"2.0","id":2,"result":${text}}]`,
  );
  t.same(JSON.parse((await d.handle(req('T.rawVoid'), ctx))!).result, true, 'verbs answering true still answer true');
});

t.test('dispatcher: calls beyond the in-flight bound get code 1100 at once', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const methods = new Map<string, MethodEntry>([['T.wait', { validate: () => ({}), reply: true, run: () => gate }]]);
  const d = new Dispatcher({ methods, logger: silentLogging().get('jsonrpc'), ready: true, maxInFlight: 2 });
  const first = d.handle(req('T.wait', {}, 1), ctx);
  const second = d.handle(req('T.wait', {}, 2), ctx);
  const third = JSON.parse((await d.handle(req('T.wait', {}, 3), ctx))!);
  t.same(third.error, {
    code: 1100,
    message: "Not enough resources: {'resource': 'jsonrpc', 'current_tasks': 2, 'reason': 'Too many tasks'}",
  });
  release();
  t.same(JSON.parse((await first)!).result, true);
  t.same(JSON.parse((await second)!).result, true);
  t.same(JSON.parse((await d.handle(req('T.wait', {}, 4), ctx))!).result, true, 'slots are freed');
});

t.test('property: any message gets a well-formed reply or none, and never a rejection', async (t) => {
  const api = endpoint();
  const unimplemented = [...VERBS.keys()].filter((m) => !m.startsWith('Host.'));
  const known = new Set([-32700, -32600, -32601, -32602, 44]);
  const checkReply = (reply: string | undefined) => {
    if (reply === undefined) return;
    const parsed = JSON.parse(reply) as unknown;
    for (const r of Array.isArray(parsed) ? parsed : [parsed]) {
      const obj = r as { jsonrpc: string; error?: { code: number; message: string } };
      if (obj.jsonrpc !== '2.0') throw new Error(`bad envelope ${reply}`);
      if (obj.error !== undefined && (!known.has(obj.error.code) || typeof obj.error.message !== 'string'))
        throw new Error(`unexpected error ${reply}`);
    }
  };
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (body) => checkReply(await api.handle(body, ctx))),
    { numRuns: 300 },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.constantFrom(...unimplemented), fc.string()),
      fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue(), { maxLength: 8 })),
      fc.oneof(fc.string(), fc.integer()),
      async (method, params, id) => {
        const reply = await api.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id }), ctx);
        checkReply(reply);
        if (reply === undefined) throw new Error('a request with an id must be answered');
        if ((JSON.parse(reply) as { id: unknown }).id !== id) throw new Error('id not echoed');
      },
    ),
    { numRuns: 500 },
  );
  t.pass('held for every generated message');
});

t.test(
  'validator: request mode accepts numbers for string fields that carry numbers, and keeps keys as keys',
  async (t) => {
    const entry = VERBS.get('Host.getVMList')!;
    const request = new SchemaCompiler(entry.file, 'request');
    const result = new SchemaCompiler(entry.file, 'result');
    // BlockDevicePathInfo.lun is a string holding a uint upstream
    t.same(request.compile('BlockDevicePathInfo')({ lun: 3 }, 'p'), { lun: '3' });
    t.throws(() => result.compile('BlockDevicePathInfo')({ lun: 3 }, 'p'), /p\.lun: expected string, got number 3/);
    const out = request.compile('StringMap')(JSON.parse('{"__proto__": "x", "a": "b"}'), 'm') as Record<
      string,
      unknown
    >;
    t.equal(Object.getPrototypeOf(out), Object.prototype, 'the prototype is untouched');
    t.same(Object.keys(out), ['__proto__', 'a']);
  },
);
