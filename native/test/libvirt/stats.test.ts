import t from 'tap';
import { Connection, DomainState, ErrorCode, StatsFlags, StatsGroup, testDriverXml } from '../../src/libvirt/index.js';
import { testDriverFile } from './helpers.js';

t.test('testDriverXml produces the requested domains', async (t) => {
  const xml = testDriverXml({ domains: 3, running: 2, prefix: 'p' });
  t.equal(xml.match(/<domain /g)?.length, 3);
  t.match(xml, /<name>p-2<\/name>/);
  t.throws(() => testDriverXml({ domains: -1 }), RangeError);
});

t.test('bulk stats over 1000 test-driver domains', async (t) => {
  const file = await testDriverFile({ domains: 1000, running: 600 });
  t.teardown(file.cleanup);
  const c = await Connection.open({ uri: file.uri });
  t.teardown(() => c.close());
  t.equal((await c.listAllDomains()).length, 1000);

  const all = await c.getAllDomainStats();
  t.equal(all.length, 1000);
  const byName = new Map(all.map((r) => [r.name, r]));
  const first = byName.get('vm-0');
  t.same(first?.state, { state: DomainState.RUNNING, reason: 0 });
  t.equal(first?.uuid, '6f1c7a5e-0000-4000-8000-000000000000');
  t.ok((first?.id ?? 0) > 0);
  t.same(byName.get('vm-999')?.state, { state: DomainState.SHUTOFF, reason: 0 });
  t.equal(byName.get('vm-999')?.id, -1);

  const running = await c.getAllDomainStats(StatsGroup.STATE, StatsFlags.RUNNING);
  t.equal(running.length, 600);
  const off = await c.getAllDomainStats(StatsGroup.STATE, StatsFlags.SHUTOFF);
  t.equal(off.length, 400);
  // ENFORCE_STATS with a group the test driver lacks is refused, as libvirt documents.
  await t.rejects(c.getAllDomainStats(StatsGroup.BLOCK, StatsFlags.ENFORCE_STATS), {
    name: 'LibvirtError',
    code: ErrorCode.ARGUMENT_UNSUPPORTED,
  });

  const some = (await c.listAllDomains(0)).filter((d) => d.name === 'vm-1' || d.name === 'vm-2');
  const list = await c.domainListGetStats(some, StatsGroup.STATE);
  t.same(list.map((r) => r.name).sort(), ['vm-1', 'vm-2']);
  await t.rejects(c.domainListGetStats([{} as never], 0), { code: 8 });
});
