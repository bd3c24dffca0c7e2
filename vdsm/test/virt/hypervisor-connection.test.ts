// HypervisorConnection against the real libvirtd through a Unix-socket relay we control: cutting the relay is
// libvirtd going away; the connection must come back by itself with its event subscriptions.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTION_CALLS, EventId, LifecycleEvent } from '@vdsm-ts/native/libvirt/index';
import t from 'tap';
import { HypervisorConnection } from '../../src/virt/hypervisor-connection.js';
import { silentLogger, waitFor } from './helpers.js';

const LIBVIRT_SOCK = '/var/run/libvirt/libvirt-sock';

t.test('reconnects after libvirtd goes away, with its subscriptions', async (t) => {
  if (!existsSync(LIBVIRT_SOCK)) {
    if (process.env.CI === 'true') throw new Error(`${LIBVIRT_SOCK} is missing: libvirtd is not running`);
    return t.plan(0, `${LIBVIRT_SOCK} is missing: libvirtd is not running`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'vdsm-virt-relay-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const relayPath = join(dir, 'relay.sock');
  let sockets: Socket[] = [];
  const relay = createServer((client) => {
    const upstream = connect(LIBVIRT_SOCK);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    sockets.push(client, upstream);
  });
  await new Promise<void>((resolve) => relay.listen(relayPath, resolve));
  t.teardown(() => {
    relay.close();
    for (const s of sockets) s.destroy();
  });

  const hv = new HypervisorConnection({
    uri: `qemu+unix:///system?socket=${relayPath}`,
    logger: silentLogger(),
    backoffMinMs: 50,
  });
  await hv.connect();
  t.teardown(() => hv.close());
  const events: Array<{ uuid: string; event: number }> = [];
  await hv.subscribe(EventId.LIFECYCLE, (e) => events.push({ uuid: e.domain.uuid, event: e.event }));
  let reconnects = 0;
  hv.onReconnect(() => reconnects++);
  let closes = 0;
  hv.onClose(() => closes++);

  const cut = sockets;
  sockets = [];
  for (const s of cut) s.destroy();
  await waitFor(() => reconnects === 1, 'the reconnection');
  t.equal(closes, 1, 'close listeners were told');
  t.ok(hv.isAlive(), 'alive again');
  t.type(await hv.getHostname(), 'string', 'calls work on the new connection');

  // A transient domain with nothing to boot: QEMU starts and idles in the firmware.
  const name = `vdsm-reconnect-${randomUUID().slice(0, 8)}`;
  const domain = await hv.createXML(
    `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os><devices/></domain>`,
  );
  t.teardown(() => domain.destroy().catch(() => undefined));
  const uuid = domain.uuid;
  await waitFor(
    () => events.some((e) => e.uuid === uuid && e.event === LifecycleEvent.STARTED),
    'STARTED through the re-registered subscription',
  );
  await domain.destroy();
  await waitFor(() => events.some((e) => e.uuid === uuid && e.event === LifecycleEvent.STOPPED), 'STOPPED');
  t.pass('events keep flowing after the reconnection');
});

t.test('every call of the table goes to the current connection; none before it is open', async (t) => {
  const hv = new HypervisorConnection({ uri: 'test:///default', logger: silentLogger() });
  t.teardown(() => hv.close());
  const calls = hv as unknown as Record<string, () => Promise<unknown>>;
  for (const name of Object.keys(CONNECTION_CALLS)) t.type(calls[name], 'function', name);
  await t.rejects(hv.getHostname(), { code: 6 }, 'not connected: VIR_ERR_INVALID_CONN, as a rejection');
  await hv.connect();
  t.equal(await hv.getURI(), 'test:///default');
  const [domain] = await hv.listAllDomains();
  t.equal(domain?.name, 'test', 'the handle comes from the current Connection');
  t.type((await hv.getNodeCPUStats()).idle, 'number', 'defaults are filled by the Connection');
});
