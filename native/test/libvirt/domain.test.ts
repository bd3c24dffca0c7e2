import t from 'tap';
import {
  Affect,
  Connection,
  DestroyFlags,
  DomainState,
  ErrorCode,
  ListDomainsFlags,
  MetadataType,
  OVIRT_VM_NS,
} from '../../src/libvirt/index.js';
import { testDomainXml } from './helpers.js';

t.test('domain lifecycle on test:///default', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.defineXML(testDomainXml('life'));
  t.equal(d.name, 'life');
  t.match(d.uuid, /^[0-9a-f-]{36}$/);
  t.equal(d.id, -1, 'not running yet');
  t.same(await d.getState(), { state: DomainState.SHUTOFF, reason: 0 });
  t.equal(await d.isPersistent(), true);
  t.equal(await d.isActive(), false);

  await d.create();
  t.equal((await d.getState()).state, DomainState.RUNNING);
  const running = await c.lookupByName('life');
  t.ok(running.id > 0, 'a fresh handle has an ID');
  t.equal((await c.lookupByID(running.id)).uuid, d.uuid);
  t.equal((await c.lookupByUUID(d.uuid)).name, 'life');

  await d.suspend();
  t.equal((await d.getState()).state, DomainState.PAUSED);
  await d.resume();
  t.equal((await d.getState()).state, DomainState.RUNNING);
  await d.reboot();
  await d.shutdown();
  t.equal((await d.getState()).state, DomainState.SHUTOFF);
  await d.create();
  await d.destroy(DestroyFlags.GRACEFUL);
  t.same(await d.getState(), { state: DomainState.SHUTOFF, reason: 2 /* DESTROYED */ });

  const names = async (flags: number) => (await c.listAllDomains(flags)).map((x) => x.name).sort();
  t.same(await names(0), ['life', 'test']);
  t.same(await names(ListDomainsFlags.ACTIVE), ['test']);
  t.same(await names(ListDomainsFlags.INACTIVE), ['life']);

  await d.undefine();
  await t.rejects(c.lookupByName('life'), { name: 'LibvirtError', code: ErrorCode.NO_DOMAIN, domain: 12 });
  await t.rejects(d.getState(), { name: 'LibvirtError', code: ErrorCode.NO_DOMAIN });
});

t.test('createXML starts a transient domain', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.createXML(testDomainXml('transient'));
  t.equal(await d.isPersistent(), false);
  t.equal((await d.getState()).state, DomainState.RUNNING);
  await d.destroy();
  await t.rejects(c.lookupByName('transient'), { code: ErrorCode.NO_DOMAIN });
});

t.test('XML, info, metadata, memory and vCPUs', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.lookupByName('test');
  t.match(await d.getXMLDesc(), /<name>test<\/name>/);
  const info = await d.getInfo();
  t.equal(info.state, DomainState.RUNNING);
  t.equal(info.nrVirtCpu, 2);
  t.equal(info.maxMem, 8388608);

  await t.rejects(d.getOvirtMetadata(), { code: ErrorCode.NO_DOMAIN_METADATA });
  await d.setOvirtMetadata('<vm><clusterVersion>4.7</clusterVersion></vm>', Affect.LIVE);
  t.match(await d.getOvirtMetadata(), /<clusterVersion>4.7<\/clusterVersion>/);
  t.match(await d.getXMLDesc(), new RegExp(`xmlns:ovirt-vm="${OVIRT_VM_NS}"`));
  await d.setMetadata(MetadataType.TITLE, 'a title', null, null, Affect.LIVE);
  t.equal(await d.getMetadata(MetadataType.TITLE), 'a title');
  await d.setOvirtMetadata(null, Affect.LIVE);
  await t.rejects(d.getOvirtMetadata(), { code: ErrorCode.NO_DOMAIN_METADATA });

  await d.setMemory(1048576, Affect.LIVE);
  t.equal((await d.getInfo()).memory, 1048576);
  await d.setVcpus(1, Affect.LIVE);
  t.equal((await d.getInfo()).nrVirtCpu, 1);
  const mem = await d.memoryStats();
  t.equal(mem.actualBalloon, 1048576);
  const ifs = await d.interfaceStats('testnet0');
  t.ok(ifs.rxBytes > 0 && ifs.txPackets > 0);
  const bi = await d.blockInfo('vda');
  t.ok(bi.capacity > 0 && bi.physical >= bi.allocation);
});

t.test('snapshots by name', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.lookupByName('test');
  t.equal(await d.snapshotCurrent(), null);
  t.equal(await d.snapshotCreateXML('<domainsnapshot><name>s1</name></domainsnapshot>'), 's1');
  t.equal(await d.snapshotCreateXML('<domainsnapshot><name>s2</name></domainsnapshot>'), 's2');
  t.same((await d.listSnapshots()).sort(), ['s1', 's2']);
  t.equal(await d.snapshotCurrent(), 's2');
  t.match(await d.snapshotGetXMLDesc('s1'), /<name>s1<\/name>/);
  await d.snapshotDelete('s2');
  await d.snapshotDelete('s1');
  t.same(await d.listSnapshots(), []);
  await t.rejects(d.snapshotDelete('s1'), { code: ErrorCode.NO_DOMAIN_SNAPSHOT });
});

t.test('calls the test driver lacks reject with NO_SUPPORT, never with fake data', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.lookupByName('test');
  const nic = "<interface type='network'><source network='default'/></interface>";
  const calls: [string, () => Promise<unknown>][] = [
    ['attachDevice', () => d.attachDevice(nic, Affect.LIVE)],
    ['detachDevice', () => d.detachDevice(nic, Affect.LIVE)],
    ['updateDevice', () => d.updateDevice(nic, Affect.LIVE)],
    ['blockStats', () => d.blockStats('vda')],
    ['blockResize', () => d.blockResize('vda', 1024)],
    ['getJobInfo', () => d.getJobInfo()],
    ['getJobStats', () => d.getJobStats()],
    ['abortJob', () => d.abortJob()],
    ['blockCommit', () => d.blockCommit('vda', null, null)],
    ['blockPull', () => d.blockPull('vda')],
    ['blockCopy', () => d.blockCopy('vda', "<disk type='file'><source file='/nonexistent'/></disk>")],
    ['blockJobInfo', () => d.blockJobInfo('vda')],
    ['blockJobAbort', () => d.blockJobAbort('vda')],
    ['migrateSetMaxDowntime', () => d.migrateSetMaxDowntime(100)],
    ['migrateSetMaxSpeed', () => d.migrateSetMaxSpeed(100)],
    ['migrateGetMaxSpeed', () => d.migrateGetMaxSpeed()],
    ['migrateStartPostCopy', () => d.migrateStartPostCopy()],
    ['qemuAgentCommand', () => d.qemuAgentCommand('{"execute":"guest-ping"}', 1)],
    ['getGuestInfo', () => d.getGuestInfo()],
  ];
  for (const [name, call] of calls) {
    await t.rejects(call(), { name: 'LibvirtError', code: ErrorCode.NO_SUPPORT }, name);
  }
});

t.test('migrateToURI3 passes typed parameters through', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.lookupByName('test');
  // The test driver validates the call and refuses direct migration: the typed params reached libvirt.
  await t.rejects(
    d.migrateToURI3(
      null,
      {
        migrateUri: 'tcp://127.0.0.1:49152',
        bandwidth: 64,
        listenAddress: '127.0.0.1',
        compression: ['xbzrle', 'mt'],
        autoConvergeInitial: 20,
        autoConvergeIncrement: 10,
      },
      { live: true, autoConverge: true, postCopy: true, compressed: true },
    ),
    { name: 'LibvirtError', code: ErrorCode.ARGUMENT_UNSUPPORTED },
  );
});

t.test('bad arguments reject with INVALID_ARG and never crash', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.lookupByName('test');
  const loose = c as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const looseDom = d as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  await t.rejects(loose.lookupByName?.call(c, 42) ?? Promise.resolve(), { code: ErrorCode.INVALID_ARG, domain: 0 });
  await t.rejects(d.setMemory(-1), { code: ErrorCode.INVALID_ARG, message: /kib/ });
  await t.rejects(d.setVcpus(1.5), { code: ErrorCode.INVALID_ARG });
  await t.rejects(d.create(Number.NaN), { code: ErrorCode.INVALID_ARG });
  await t.rejects(looseDom.getXMLDesc?.call(d, 'x') ?? Promise.resolve(), { code: ErrorCode.INVALID_ARG });
  await t.rejects(c.baselineCPU([1 as unknown as string]), { code: ErrorCode.INVALID_ARG });
  await t.rejects(c.defineXML('<not-a-domain/>'), { name: 'LibvirtError', code: ErrorCode.XML_ERROR });
});
