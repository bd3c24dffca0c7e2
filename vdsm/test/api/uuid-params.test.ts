import { Writable } from 'node:stream';
import { defaultConfig } from '@vdsm-ts/common/config';
import { Logging } from '@vdsm-ts/common/logging';
import t from 'tap';
import { compileParams, ParamsError, SchemaCompiler } from '../../src/api/validate.js';
import type { RequestContext } from '../../src/common/rpc-method.js';
import { VERBS } from '../../src/schema/index.js';
import type { SchemaFile, VerbSchema } from '../../src/schema/types.js';
import { apiDispatcher } from './api-dispatcher.js';

const ctx: RequestContext = { transport: 'stomp', peer: '127.0.0.1:40000' };
const POOL = '5f0c4a3e-1b2d-4c6e-8f90-a1b2c3d4e5f6';

function endpoint() {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const api = apiDispatcher({ config: defaultConfig(), logging: new Logging({ name: 'test', level: 'fatal' }, sink) });
  api.setReady(true);
  t.teardown(() => api.close());
  return async (method: string, params: unknown) =>
    JSON.parse((await api.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), ctx))!) as {
      result?: unknown;
      error?: { code: number; message: string };
    };
}

t.test('a non-UUID pool id is refused with InvalidParams before any handler runs', async (t) => {
  const call = endpoint();
  const shell = await call('StoragePool.getInfo', { storagepoolID: '$(id)' });
  t.equal(shell.error?.code, -32602);
  t.match(
    shell.error?.message,
    /StoragePool\.getInfo: parameter storagepoolID: expected UUID \(8-4-4-4-12 hex digits\), got the string "\$\(id\)"/,
  );
  for (const bad of ['', '5f0c4a3e1b2d4c6e8f90a1b2c3d4e5f6', `${POOL}\n`, `{${POOL}}`, '../../etc']) {
    t.equal((await call('StoragePool.getInfo', [bad])).error?.code, -32602, JSON.stringify(bad));
  }
  // Validation passed: without a storage service the verb answers "not implemented" (44).
  t.equal((await call('StoragePool.getInfo', [POOL])).error?.code, 44, 'a UUID passes');
  t.equal((await call('StoragePool.getInfo', [POOL.toUpperCase()])).error?.code, 44, 'in capitals too');
  t.equal(
    (await call('StoragePool.getInfo', ['00000000-0000-0000-0000-000000000000'])).error?.code,
    44,
    "the engine's blank Guid.Empty",
  );
});

t.test(
  'lists of UUIDs are checked item by item; nested UUID fields are not (the engine omits and fills them freely)',
  async (t) => {
    const call = endpoint();
    const bad = await call('Host.getVMList', { vmList: [POOL, 'not-a-uuid'] });
    t.match(bad.error?.message, /parameter vmList\[1\]: expected list of UUID/);
    t.same((await call('Host.getVMList', { vmList: [POOL] })).result, []);
  },
);

t.test("a field's exact exceptions from the overlay are accepted, and nothing else", async (t) => {
  const file: SchemaFile = {
    types: { UUID: { kind: 'alias', of: 'string', format: 'uuid' } },
    verbs: {},
    events: {},
  };
  const verb: VerbSchema = {
    description: 'A test verb.',
    params: [{ name: 'spUUID', type: 'UUID', acceptAlso: ['BLANK'] }],
    result: true,
  };
  const check = compileParams('T.verb', verb, new SchemaCompiler(file, 'request'));
  t.same(check({ spUUID: 'BLANK' }), { spUUID: 'BLANK' });
  t.same(check({ spUUID: POOL }), { spUUID: POOL });
  t.throws(() => check({ spUUID: 'blank' }), ParamsError);
});

t.test('UUID-typed parameters of the schema are marked as such', async (t) => {
  const entry = VERBS.get('StoragePool.connect')!;
  const compiler = new SchemaCompiler(entry.file, 'request');
  const uuidParams = entry.schema.params.filter((p) => compiler.uuidShape(p.type) === 'uuid').map((p) => p.name);
  t.same(
    uuidParams,
    ['storagepoolID', 'masterSdUUID'].filter((p) => entry.schema.params.some((q) => q.name === p)),
  );
  t.ok(uuidParams.includes('storagepoolID'));
});
