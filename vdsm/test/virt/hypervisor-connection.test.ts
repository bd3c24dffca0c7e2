// HypervisorConnection against the real libvirtd through a Unix-socket relay we control: cutting the relay is
// libvirtd going away; the connection must come back by itself with its event subscriptions.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { CONNECTION_CALLS, EventId, LifecycleEvent } from '@vdsm-ts/native/libvirt/index';
import { LIBVIRT_SOCKET, startLibvirtRelay } from '@vdsm-ts/testing/libvirt-relay';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { HypervisorConnection } from '../../src/virt/hypervisor-connection.js';
import { silentLogger } from './helpers.js';

t.test('reconnects after libvirtd goes away, with its subscriptions', async (t) => {
  if (!existsSync(LIBVIRT_SOCKET)) {
    if (process.env.CI === 'true') throw new Error(`${LIBVIRT_SOCKET} is missing: libvirtd is not running`);
    return t.plan(0, `${LIBVIRT_SOCKET} is missing: libvirtd is not running`);
  }
  const relay = await startLibvirtRelay(t, 'vdsm-virt-relay-');

  const hv = new HypervisorConnection({
    uri: relay.uri,
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

  relay.cut();
  await waitUntil(() => reconnects === 1, { timeoutMs: 10_000, what: 'the reconnection' });
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
  await waitUntil(() => events.some((e) => e.uuid === uuid && e.event === LifecycleEvent.STARTED), {
    timeoutMs: 10_000,
    what: 'STARTED through the re-registered subscription',
  });
  await domain.destroy();
  await waitUntil(() => events.some((e) => e.uuid === uuid && e.event === LifecycleEvent.STOPPED), {
    timeoutMs: 10_000,
    what: 'STOPPED',
  });
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
