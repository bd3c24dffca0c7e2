/**
 * What ip(8) says about this host's links, addresses and routes (`ip -json`), read without privileges through the
 * exec wrapper, for the network report (network-caps.ts). Only the fields that report uses are kept.
 */
import { exec } from '@vdsm-ts/common/exec';

export interface IpLink {
  readonly name: string;
  readonly mtu: number;
  readonly operstate: string;
  readonly address: string;
  readonly permAddress: string | undefined;
  readonly master: string | undefined;
  /** linkinfo.info_kind: bridge, bond, vlan, veth, dummy, …; undefined for plain devices. */
  readonly kind: string | undefined;
  /** The lower device of a VLAN (`link`). */
  readonly parent: string | undefined;
  readonly vlanId: number | undefined;
  readonly loopback: boolean;
}

export interface IpAddress {
  readonly family: 'inet' | 'inet6';
  readonly local: string;
  readonly prefixlen: number;
  readonly scope: string;
  /** Leased (DHCP or router advertisement) rather than configured for good. */
  readonly dynamic: boolean;
  /** IPv4 only: a secondary address of its subnet. */
  readonly secondary: boolean;
}

export interface IpRoute {
  readonly family: 'inet' | 'inet6';
  readonly destination: string;
  readonly gateway: string | undefined;
  readonly device: string | undefined;
  readonly scope: string;
  readonly table: string;
}

export interface IpFacts {
  readonly links: readonly IpLink[];
  readonly addresses: ReadonlyMap<string, readonly IpAddress[]>;
  readonly routes: readonly IpRoute[];
}

async function ipJson(args: readonly string[]): Promise<unknown[]> {
  const { stdout } = await exec(['ip', '-json', ...args], { timeoutMs: 10_000 });
  if (stdout.trim() === '') return [];
  const parsed: unknown = JSON.parse(stdout);
  return Array.isArray(parsed) ? parsed : [];
}

type Row = Record<string, unknown>;
const str = (row: Row, key: string): string | undefined => (typeof row[key] === 'string' ? row[key] : undefined);
const num = (row: Row, key: string): number | undefined => (typeof row[key] === 'number' ? row[key] : undefined);
const obj = (row: Row, key: string): Row =>
  typeof row[key] === 'object' && row[key] !== null ? (row[key] as Row) : {};

export function parseLinks(rows: readonly unknown[]): IpLink[] {
  return (rows as Row[]).map((l) => {
    const info = obj(l, 'linkinfo');
    const kind = str(info, 'info_kind');
    return {
      name: str(l, 'ifname') ?? '',
      mtu: num(l, 'mtu') ?? 0,
      operstate: (str(l, 'operstate') ?? 'UNKNOWN').toLowerCase(),
      address: str(l, 'address') ?? '',
      permAddress: str(l, 'perm_address'),
      master: str(l, 'master'),
      kind,
      parent: str(l, 'link'),
      vlanId: kind === 'vlan' ? num(obj(info, 'info_data'), 'id') : undefined,
      loopback: str(l, 'link_type') === 'loopback',
    };
  });
}

export function parseAddresses(rows: readonly unknown[]): Map<string, IpAddress[]> {
  const out = new Map<string, IpAddress[]>();
  for (const l of rows as Row[]) {
    const list: IpAddress[] = [];
    for (const a of Array.isArray(l.addr_info) ? (l.addr_info as Row[]) : []) {
      const family = str(a, 'family');
      if (family !== 'inet' && family !== 'inet6') continue;
      list.push({
        family,
        local: str(a, 'local') ?? '',
        prefixlen: num(a, 'prefixlen') ?? 0,
        scope: str(a, 'scope') ?? 'global',
        dynamic: a.dynamic === true,
        secondary: a.secondary === true,
      });
    }
    out.set(str(l, 'ifname') ?? '', list);
  }
  return out;
}

export function parseRoutes(rows: readonly unknown[], family: 'inet' | 'inet6'): IpRoute[] {
  return (rows as Row[]).map((r) => ({
    family,
    destination: str(r, 'dst') ?? 'default',
    gateway: str(r, 'gateway'),
    device: str(r, 'dev'),
    scope: str(r, 'scope') ?? 'global',
    table: str(r, 'table') ?? 'main',
  }));
}

export async function readIpFacts(): Promise<IpFacts> {
  const [links, addresses, routes4, routes6] = await Promise.all([
    ipJson(['-details', 'link', 'show']),
    ipJson(['address', 'show']),
    ipJson(['-4', 'route', 'show', 'table', 'all']),
    ipJson(['-6', 'route', 'show', 'table', 'all']),
  ]);
  return {
    links: parseLinks(links),
    addresses: parseAddresses(addresses),
    routes: [...parseRoutes(routes4, 'inet'), ...parseRoutes(routes6, 'inet6')],
  };
}
