// The request validator against the engine corpus: every request ovirt-engine and hosted-engine build is accepted
// and handed on in the declared types, and the junk neither upstream nor the engine would send is refused.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import { compileParams, ParamsError, SchemaCompiler } from '../../src/api/validate.js';
import { VERBS } from '../../src/schema/index.js';
import { type CorpusEntry, fill, fits, jsonTypeOf, loadCorpus } from './corpus.js';

const corpus = loadCorpus();

/** Placeholder values of the types the replay fills in (ids are UUIDs, paths and XML strings). */
const VARS: Record<string, unknown> = Object.fromEntries([
  ...['sdUUID', 'sd2UUID', 'spUUID', 'connId', 'imgUUID', 'volUUID', 'vmUUID', 'taskID', 'jobUUID'].map((n) => [
    n,
    randomUUID(),
  ]),
  ['localPath', '/var/tmp/corpus-data'],
  ['vmXml', '<domain type="kvm"/>'],
]);

function validator(method: string) {
  const verb = VERBS.get(method);
  if (verb === undefined) throw new Error(`${method} is not in the schema`);
  return compileParams(method, verb.schema, new SchemaCompiler(verb.file, 'request'));
}

const validate = (entry: Pick<CorpusEntry, 'method' | 'example'>) => validator(entry.method)(fill(entry.example, VARS));

t.test('the corpus is consistent: known verbs, examples typed as the params say', async (t) => {
  t.ok(corpus.entries.length >= 50, `${corpus.entries.length} entries`);
  for (const entry of corpus.entries) {
    t.ok(VERBS.has(entry.method), `${entry.method} is in the schema`);
    const example = fill(entry.example, VARS) as Record<string, unknown>;
    for (const [name, value] of Object.entries(example)) {
      const declared = entry.params[name];
      t.ok(declared !== undefined && fits(value, declared), `${entry.method} ${name}: ${jsonTypeOf(value)}`, {
        declared,
      });
    }
  }
});

t.test('every corpus request passes validation', async (t) => {
  for (const entry of corpus.entries) {
    t.doesNotThrow(() => validate(entry), entry.method);
  }
});

t.test('the handler sees the declared types, whatever form the engine used', async (t) => {
  const byMethod = (method: string) => corpus.entries.find((e) => e.method === method)!;
  t.match(validate(byMethod('StorageDomain.create')), {
    domainType: 'LOCALFS',
    domainClass: 'Data',
    version: 5,
    typeArgs: VARS.localPath,
  });
  t.match(validate(byMethod('Host.getStorageDomains')), { domainClass: 'Data', storageType: 'LOCALFS' });
  t.match(validate(byMethod('StoragePool.disconnectStorageServer')), { domainType: 'LOCALFS' });
  t.match(validate(byMethod('StoragePool.connectStorageServer')), { domainType: 4 });
  t.match(validate(byMethod('Volume.create')), { volFormat: 'COW', preallocate: 'SPARSE', diskType: 'DATA' });
  t.match(validate(byMethod('Host.getDeviceList')), { storageType: 'iSCSI' });
  t.match(validate(byMethod('VM.shutdown')), { delay: 30 });
  const migrate = validate(byMethod('VM.migrate')) as { params: Record<string, unknown> };
  t.match(migrate.params, { tunneled: false, abortOnError: true, autoConverge: true, compressed: false });
  t.equal(migrate.params.migrationDowntime, '500', 'properties the schema does not list pass untouched');
  const networks = validate(byMethod('Host.setupNetworks')) as { options: Record<string, unknown> };
  t.match(networks.options, { connectivityCheck: false, commitOnSuccess: false, connectivityTimeout: 120 });
  t.match(validate(byMethod('StoragePool.spmStart')), { prevLver: '-1', enableScsiFencing: 'false', domVersion: '5' });

  const create = validator('Volume.create');
  const volume = fill(byMethod('Volume.create').example, VARS) as Record<string, unknown>;
  t.match(create({ ...volume, volFormat: '5', preallocate: '1' }), { volFormat: 'RAW', preallocate: 'PREALLOCATED' });
  t.match(create({ ...volume, volFormat: 'RAW' }), { volFormat: 'RAW' }, 'member names still work');
  t.match(create({ ...volume, diskType: 2 }), { diskType: '2' }, "the legacy data disk type '2' by number");
  t.match(create({ ...volume, diskType: 'HEVD' }), { diskType: 'HEVD' }, 'hosted-engine disk types');
  t.match(
    validator('VM.setTicket')({ vmID: VARS.vmUUID, password: 'p', ttl: '120', existingConnAction: 'keep', params: {} }),
    {
      ttl: 120,
    },
  );
  t.match(validator('Host.getVMList')({ onlyUUID: 'TRUE' }), { onlyUUID: true }, 'booleans as text in any case');
});

t.test('junk is refused, naming the parameter', async (t) => {
  t.ok(corpus.junk.length >= 6);
  for (const junk of corpus.junk) {
    t.throws(() => validate(junk), ParamsError, `${junk.method}: ${junk.why}`);
  }
  const create = validator('StorageDomain.create');
  const base = { storagedomainID: VARS.sdUUID, typeArgs: '/x', name: 'n', domainClass: 1 };
  for (const domainType of ['x', 99, '1e3', ' 4', '4.0', '', '0x4', -4, true, null])
    t.throws(
      () => create({ ...base, domainType }),
      /parameter domainType: expected StorageDomainType/,
      String(domainType),
    );
  t.throws(() => create({ ...base, domainType: 4, domainClass: 0 }), /domainClass/, 'no domain class has number 0');
  const pool = validator('StoragePool.connect');
  const connect = { storagepoolID: VARS.spUUID, scsiKey: 'k', masterSdUUID: VARS.sdUUID, masterVersion: 1 };
  for (const hostID of ['1e3', '1.5', '', ' 1', 'one']) t.throws(() => pool({ ...connect, hostID }), /hostID/, hostID);
  t.match(pool({ ...connect, hostID: '-1' }), { hostID: -1 }, 'negative decimal text is a number');
  for (const force of ['yes', '1', 1, 'on']) {
    t.throws(
      () => validator('StorageDomain.detach')({ storagedomainID: VARS.sdUUID, storagepoolID: VARS.spUUID, force }),
      /force: expected boolean/,
      String(force),
    );
  }
});
