import { existsSync } from 'node:fs';
import { LIBVIRT_SOCKET, startLibvirtRelay } from '@vdsm-ts/testing/libvirt-relay';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { Connection, type ConnectionClosedEvent } from '../../src/libvirt/index.js';

// A real libvirtd connection through a Unix-socket relay we control: cutting the relay is the daemon going
// away, and the connection-closed notification must arrive with reason EOF.
t.test('connection-closed notification when the daemon side goes away', async (t) => {
  if (!existsSync(LIBVIRT_SOCKET)) {
    if (process.env.CI === 'true') throw new Error(`${LIBVIRT_SOCKET} is missing: libvirtd is not running`);
    return t.plan(0, `${LIBVIRT_SOCKET} is missing: libvirtd is not running`);
  }
  const relay = await startLibvirtRelay(t, 'vdsm-native-relay-');

  const c = await Connection.open({ uri: relay.uri });
  t.ok(c.isAlive());
  t.type(await c.getHostname(), 'string');
  const closed: ConnectionClosedEvent[] = [];
  c.onClose((e) => closed.push(e));

  relay.cut();
  const event = await waitUntil(() => closed[0], { timeoutMs: 10_000, what: 'the closed notification' });
  t.same(event, { type: 'closed', reason: 1 /* VIR_CONNECT_CLOSE_REASON_EOF */ });
  t.equal(c.isAlive(), false);
  await t.rejects(c.getHostname(), { name: 'LibvirtError' });
  await c.close();
});
