/**
 * The network part of Host.getCapabilities and Host.getNetworkCapabilities (upstream netinfo/cache.py with
 * netswitch's speed and bridge options): the host's NICs, bonds, bridges and VLANs as the kernel has them, their
 * addresses and gateways, DNS servers and IPv6 support. MTUs are strings, as upstream sends them to engines of
 * compatibility 3.6 and up. `networks` lists the networks vdsm configured; vdsm-ts configures none yet (no
 * setupNetworks), so it is empty. DHCP and IPv6 autoconfiguration are read from the kernel (leased addresses, the
 * autoconf sysctl) where upstream asks NetworkManager through nmstate.
 */
import type {
  NetInfoBond,
  NetInfoBridgedNetwork,
  NetInfoNic,
  NetInfoVlan,
  VdsmNetworkCapabilities,
} from '../schema/api-types.generated.js';
import { type IpAddress, type IpFacts, type IpLink, type IpRoute, readIpFacts } from './ip-facts.js';
import { listDir, readInt, readText } from './procfs.js';

/** upstream's default `hidden_nics` (wireless and USB NICs are not offered to the engine). */
const HIDDEN_NICS = [/^w/, /^usb/];
/** upstream's default `fake_nics`: dummy and veth devices that tests and nested setups use as NICs. */
const FAKE_NICS = [/^dummy_/, /^veth_/];

/** What every device report carries (upstream _devinfo plus the nmstate defaults). */
interface DeviceBase {
  readonly addr: string;
  readonly netmask: string;
  readonly ipv4addrs: string[];
  readonly ipv6addrs: string[];
  readonly gateway: string;
  readonly ipv6gateway: string;
  readonly ipv4defaultroute: boolean;
  readonly mtu: string;
  readonly dhcpv4: boolean;
  readonly dhcpv6: boolean;
  readonly ipv6autoconf: boolean;
}

function netmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

function ipv4ToNumber(a: string): number {
  return a.split('.').reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

function sameSubnet(a: string, b: string, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (ipv4ToNumber(a) & mask) >>> 0 === (ipv4ToNumber(b) & mask) >>> 0;
}

const isDefault = (r: IpRoute) =>
  r.destination === 'default' || r.destination === '0.0.0.0/0' || r.destination === '::/0';

/** The default gateway of a device in any table (upstream get_gateway): '' (IPv4) or '::' (IPv6) without one. */
function gatewayOf(routes: readonly IpRoute[], dev: string, family: 'inet' | 'inet6'): string {
  const gateways = new Set(
    routes
      .filter((r) => r.device === dev && r.family === family && r.scope === 'global' && isDefault(r))
      .map((r) => r.gateway ?? ''),
  );
  if (gateways.size !== 1) return family === 'inet6' ? '::' : '';
  return [...gateways][0]!;
}

async function sysctl(dev: string, key: string): Promise<number | undefined> {
  return readInt(`/proc/sys/net/ipv6/conf/${dev}/${key}`);
}

async function deviceBase(link: IpLink, facts: IpFacts): Promise<DeviceBase> {
  const addrs: readonly IpAddress[] = (facts.addresses.get(link.name) ?? []).filter((a) => a.scope !== 'link');
  const v4 = addrs.filter((a) => a.family === 'inet');
  const v6 = addrs.filter((a) => a.family === 'inet6');
  const gateway = gatewayOf(facts.routes, link.name, 'inet');
  // the primary address in the gateway's subnet, else the first one (upstream getIpInfo)
  const primary = v4.find((a) => !a.secondary && gateway !== '' && sameSubnet(a.local, gateway, a.prefixlen)) ?? v4[0];
  const [autoconf, acceptRa] = await Promise.all([sysctl(link.name, 'autoconf'), sysctl(link.name, 'accept_ra')]);
  return {
    addr: primary?.local ?? '',
    netmask: primary === undefined ? '' : netmask(primary.prefixlen),
    ipv4addrs: v4.map((a) => `${a.local}/${a.prefixlen}`),
    ipv6addrs: v6.map((a) => `${a.local}/${a.prefixlen}`),
    gateway,
    ipv6gateway: gatewayOf(facts.routes, link.name, 'inet6'),
    ipv4defaultroute:
      gateway !== '' &&
      facts.routes.some((r) => r.family === 'inet' && r.table === 'main' && isDefault(r) && r.gateway === gateway),
    mtu: String(link.mtu),
    dhcpv4: v4.some((a) => a.dynamic),
    // DHCPv6 leases single addresses (/128); SLAAC addresses carry the /64 of the advertised prefix
    dhcpv6: v6.some((a) => a.dynamic && a.prefixlen === 128),
    ipv6autoconf: autoconf === 1 && (acceptRa ?? 0) > 0,
  };
}

/** Link speed in Mb/s while the link is up, 0 otherwise or when the driver does not know (upstream nic.speed). */
async function speedOf(link: IpLink): Promise<number> {
  if (link.operstate !== 'up') return 0;
  const speed = await readInt(`/sys/class/net/${link.name}/speed`);
  return speed === undefined || speed <= 0 || speed >= 2 ** 16 - 1 ? 0 : speed;
}

async function isPhysical(name: string): Promise<boolean> {
  return (await readText(`/sys/class/net/${name}/device/uevent`)) !== undefined;
}

async function isNic(link: IpLink): Promise<boolean> {
  if (FAKE_NICS.some((re) => re.test(link.name))) return true;
  if (link.loopback || link.kind !== undefined || HIDDEN_NICS.some((re) => re.test(link.name))) return false;
  return isPhysical(link.name);
}

async function sysfsOptions(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await listDir(dir)).sort()) {
    const value = await readText(`${dir}/${name}`);
    if (value !== undefined) out[name] = value.trim();
  }
  return out;
}

async function bridgeInfo(link: IpLink, base: DeviceBase): Promise<NetInfoBridgedNetwork> {
  const dir = `/sys/class/net/${link.name}`;
  const [ports, stp, opts] = await Promise.all([
    listDir(`${dir}/brif`),
    readInt(`${dir}/bridge/stp_state`),
    sysfsOptions(`${dir}/bridge`),
  ]);
  return { ...base, ports: ports.sort(), stp: stp === undefined || stp === 0 ? 'off' : 'on', opts };
}

/** Bonding options that differ from the kernel's defaults, mode as its number (upstream Bond.options). */
async function bondOptions(name: string): Promise<Record<string, string>> {
  const dir = `/sys/class/net/${name}/bonding`;
  const [mode, miimon] = await Promise.all([readText(`${dir}/mode`), readText(`${dir}/miimon`)]);
  const opts: Record<string, string> = {};
  const modeNumber = mode?.trim().split(/\s+/)[1];
  if (modeNumber !== undefined) opts.mode = modeNumber;
  const mii = miimon?.trim();
  if (mii !== undefined && mii !== '0') opts.miimon = mii;
  return opts;
}

async function bondInfo(link: IpLink, base: DeviceBase): Promise<NetInfoBond & { speed: number; switch: string }> {
  const dir = `/sys/class/net/${link.name}/bonding`;
  const [slaves, active, opts, speed] = await Promise.all([
    readText(`${dir}/slaves`),
    readText(`${dir}/active_slave`),
    bondOptions(link.name),
    speedOf(link),
  ]);
  return {
    ...base,
    hwaddr: link.address,
    slaves: (slaves ?? '').trim().split(/\s+/).filter(Boolean).sort(),
    active_slave: (active ?? '').trim(),
    opts,
    switch: 'legacy',
    speed,
  };
}

export type NetworkCapabilities = Omit<VdsmNetworkCapabilities, 'netConfigDirty'>;

export async function collectNetworkCapabilities(facts?: IpFacts): Promise<NetworkCapabilities> {
  const ip = facts ?? (await readIpFacts());
  const byName = new Map(ip.links.map((l) => [l.name, l]));
  const nics: Record<string, NetInfoNic> = {};
  const bondings: Record<string, NetInfoBond> = {};
  const bridges: Record<string, NetInfoBridgedNetwork> = {};
  const vlans: Record<string, NetInfoVlan> = {};
  for (const link of ip.links) {
    const base = await deviceBase(link, ip);
    if (link.kind === 'bridge') bridges[link.name] = await bridgeInfo(link, base);
    else if (link.kind === 'bond') bondings[link.name] = await bondInfo(link, base);
    else if (link.kind === 'vlan' && link.parent !== undefined && link.vlanId !== undefined) {
      vlans[link.name] = { ...base, iface: link.parent, vlanid: link.vlanId };
    } else if (await isNic(link)) {
      const enslaved = link.master !== undefined && byName.get(link.master)?.kind === 'bond';
      nics[link.name] = {
        ...base,
        hwaddr: link.address,
        speed: await speedOf(link),
        ...(enslaved && link.permAddress !== undefined ? { permhwaddr: link.permAddress } : {}),
      };
    }
  }
  const [resolv, inet6] = await Promise.all([readText('/etc/resolv.conf'), readText('/proc/net/if_inet6')]);
  return {
    networks: {},
    nics,
    bondings,
    bridges,
    vlans,
    nameservers: [...(resolv ?? '').matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]!),
    supportsIPv6: inet6 !== undefined,
  };
}
