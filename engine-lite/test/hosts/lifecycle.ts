/**
 * The whole host lifecycle against real vdsmd processes (test:///default, each on its own loopback port): data
 * center, cluster, one plain-TCP host and one TLS host enrolled with the engine's CA, both reach Up; a VM runs;
 * a vdsmd is killed and its host goes NonResponsive (its VM Unknown, not lost); engine-lite restarts and finds
 * everything in its database. Shared by the PGlite and the PostgreSQL test files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort as freePort } from '@vdsm-ts/testing/free-port';
import type { Test } from 'tap';
import { writeVdsmPki } from '../../src/pki/ca.js';
import { type EngineOptions, type RunningEngine, startEngine } from '../../src/runtime.js';
import { EngineClient } from '../../src/sdk/client.js';
import type { Host } from '../../src/sdk/types.js';
import { addPlainHost } from '../helpers/engine-host.js';
import { startVdsmd, type Vdsmd } from '../helpers/vdsmd.js';

// A dead host is refused at once, so misses come at the poll rate; the long call timeout keeps a live host on a
// loaded machine from missing polls.
const MONITOR = { pollIntervalMs: 200, statsEveryPolls: 1, maxMissedPolls: 3, callTimeoutMs: 5000 };
const ADMIN_PASSWORD = 'lifecycle-admin-pw';

export async function hostLifecycle(t: Test, db: string): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'engine-lite-data-'));
  const daemons: Vdsmd[] = [];
  let engine: RunningEngine | undefined;
  t.teardown(async () => {
    await engine?.stop();
    await Promise.all(daemons.map((d) => d.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });
  const options: EngineOptions = { dataDir, db, port: 0, monitor: MONITOR, adminPassword: ADMIN_PASSWORD };
  engine = await startEngine(options);
  let api = await EngineClient.login(engine.url, 'admin@internal', ADMIN_PASSWORD);

  const dc = await api.dataCenters.add({ name: 'dc1' });
  const cluster = await api.clusters.add({ name: 'cl1', data_center: { name: 'dc1' }, cpu: { type: 'AMD EPYC' } });
  t.equal(cluster.data_center?.id, dc.id, 'cluster in the data center');

  // host A: plain TCP
  const { host: hostA, vdsmd: plain } = await addPlainHost(api, daemons, 'host-a', { id: cluster.id });
  t.equal(hostA.status, 'installing', 'a new host starts Installing');

  // host B: TLS with a certificate the engine issues; vdsmd starts only once the certificate is installed
  const tlsPort = await freePort();
  const hostB = await api.hosts.add({ name: 'host-b', address: '127.0.0.1', port: tlsPort, cluster: { name: 'cl1' } });
  const pki = await api.hosts.enroll(hostB.id);
  const pkiDir = join(dataDir, 'host-b-pki');
  await writeVdsmPki(pkiDir, {
    key: pki['keys/vdsmkey.pem'],
    cert: pki['certs/vdsmcert.pem'],
    ca: pki['certs/cacert.pem'],
  });
  const secure = await startVdsmd({ pkiDir, port: tlsPort });
  daemons.push(secure);

  const isUp = (h: Host) => h.status === 'up';
  const upA = await api.waitFor(() => api.hosts.get(hostA.id), isUp, { timeoutMs: 30_000 });
  const upB = await api.waitFor(() => api.hosts.get(hostB.id), isUp, { timeoutMs: 30_000 });
  t.equal(upA.cpu.name, upB.cpu.name, 'capabilities read from both hosts');
  t.ok(upB.memory > 0, 'host memory from Host.getCapabilities');
  t.ok(upA.last_seen !== undefined, 'Up only after a whole poll: host A was seen');
  t.ok(upB.last_seen !== undefined, 'host B polled over mutual TLS');

  // a host whose CPU lacks the cluster's CPU model is NonOperational
  await api.clusters.add({ name: 'power', data_center: { name: 'dc1' }, cpu: { type: 'IBM POWER9' } });
  const { host: hostC } = await addPlainHost(api, daemons, 'host-c', { name: 'power' });
  const nonOp = await api.waitFor(
    () => api.hosts.get(hostC.id),
    (h) => h.status === 'non_operational',
    { timeoutMs: 30_000 },
  );
  t.match(nonOp.status_detail, /model_POWER9/, `NonOperational says why: ${nonOp.status_detail}`);

  // kill host A's vdsmd: NonResponsive after the configured misses
  const killedAt = Date.now();
  await plain.kill();
  const down = await api.waitFor(
    () => api.hosts.get(hostA.id),
    (h) => h.status === 'non_responsive',
    {
      timeoutMs: 20_000,
      intervalMs: 50,
    },
  );
  const elapsed = Date.now() - killedAt;
  t.comment(
    `NonResponsive ${elapsed} ms after the kill (poll ${MONITOR.pollIntervalMs} ms x ${MONITOR.maxMissedPolls})`,
  );
  t.ok(down.status_detail.length > 0, `the reason is kept: ${down.status_detail}`);
  t.equal((await api.hosts.get(hostB.id)).status, 'up', 'the other host stays Up');
  const codes = (await api.events.list(200)).map((e) => e.code);
  t.ok(codes.includes('HOST_NONRESPONSIVE'), 'audit log records NonResponsive');
  t.ok(codes.includes('HOST_UP'), 'audit log records Up');

  // restart engine-lite on the same database
  await engine.stop();
  engine = await startEngine(options);
  api = await EngineClient.login(engine.url, 'admin@internal', ADMIN_PASSWORD);
  t.same(
    (await api.dataCenters.list()).map((d) => d.name),
    ['dc1'],
    'data center survives the restart',
  );
  t.same(
    (await api.hosts.list()).map((h) => h.name),
    ['host-a', 'host-b', 'host-c'],
    'hosts survive the restart',
  );
  t.equal((await api.hosts.get(hostA.id)).status, 'non_responsive', 'dead host still NonResponsive after restart');
  await api.waitFor(() => api.hosts.get(hostB.id), isUp, { timeoutMs: 30_000 });
  t.pass('live host Up again after the restart');

  // host A's vdsmd comes back on the same port: the monitor re-activates it
  const revived = await startVdsmd({ port: plain.port });
  daemons.push(revived);
  await api.waitFor(() => api.hosts.get(hostA.id), isUp, { timeoutMs: 30_000 });
  t.pass('a host that answers again goes back Up');

  // maintenance round trip
  await api.hosts.deactivate(hostA.id);
  t.equal((await api.hosts.get(hostA.id)).status, 'maintenance', 'deactivate → Maintenance');
  await api.hosts.activate(hostA.id);
  await api.waitFor(() => api.hosts.get(hostA.id), isUp, { timeoutMs: 30_000 });
  t.pass('activate → Up');
}
