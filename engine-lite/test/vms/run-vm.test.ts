// VMs end to end: engine-lite (real PostgreSQL) runs a VM on a real vdsmd (test:///default): scheduling, VM.create
// with the engine's domain XML, status back from monitoring, ticket, suspend/resume, stop; a killed host leaves its
// VM Unknown, and an engine restart keeps it.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { type EngineOptions, type RunningEngine, startEngine } from '../../src/runtime.js';
import { ApiError, EngineClient } from '../../src/sdk/client.js';
import type { Vm } from '../../src/sdk/types.js';
import { addPlainHost } from '../helpers/engine-host.js';
import { startPostgres } from '../helpers/postgres.js';
import type { Vdsmd } from '../helpers/vdsmd.js';

// polls far apart, so a status change seen between two polls can only have come from a VM_status event
const MONITOR = { pollIntervalMs: 4000, statsEveryPolls: 1, maxMissedPolls: 1, callTimeoutMs: 1000 };
/** vdsm reports "Powering up" until the guest agent answers; on test:///default there is no guest. */
const running = (v: Vm) => v.status === 'up' || v.status === 'powering_up';

async function refusal(promise: Promise<unknown>): Promise<ApiError | undefined> {
  return promise.then(
    () => undefined,
    (err: unknown) => (err instanceof ApiError ? err : undefined),
  );
}

t.test('a VM runs on a vdsmd host and survives its host dying as Unknown', async (t) => {
  const server = await startPostgres();
  const dataDir = await mkdtemp(join(tmpdir(), 'engine-lite-data-'));
  const daemons: Vdsmd[] = [];
  let engine: RunningEngine | undefined;
  t.teardown(async () => {
    await engine?.stop();
    await Promise.all(daemons.map((d) => d.stop()));
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const options: EngineOptions = { dataDir, db: server.url, port: 0, monitor: MONITOR, adminPassword: 'vm-admin-pw' };
  engine = await startEngine(options);
  let api = await EngineClient.login(engine.url, 'admin@internal', 'vm-admin-pw');
  await api.dataCenters.add({ name: 'dc' });
  await api.clusters.add({ name: 'cl', data_center: { name: 'dc' }, cpu: { type: 'AMD EPYC' } });
  const { host, vdsmd } = await addPlainHost(api, daemons, 'h1', { name: 'cl' });
  await api.waitFor(
    () => api.hosts.get(host.id),
    (h) => h.status === 'up' && h.free_memory > 0,
    { timeoutMs: 30_000 },
  );

  const vm = await api.vms.add({ name: 'vm1', cluster: { name: 'cl' }, memory: 128 * 1048576, network: 'ovirtmgmt' });
  t.equal(vm.status, 'down', 'a new VM is Down');
  t.equal(vm.template?.id, '00000000-0000-0000-0000-000000000000', 'made from the Blank template');
  // start right after a poll: the next one is 4 s away
  await once(engine.hosts, 'cycle');
  let polls = 0;
  const countPoll = () => polls++;
  engine.hosts.on('cycle', countPoll);
  await api.vms.start(vm.id);
  const started = await api.waitFor(
    () => api.vms.get(vm.id),
    (v) => v.status !== 'wait_for_launch',
    {
      timeoutMs: 30_000,
      intervalMs: 20,
    },
  );
  engine.hosts.off('cycle', countPoll);
  t.ok(running(started), `VM running: ${started.status}`);
  t.equal(polls, 0, 'the status came from a |virt|VM_status| event (no poll in between)');
  t.equal(started.host?.id, host.id, 'placed on the only Up host of the cluster');
  // libvirt's test driver cannot change graphics passwords: the ticket reaches vdsm, whose error comes back whole
  const ticket = await refusal(api.vms.ticket(vm.id, 60));
  t.equal(ticket?.status, 502, 'VM.setTicket went to the host');
  t.match(ticket?.message, /VM\.setTicket failed: vdsm error \d+/, 'the host error is passed on');
  await api.vms.suspend(vm.id);
  await api.waitFor(
    () => api.vms.get(vm.id),
    (v) => v.status === 'paused',
    { timeoutMs: 10_000 },
  );
  await api.vms.start(vm.id);
  await api.waitFor(() => api.vms.get(vm.id), running, { timeoutMs: 10_000 });
  t.pass('suspend (VM.pause) and start (VM.cont) round trip');
  await api.vms.stop(vm.id);
  await api.waitFor(
    () => api.vms.get(vm.id),
    (v) => v.status === 'down' && v.host === undefined,
    { timeoutMs: 10_000 },
  );
  t.pass('stop (VM.destroy) → Down');

  await api.vms.start(vm.id);
  await api.waitFor(() => api.vms.get(vm.id), running, { timeoutMs: 30_000 });
  await vdsmd.kill();
  await api.waitFor(
    () => api.hosts.get(host.id),
    (h) => h.status === 'non_responsive',
    { timeoutMs: 20_000 },
  );
  const lost = await api.vms.get(vm.id);
  t.equal(lost.status, 'unknown', 'the VM on the dead host is Unknown');
  t.equal(lost.host?.id, host.id, 'and still placed on that host');
  t.equal((await refusal(api.vms.stop(vm.id)))?.status, 409, 'an Unknown VM cannot be stopped through its dead host');

  await engine.stop();
  engine = await startEngine(options);
  api = await EngineClient.login(engine.url, 'admin@internal', 'vm-admin-pw');
  t.equal((await api.vms.get(vm.id)).status, 'unknown', 'still Unknown after an engine restart');
});
