// The VM replies the engine reads, through a real vdsmd on test:///default whose strict mode checks every result
// against the schema: pause/cont shapes, VM.getMigrationStatus, Host.dumpxmls, Host.getAllVmIoTunePolicies, vmJobs,
// VM_status bodies, the error codes for unknown and duplicate VMs, and the driver's sample domain as an external VM.

import { uuidOf } from '@vdsm-ts/testing/domain-xml';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmClient, VdsmRpcError } from '../../src/client/index.js';
import { engineVmXml, SAMPLE_DOMAIN_UUID } from './helpers.js';

const UNKNOWN_VM = '5f0c4a3e-1b2d-4c6e-8f90-a1b2c3d4e5f6';

/** The engine's QoS for one disk, as it writes it into the domain metadata. */
const QOS = `<ovirt-tune:qos><ovirt-tune:ioTune><ovirt-tune:device name="vda" path="/guest/qos.img"><ovirt-tune:maximum><ovirt-tune:total_bytes_sec>1048576</ovirt-tune:total_bytes_sec><ovirt-tune:read_iops_sec>300</ovirt-tune:read_iops_sec></ovirt-tune:maximum><ovirt-tune:guaranteed><ovirt-tune:total_bytes_sec>1024</ovirt-tune:total_bytes_sec></ovirt-tune:guaranteed></ovirt-tune:device></ovirt-tune:ioTune></ovirt-tune:qos>`;

t.test('VM replies as upstream sends them', async (t) => {
  const daemon = await startVdsmdProcess({ startTimeoutMs: 30_000 });
  t.teardown(daemon.stop);
  const client = await VdsmClient.connect({ host: '127.0.0.1', port: daemon.port, tls: false, reconnect: false });
  t.teardown(() => client.close());
  const events: Array<{ vmId: string; body: Record<string, unknown> }> = [];
  client.subscribeEvents((method, params) => {
    const vmId = /^\|virt\|VM_status\|(.+)$/.exec(method)?.[1];
    if (vmId !== undefined)
      events.push({ vmId, body: { ...(params[vmId] as object), notify_time: params.notify_time } });
  });
  await client.call('Host.ping2');
  const code = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof VdsmRpcError ? e.code : e),
    );

  // The test driver's running sample domain has no oVirt metadata: an external VM, listed like the others.
  const listed = await client.call<Array<{ vmId: string; status: string }>>('Host.getVMList', {});
  t.match(listed, [{ vmId: SAMPLE_DOMAIN_UUID, status: 'Up' }], 'the external domain is reported');
  t.match(await client.call('Host.getAllVmStats', {}), [{ vmId: SAMPLE_DOMAIN_UUID, vmName: 'test', status: 'Up' }]);

  const xml = engineVmXml({ name: 'replies' }).replace('<ovirt-tune:qos/>', QOS);
  t.ok(xml.includes(QOS), 'the QoS is in the metadata');
  const vmID = uuidOf(xml);
  await client.call('VM.create', { vmID, vmParams: { xml } });
  t.equal(await code(client.call('VM.create', { vmID, vmParams: { xml } })), 4, 'a duplicate: exist (4)');
  await waitUntil(() => events.some((e) => e.vmId === vmID && e.body.status === 'Powering up'), {
    timeoutMs: 10_000,
    what: 'the VM started',
  });
  const started = events.find((e) => e.vmId === vmID && e.body.status === 'Powering up')?.body;
  t.same(
    Object.keys(started ?? {}).sort(),
    ['clientIp', 'elapsedTime', 'monitorResponse', 'notify_time', 'status', 'timeOffset'],
    "a running VM's event: status and upstream's running fields (_getRunningVmStats), plus notify_time",
  );
  t.match(started, { notify_time: Number }, 'notify_time at the top of the event, a number');

  const [stats] = await client.call<Array<Record<string, unknown>>>('VM.getStats', { vmID });
  t.same(stats?.vmJobs, {}, 'vmJobs: no block jobs (an empty map, as upstream once it has looked)');

  t.same(await client.call('VM.pause', { vmID }), { vmList: {} }, 'VM.pause: {vmList: {}}');
  await waitUntil(() => events.some((e) => e.vmId === vmID && e.body.status === 'Paused'), {
    timeoutMs: 10_000,
    what: 'the Paused event',
  });
  t.same(await client.call('VM.cont', { vmID }), { vmList: {} }, 'VM.cont: {vmList: {}}');

  t.same(
    await client.call('VM.getMigrationStatus', { vmID }),
    { status: { code: 0, message: 'Migration in progress' }, progress: 0 },
    "a VM that never migrated: upstream's fresh source thread status",
  );
  t.equal(await code(client.call('VM.getMigrationStatus', { vmID: UNKNOWN_VM })), 1, 'unknown VM: noVM (1)');

  const xmls = await client.call<Record<string, string>>('Host.dumpxmls', { vmList: [vmID, SAMPLE_DOMAIN_UUID] });
  t.same(Object.keys(xmls).sort(), [vmID, SAMPLE_DOMAIN_UUID].sort());
  t.match(xmls[vmID], `<uuid>${vmID}</uuid>`);
  t.match(xmls[SAMPLE_DOMAIN_UUID], '<name>test</name>');
  t.same(await client.call('Host.dumpxmls', { vmList: [] }), {}, 'no ids: an empty map');
  t.equal(await code(client.call('Host.dumpxmls', { vmList: [UNKNOWN_VM] })), 1, 'unknown VM: noVM (1)');

  const policies = await client.call<Record<string, unknown>>('Host.getAllVmIoTunePolicies', {});
  t.same(
    policies[vmID],
    {
      policy: [
        {
          name: 'vda',
          path: '/guest/qos.img',
          guaranteed: { total_bytes_sec: 1024 },
          maximum: { total_bytes_sec: 1048576, read_iops_sec: 300 },
        },
      ],
      current_values: [],
    },
    "the metadata's QoS; no current values without drives naming oVirt images",
  );
  t.same(policies[SAMPLE_DOMAIN_UUID], { policy: [], current_values: [] }, 'the external VM: nothing set');

  for (const verb of ['VM.getStats', 'VM.pause', 'VM.cont', 'VM.destroy']) {
    t.equal(await code(client.call(verb, { vmID: UNKNOWN_VM })), 1, `${verb} of an unknown VM: noVM (1)`);
  }
  t.equal(await client.call('VM.destroy', { vmID }), true);
  await waitUntil(() => events.some((e) => e.vmId === vmID && e.body.status === 'Down'), {
    timeoutMs: 10_000,
    what: 'the Down event',
  });
  t.match(events.find((e) => e.vmId === vmID && e.body.status === 'Down')?.body, {
    vmId: vmID,
    exitCode: 0,
    exitReason: 6,
    exitMessage: 'Admin shut down from the engine',
  });
  t.notMatch(daemon.log(), /does not fit the schema/, 'no result failed its schema check');
});
