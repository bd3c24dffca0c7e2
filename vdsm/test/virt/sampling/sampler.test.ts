/**
 * VmSampler on libvirt's test driver (test:///default and a 1000-domain test-driver file): cycles, VMs appearing
 * and disappearing between cycles, a failing cycle, the unresponsive flag and scale. The test driver reports only
 * the state group, so counter rates are proven by vm-stats.test.ts and on a real guest (tests/test/virt).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, testDriverXml } from '@vdsm-ts/native/libvirt/index';
import pino from 'pino';
import t from 'tap';
import { VmSampler } from '../../../src/virt/sampling/index.js';

const TEST_DOMAIN = '6695eb01-f6a4-8304-79aa-97f2502e193f'; // the domain test:///default starts with

/** A logger that keeps its lines, so tests can see what the sampler logged. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

function domainXml(name: string, uuid: string): string {
  return `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>128</memory>
<vcpu>1</vcpu><os><type>hvm</type></os><devices>
<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><target dev='vnet5'/><model type='virtio'/></interface>
</devices></domain>`;
}

t.test('cycles on test:///default: stats per VM, appear and disappear between cycles', async (t) => {
  const hv = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => hv.close());
  const { logger } = memoryLogger();
  const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 15, logger });
  t.equal(sampler.statsFor(TEST_DOMAIN), undefined, 'nothing before the first cycle');

  await sampler.sampleNow();
  const first = sampler.statsFor(TEST_DOMAIN);
  t.ok(first, 'the running domain has stats after one cycle');
  t.equal(first?.monitorResponse, '0');
  t.equal(first?.cpuActual, false, 'no CPU rates from one sample');
  t.equal(sampler.statsJsonFor(TEST_DOMAIN), JSON.stringify(first));
  t.equal(sampler.statsJsonFor(TEST_DOMAIN), sampler.statsJsonFor(TEST_DOMAIN), 'serialized once per cycle');
  t.ok(Object.isFrozen(first), 'prebuilt stats are frozen');

  const uuid = '0c6fa0a8-7d43-4a5c-9b1f-5b8b1c7f7e01';
  const dom = await hv.createXML(domainXml('appears', uuid));
  await sampler.sampleNow();
  t.not(sampler.statsFor(TEST_DOMAIN), first, 'rebuilt on the next cycle');
  const appeared = sampler.statsFor(uuid);
  t.ok(appeared, 'a VM started between cycles is sampled on the next one');
  t.equal(sampler.lastCycle.domains, 2);

  await dom.destroy();
  await sampler.sampleNow();
  t.equal(sampler.lastCycle.domains, 1, 'the destroyed domain is no longer in the bulk call');
  t.equal(sampler.statsFor(uuid), appeared, 'its last stats stay until the VM is forgotten');
  t.ok((sampler.statsAge(uuid) ?? 0) > 0, 'and their age grows');
  sampler.forget(uuid);
  t.equal(sampler.statsFor(uuid), undefined);
  t.equal(sampler.statsJsonFor(uuid), undefined);
});

t.test('a VM missing from samples for longer than the timeout is flagged unresponsive', async (t) => {
  const hv = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => hv.close());
  const sampler = new VmSampler({
    hypervisor: hv,
    intervalSeconds: 15,
    logger: memoryLogger().logger,
    unresponsiveAfterSeconds: 0.05,
  });
  const uuid = '0c6fa0a8-7d43-4a5c-9b1f-5b8b1c7f7e02';
  const dom = await hv.createXML(domainXml('silent', uuid));
  await sampler.sampleNow();
  t.equal(sampler.statsFor(uuid)?.monitorResponse, '0');
  await dom.suspend();
  await dom.destroy();
  const deadline = Date.now() + 5000;
  // cycles run back to back until the VM's stats are older than the (tiny) timeout
  while (sampler.statsFor(uuid)?.monitorResponse === '0' && Date.now() < deadline) await sampler.sampleNow();
  t.equal(sampler.statsFor(uuid)?.monitorResponse, '-1', 'monitorResponse -1 once the stats are too old');
  t.equal(sampler.statsFor(TEST_DOMAIN)?.monitorResponse, '0', 'VMs still sampled stay responsive');
});

t.test('a failing cycle is logged once and keeps the previous stats', async (t) => {
  const hv = await Connection.open({ uri: 'test:///default' });
  const { logger, lines } = memoryLogger();
  const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 15, logger });
  await sampler.sampleNow();
  const before = sampler.statsFor(TEST_DOMAIN);
  const json = sampler.statsJsonFor(TEST_DOMAIN);
  await hv.close();
  await sampler.sampleNow();
  await sampler.sampleNow();
  t.equal(sampler.lastCycle.failures, 2, 'both cycles failed');
  t.match(String(sampler.lastCycle.lastError), /closed/);
  t.equal(sampler.statsFor(TEST_DOMAIN), before, 'previous stats served unchanged');
  t.equal(sampler.statsJsonFor(TEST_DOMAIN), json);
  const warnings = lines.filter((l) => l.level === 40);
  t.equal(warnings.length, 1, 'one warning per failure streak, not per cycle');
  t.match(warnings[0]?.msg, /keeping the previous stats/);
});

t.test('start/stop run cycles on the timer without blocking', async (t) => {
  const hv = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => hv.close());
  const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 0.02, logger: memoryLogger().logger });
  sampler.start();
  const deadline = Date.now() + 5000;
  while (sampler.lastCycle.cycles < 3 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  sampler.stop();
  t.ok(sampler.lastCycle.cycles >= 3, `timer ran ${sampler.lastCycle.cycles} cycles`);
  t.ok(sampler.statsFor(TEST_DOMAIN));
  t.throws(() => new VmSampler({ hypervisor: hv, intervalSeconds: 0, logger: memoryLogger().logger }), RangeError);
});

t.test('1000 domains: one bulk call per cycle, every VM served from memory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vdsm-sampling-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'node.xml');
  await writeFile(file, testDriverXml({ domains: 1000, running: 1000 }));
  const hv = await Connection.open({ uri: `test://${file}` });
  t.teardown(() => hv.close());
  const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 15, logger: memoryLogger().logger });
  const started = performance.now();
  await sampler.sampleNow();
  t.comment(`first cycle (bulk call + 1000 domain XML reads): ${Math.round(performance.now() - started)} ms`);
  const again = performance.now();
  await sampler.sampleNow();
  t.comment(`second cycle: ${(performance.now() - again).toFixed(1)} ms`);
  t.equal(sampler.lastCycle.domains, 1000);
  const ids = (await hv.listAllDomains()).map((d) => d.uuid);
  t.equal(ids.length, 1000);
  const missing = ids.filter((id) => sampler.statsFor(id) === undefined);
  t.same(missing, [], 'every domain has stats');
  const first = sampler.statsFor(ids[0] as string);
  t.match(first, { monitorResponse: '0', network: {}, disks: {} });
  const reads = performance.now();
  let bytes = 0;
  for (const id of ids) bytes += sampler.statsJsonFor(id)?.length ?? 0;
  t.comment(`serving 1000 VMs' stats as JSON: ${(performance.now() - reads).toFixed(2)} ms, ${bytes} bytes`);
  t.ok(bytes > 1000 * 50);
});

t.test('a VM forgotten while a cycle is in flight is not brought back by that cycle', async (t) => {
  const hv = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => hv.close());
  const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 15, logger: memoryLogger().logger });
  await sampler.sampleNow();
  const inFlight = sampler.sampleNow();
  sampler.forget(TEST_DOMAIN); // the bulk call above already left for libvirt
  await inFlight;
  t.equal(sampler.statsFor(TEST_DOMAIN), undefined, 'still forgotten after the in-flight cycle');
  await sampler.sampleNow();
  t.ok(sampler.statsFor(TEST_DOMAIN), 'a later cycle samples it again (it still runs)');
});
