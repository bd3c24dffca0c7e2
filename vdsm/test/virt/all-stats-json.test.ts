// Host.getAllVmStats' pre-serialized text on test:///default with the real sampler: the same bytes as stringifying
// the records, reused while nothing changed, rebuilt after a sampling cycle or a status change.

import { uuidOf } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { HypervisorConnection } from '../../src/virt/hypervisor-connection.js';
import type { KvmSupport } from '../../src/virt/kvm-support.js';
import { VmSampler } from '../../src/virt/sampling/index.js';
import { VmManager } from '../../src/virt/vm-manager.js';
import { engineVmXml, removeSampleDomain, silentLogger } from './helpers.js';

const KVM: KvmSupport = { usable: false, reason: 'test', useTcg: true, setting: 'auto' };

t.test('allStatsJson: the bytes of JSON.stringify(allStats()), cached until a record changes', async (t) => {
  const hypervisor = new HypervisorConnection({ uri: 'test:///default', logger: silentLogger() });
  await hypervisor.connect();
  await removeSampleDomain(hypervisor);
  const sampler = new VmSampler({ hypervisor, intervalSeconds: 15, logger: silentLogger() });
  const manager = new VmManager({
    hypervisor,
    logger: silentLogger(),
    kvm: KVM,
    sampler,
    publish: () => undefined,
    timing: { guestEventMs: 1 },
  });
  await manager.start();
  t.teardown(async () => {
    await manager.stop();
    await hypervisor.close();
  });
  t.equal(manager.allStatsJson().text, '[]');
  const xmls = Array.from({ length: 20 }, (_, i) =>
    engineVmXml({ name: `json-${i}`, macs: [`56:6f:00:00:02:${i.toString(16).padStart(2, '0')}`] }),
  );
  for (const xml of xmls) await manager.create(uuidOf(xml), { xml });
  await waitUntil(() => manager.list().every((vm) => vm.status() === 'Up'), { timeoutMs: 10_000, what: 'all Up' });
  await sampler.sampleNow();
  await sampler.sampleNow();

  const text = manager.allStatsJson().text;
  t.equal(text, JSON.stringify(manager.allStats()), 'same bytes');
  t.match(JSON.parse(text)[0], { status: 'Up', network: {}, balloonInfo: {}, vmName: 'json-0' }, 'sampled fields in');
  t.equal(manager.allStatsJson().text, text, 'unchanged inputs: the cached text');

  await manager.pause(uuidOf(xmls[3] as string));
  const paused = manager.allStatsJson().text;
  t.not(paused, text, 'a status change rebuilds it');
  t.equal(paused, JSON.stringify(manager.allStats()));
  t.equal((JSON.parse(paused) as Array<{ status: string }>)[3]?.status, 'Paused');

  const five = manager.get(uuidOf(xmls[5] as string));
  manager.shutdown(five.id, { reboot: false, force: false, timeout: 2 });
  await waitUntil(() => five.isDown(), { timeoutMs: 10_000, what: 'Down' });
  const withDown = manager.allStatsJson().text;
  t.equal(withDown, JSON.stringify(manager.allStats()), 'a Down VM: its exit record');
  t.match(JSON.parse(withDown)[5], { status: 'Down', exitReason: 6 });
  t.equal(manager.allStatsJson().text, withDown);

  const cycles = sampler.lastCycle.cycles;
  await sampler.sampleNow();
  t.equal(sampler.lastCycle.cycles, cycles + 1);
  t.equal(manager.allStatsJson().text, JSON.stringify(manager.allStats()), 'after a sampling cycle: the new records');

  await manager.destroy(uuidOf(xmls[0] as string), 0);
  const fewer = JSON.parse(manager.allStatsJson().text) as unknown[];
  t.equal(fewer.length, 19, 'a destroyed VM leaves the list');
  for (const xml of xmls.slice(1)) await manager.destroy(uuidOf(xml), 0);
});
