import { uuidOf } from '@vdsm-ts/testing/domain-xml';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmClient } from '../../src/client/index.js';
import { engineVmXml, SAMPLE_DOMAIN_UUID } from './helpers.js';

const VMS = 500;
const CONCURRENCY = 32;

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

t.test(`${VMS} VMs through the API on test:///default`, async (t) => {
  const daemon = await startVdsmdProcess({ config: { vars: { vm_sample_interval: 2 } } });
  t.teardown(daemon.stop);
  const port = daemon.port;
  const client = await waitUntil(
    async () => {
      const c = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false });
      await c.call('Host.ping2');
      return c;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'vdsmd to answer Host.ping2', retryOnError: true },
  );
  t.teardown(() => client.close());
  const downEvents = new Set<string>();
  client.subscribeEvents((method, params) => {
    const id = method.split('|')[3];
    if (id === undefined || id === SAMPLE_DOMAIN_UUID) return;
    if ((params[id] as { status?: string } | undefined)?.status === 'Down') downEvents.add(id);
  });

  // The test driver's running sample domain is an external VM to vdsmd: stopped (and so unlisted) first.
  await client.call('VM.destroy', { vmID: SAMPLE_DOMAIN_UUID });
  const xmls = Array.from({ length: VMS }, (_, i) => engineVmXml({ name: `scale-${i}`, macs: [] }));
  const ids = xmls.map(uuidOf);
  let begun = performance.now();
  await inBatches(xmls, (xml) => client.call('VM.create', { vmID: uuidOf(xml), vmParams: { xml } }));
  t.comment(`created ${VMS} VMs in ${Math.round(performance.now() - begun)} ms`);

  const list = await waitUntil(
    async () => {
      const current = await client.call<Array<{ vmId: string; status: string }>>('Host.getVMList', {});
      const running = current.filter((v) => v.status === 'Up' || v.status === 'Powering up');
      return running.length === VMS ? current : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `${VMS} VMs Up or Powering up` },
  );
  t.equal(list.length, VMS, 'all listed');
  t.same(new Set(list.map((v) => v.vmId)), new Set(ids), 'the ones created');
  t.ok(
    list.every((v) => v.status === 'Up' || v.status === 'Powering up'),
    'all running',
  );

  begun = performance.now();
  const stats = await client.call<Array<Record<string, unknown>>>('Host.getAllVmStats', {});
  t.comment(
    `Host.getAllVmStats for ${VMS} VMs: ${Math.round(performance.now() - begun)} ms, ${JSON.stringify(stats).length} bytes`,
  );
  t.equal(stats.length, VMS);
  t.ok(stats.every((s) => typeof s.vmName === 'string' && typeof s.statusTime === 'string'));
  const one = await client.call<Array<Record<string, unknown>>>('VM.getStats', { vmID: ids[7] });
  t.equal(one[0]?.vmName, 'scale-7');
  const host = await client.call<Record<string, unknown>>('Host.getStats', {});
  t.equal(host.vmCount, VMS);

  begun = performance.now();
  await inBatches(ids, (id) => client.call('VM.destroy', { vmID: id }));
  t.comment(`destroyed ${VMS} VMs in ${Math.round(performance.now() - begun)} ms`);
  t.same(await client.call('Host.getVMList', {}), [], 'none left');
  await waitUntil(() => downEvents.size >= VMS, { timeoutMs: 10_000, intervalMs: 50, what: `${VMS} Down events` });
  t.equal(downEvents.size, VMS, 'one Down event per VM');
});
