// The network report (network-caps.ts) on real links: a network namespace of the test's own with a bridge, veth
// pairs (upstream's fake NICs) and an address with a default gateway, read by the reporter running inside the
// namespace (`ip netns exec` gives it that namespace's /sys). VLAN parsing is checked on ip's JSON, since this
// kernel may lack the 8021q module.

import { fileURLToPath } from 'node:url';
import { tempNetns } from '@vdsm-ts/testing/netns';
import { execa } from 'execa';
import t from 'tap';
import { SchemaCompiler } from '../../src/api/validate.js';
import { parseAddresses, parseLinks, parseRoutes } from '../../src/host/ip-facts.js';
import { collectNetworkCapabilities, type NetworkCapabilities } from '../../src/host/network-caps.js';
import { VERBS } from '../../src/schema/index.js';

const REPORTER = fileURLToPath(new URL('../../src/host/network-caps.js', import.meta.url));

function checkSchema(caps: NetworkCapabilities): void {
  const entry = VERBS.get('Host.getNetworkCapabilities')!;
  new SchemaCompiler(entry.file, 'result').compile(entry.schema.returns!)(
    { ...caps, netConfigDirty: 'False' },
    'Host.getNetworkCapabilities',
  );
}

t.test('a bridge with a port, a veth NIC and a default route, as the kernel has them', async (t) => {
  const ns = await tempNetns(t, 'netcaps');
  const ip = (...args: string[]) => execa('ip', ['-n', ns, ...args], { timeout: 10_000 });
  await ip('link', 'add', 'veth_a', 'type', 'veth', 'peer', 'name', 'veth_b');
  await ip('link', 'add', 'br0', 'type', 'bridge');
  await ip('link', 'set', 'veth_b', 'master', 'br0');
  await ip('link', 'set', 'veth_a', 'mtu', '1400');
  for (const dev of ['veth_a', 'veth_b', 'br0', 'lo']) await ip('link', 'set', dev, 'up');
  await ip('address', 'add', '10.9.8.7/24', 'dev', 'br0');
  await ip('address', 'add', '10.9.8.77/24', 'dev', 'br0');
  await ip('route', 'add', 'default', 'via', '10.9.8.1', 'dev', 'br0');
  const script = `import(${JSON.stringify(REPORTER)}).then(async (m) => process.stdout.write(JSON.stringify(await m.collectNetworkCapabilities())))`;
  const { stdout } = await execa('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { timeout: 30_000 });
  const caps = JSON.parse(stdout) as NetworkCapabilities;
  t.doesNotThrow(() => checkSchema(caps), 'fits VdsmNetworkCapabilities');

  t.same(Object.keys(caps.nics).sort(), ['veth_a', 'veth_b'], "veth_* are NICs (upstream's fake_nics); lo is not");
  t.equal(caps.nics.veth_a?.mtu, '1400', 'MTU as a string');
  t.same(caps.nics.veth_a?.ipv4addrs, []);
  t.equal(caps.nics.veth_a?.gateway, '');
  t.equal(caps.nics.veth_a?.ipv6gateway, '::', "no IPv6 gateway: '::' (upstream)");
  const br = caps.bridges.br0;
  t.same(br?.ports, ['veth_b'], 'the bridge port');
  t.equal(br?.stp, 'off');
  t.equal(br?.addr, '10.9.8.7', 'the primary address in the gateway subnet');
  t.equal(br?.netmask, '255.255.255.0');
  t.same(br?.ipv4addrs, ['10.9.8.7/24', '10.9.8.77/24'], 'every IPv4 address in CIDR form');
  t.equal(br?.gateway, '10.9.8.1');
  t.equal(br?.ipv4defaultroute, true, 'the main table routes through it');
  t.equal(br?.dhcpv4, false, 'addresses set by hand');
  t.ok(br?.opts?.forward_delay !== undefined, 'bridge options from sysfs');
  t.same(caps.bondings, {});
  t.same(caps.vlans, {});
  t.same(caps.networks, {}, 'vdsm configured no networks');
});

t.test('a VLAN as ip -json describes it', async (t) => {
  const links = parseLinks([
    { ifname: 'eth9', mtu: 9000, operstate: 'UP', address: '52:54:00:00:00:09', link_type: 'ether' },
    {
      ifname: 'eth9.20',
      link: 'eth9',
      mtu: 9000,
      operstate: 'UP',
      address: '52:54:00:00:00:09',
      link_type: 'ether',
      linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 20 } },
    },
  ]);
  t.match(links[1], { kind: 'vlan', parent: 'eth9', vlanId: 20, operstate: 'up' });
  const addresses = parseAddresses([
    {
      ifname: 'eth9.20',
      addr_info: [
        { family: 'inet', local: '192.0.2.10', prefixlen: 25, scope: 'global', dynamic: true },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
      ],
    },
  ]);
  const routes = parseRoutes([{ dst: 'default', gateway: '192.0.2.1', dev: 'eth9.20', flags: [] }], 'inet');
  const caps = await collectNetworkCapabilities({ links, addresses, routes });
  t.same(caps.vlans['eth9.20'], {
    addr: '192.0.2.10',
    netmask: '255.255.255.128',
    ipv4addrs: ['192.0.2.10/25'],
    ipv6addrs: [],
    gateway: '192.0.2.1',
    ipv6gateway: '::',
    ipv4defaultroute: true,
    mtu: '9000',
    dhcpv4: true,
    dhcpv6: false,
    ipv6autoconf: false,
    iface: 'eth9',
    vlanid: 20,
  });
  t.notOk('eth9' in caps.nics, 'a name without a device behind it in sysfs is no NIC');
});
