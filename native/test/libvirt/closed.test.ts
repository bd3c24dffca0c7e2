import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { Connection, type ConnectionClosedEvent } from '../../src/libvirt/index.js';

const LIBVIRT_SOCK = '/var/run/libvirt/libvirt-sock';

// A real libvirtd connection through a Unix-socket relay we control: cutting the relay is the daemon going
// away, and the connection-closed notification must arrive with reason EOF.
t.test('connection-closed notification when the daemon side goes away', async (t) => {
  if (!existsSync(LIBVIRT_SOCK)) {
    if (process.env.CI === 'true') throw new Error(`${LIBVIRT_SOCK} is missing: libvirtd is not running`);
    return t.plan(0, `${LIBVIRT_SOCK} is missing: libvirtd is not running`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'vdsm-native-relay-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const relayPath = join(dir, 'relay.sock');
  const sockets: Socket[] = [];
  const relay = createServer((client) => {
    const upstream = connect(LIBVIRT_SOCK);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    sockets.push(client, upstream);
  });
  await new Promise<void>((resolve) => relay.listen(relayPath, resolve));
  t.teardown(() => relay.close());

  const c = await Connection.open({ uri: `qemu+unix:///system?socket=${relayPath}` });
  t.ok(c.isAlive());
  t.type(await c.getHostname(), 'string');
  const closed: ConnectionClosedEvent[] = [];
  c.onClose((e) => closed.push(e));

  for (const s of sockets) s.destroy();
  const event = await waitUntil(() => closed[0], { timeoutMs: 10_000, what: 'the closed notification' });
  t.same(event, { type: 'closed', reason: 1 /* VIR_CONNECT_CLOSE_REASON_EOF */ });
  t.equal(c.isAlive(), false);
  await t.rejects(c.getHostname(), { name: 'LibvirtError' });
  await c.close();
});
