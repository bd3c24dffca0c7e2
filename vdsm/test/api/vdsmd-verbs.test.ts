// Implemented verbs that no other test calls through the API, called through a real vdsmd (test:///default) whose
// strict mode checks every result against the schema.

import { uuidOf } from '@vdsm-ts/testing/domain-xml';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmClient, VdsmRpcError } from '../../src/client/index.js';
import { engineVmXml } from '../virt/helpers.js';

const UNKNOWN_TASK = '5f0c4a3e-1b2d-4c6e-8f90-a1b2c3d4e5f6';

t.test('VM.setNumberOfCpus, VM.setBalloonTarget and the task verbs answer in the schema', async (t) => {
  const daemon = await startVdsmdProcess({ startTimeoutMs: 30_000 });
  t.teardown(daemon.stop);
  const client = await VdsmClient.connect({ host: '127.0.0.1', port: daemon.port, tls: false, reconnect: false });
  t.teardown(() => client.close());
  const code = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof VdsmRpcError ? e.code : e),
    );

  const xml = engineVmXml({ name: 'verbs', macs: [] });
  const vmID = uuidOf(xml);
  await client.call('VM.create', { vmID, vmParams: { xml } });
  // VM.create answers WaitForLaunch; device verbs need the domain running (until then they answer noVM, as upstream)
  await waitUntil(
    async () =>
      ['Powering up', 'Up'].includes(
        (await client.call<Array<{ status: string }>>('VM.getStats', { vmID }))[0]?.status ?? '',
      ),
    { timeoutMs: 30_000, what: 'the VM running' },
  );
  t.match(await client.call('VM.setNumberOfCpus', { vmID, numberOfCpus: 1 }), { vmId: vmID, smp: '1' });
  t.equal(await client.call('VM.setBalloonTarget', { vmID, target: 64 * 1024 }), true);
  t.equal(await code(client.call('VM.setBalloonTarget', { vmID, target: 1024 * 1024 * 1024 })), 91, 'above memory');

  t.same(await client.call('Host.getAllTasks', {}), {}, 'no tasks without a pool');
  t.same(await client.call('Host.getAllTasksInfo', {}), {});
  t.equal(await code(client.call('Task.stop', { taskID: UNKNOWN_TASK })), 401, 'Task.stop: unknown task');
  t.equal(await code(client.call('Task.revert', { taskID: UNKNOWN_TASK })), 401, 'Task.revert: unknown task');
  t.equal(await code(client.call('Task.stop', { taskID: '$(id)' })), -32602, 'a non-UUID task id');
  t.equal(await client.call('VM.destroy', { vmID }), true);
  t.notMatch(daemon.log(), /does not fit the schema/, 'no result failed its schema check');
});
