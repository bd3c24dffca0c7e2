import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { encodeFrame, PROTOCOL_VERSION } from '@vdsm-ts/supervdsm-protocol/protocol';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { clientFor, sh, startDaemon } from './helpers.js';

t.test('bridges, veth, tap, MTU, addresses, routes, persist and restore inside a network namespace', async (t) => {
  const netns = `svdsm-${process.pid}`;
  await sh(['ip', 'netns', 'add', netns]);
  t.teardown(() => sh(['ip', 'netns', 'del', netns]).catch(() => {}));
  const d = await startDaemon(t);
  const net = clientFor(t, d.socket).ops;
  const link = async (name: string) => (await net.netLinks({ netns })).find((l) => l.name === name);

  await net.netAddBridge({ netns, name: 'br0', mtu: 1400 });
  await net.netAddVeth({ netns, name: 've0', peer: 've0p' });
  await net.netAddTap({ netns, name: 'tap0' });
  t.match(await link('br0'), { kind: 'bridge', mtu: 1400 }, 'bridge with MTU');
  t.match(await link('ve0'), { kind: 'veth' }, 'veth');
  t.match(await link('ve0p'), { kind: 'veth' }, 'veth peer');
  t.match(await link('tap0'), { kind: 'tap' }, 'tap');
  t.notOk(
    (await net.netLinks({})).some((l) => l.name === 'tap0'),
    'nothing appears in the host namespace',
  );

  await net.netSetLink({ netns, name: 'tap0', master: 'br0', up: true });
  await net.netSetLink({ netns, name: 've0', master: 'br0', up: true });
  await net.netSetLink({ netns, name: 'br0', mtu: 1450, up: true });
  t.match(await link('tap0'), { master: 'br0' }, 'tap enslaved');
  t.match(await link('br0'), { mtu: 1450, state: /UP|DOWN|UNKNOWN/ }, 'MTU changed');
  await net.netSetLink({ netns, name: 've0p', up: true });

  await net.netAddAddress({ netns, name: 'br0', cidr: '10.77.0.1/24' });
  await net.netAddAddress({ netns, name: 'br0', cidr: 'fd00:77::1/64' });
  const addrs = (await net.netAddresses({ netns })).filter((a) => a.link === 'br0');
  t.match(addrs, [
    { family: 'inet', address: '10.77.0.1', prefixLength: 24 },
    { family: 'inet6', address: 'fd00:77::1', prefixLength: 64 },
  ]);
  await net.netAddRoute({ netns, destination: '10.88.0.0/16', gateway: '10.77.0.254', device: 'br0' });
  t.match(
    (await net.netRoutes({ netns })).find((r) => r.destination === '10.88.0.0/16'),
    { gateway: '10.77.0.254', device: 'br0' },
    'static route',
  );

  await net.netPersist({ netns, name: 'br0' });
  const saved = JSON.parse(await readFile(join(d.dir, 'netconf', 'netns', netns, 'br0.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  t.match(saved, {
    name: 'br0',
    kind: 'bridge',
    mtu: 1450,
    up: true,
    ports: [{ name: 've0' }, { name: 'tap0', kind: 'tap' }],
    addresses: ['10.77.0.1/24', 'fd00:77::1/64'],
    routes: [{ destination: '10.88.0.0/16', gateway: '10.77.0.254' }],
  });

  // Lose the bridge and the tap; the veth stays (it cannot be recreated without its peer's config).
  await net.netDelLink({ netns, name: 'br0' });
  await net.netDelLink({ netns, name: 'tap0' });
  t.equal(await link('br0'), undefined, 'bridge gone');
  const restored = await net.netRestore({ netns, name: 'br0' });
  t.same(restored, { created: true, missingPorts: [] });
  t.match(await link('br0'), { kind: 'bridge', mtu: saved.mtu as number }, 'bridge back with its MTU');
  t.match(await link('tap0'), { kind: 'tap', master: 'br0' }, 'tap recreated and enslaved');
  t.match(await link('ve0'), { master: 'br0' }, 'veth enslaved again');
  const back = (await net.netAddresses({ netns })).filter((a) => a.link === 'br0').map((a) => a.address);
  t.same(back.filter((a) => !a.startsWith('fe80')).sort(), ['10.77.0.1', 'fd00:77::1'], 'addresses back');
  t.ok(
    (await net.netRoutes({ netns })).some((r) => r.destination === '10.88.0.0/16'),
    'route back',
  );

  await net.netSetLink({ netns, name: 've0', master: null });
  t.match(await link('ve0'), { master: null }, 'nomaster');
  await net.netDelAddress({ netns, name: 'br0', cidr: '10.77.0.1/24' });
  t.notOk(
    (await net.netAddresses({ netns })).some((a) => a.address === '10.77.0.1'),
    'address removed',
  );
  await net.netDelLink({ netns, name: 've0' });
  t.equal(await link('ve0p'), undefined, 'deleting a veth removes its peer');

  await t.rejects(net.netAddBridge({ netns, name: 'br0' }), { code: 'COMMAND_FAILED' }, 'ip errors come back');
  await t.rejects(net.netRestore({ netns, name: 'nothing' }), { code: 'INVALID_PARAMS' }, 'no saved config');
  await t.rejects(net.netSetLink({ netns, name: 'br0' }), { code: 'INVALID_PARAMS' }, 'nothing to change');
});

t.test('a change runs to the end and is audited even when the caller hangs up at once', async (t) => {
  const netns = `svdsm-hup-${process.pid}`;
  await sh(['ip', 'netns', 'add', netns]);
  t.teardown(() => sh(['ip', 'netns', 'del', netns]).catch(() => {}));
  const d = await startDaemon(t);
  const socket = connect(d.socket);
  await once(socket, 'connect');
  socket.end(encodeFrame({ v: PROTOCOL_VERSION, id: 1, op: 'netAddBridge', params: { netns, name: 'hup0' } }));
  await waitUntil(() => /"op":"netAddBridge".*"outcome":"ok"/.test(d.stderr()), {
    timeoutMs: 10_000,
    what: 'the audit line',
  });
  const links = await clientFor(t, d.socket).ops.netLinks({ netns });
  t.ok(
    links.some((l) => l.name === 'hup0'),
    'the bridge exists',
  );
});
