import { access } from 'node:fs/promises';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import type { AddressInfo, LinkInfo, RouteInfo } from '@vdsm-ts/supervdsm-protocol/operations';
import { run } from '../exec.js';
import { NETNS, optStr, type Params } from '../validate.js';
import type { OpContext } from './handler.js';

/** ip(8) in JSON mode, in the host's namespace or a named one; the parsers for what it prints. */

export type Ip = (args: readonly string[]) => Promise<string>;

/** The validated netns param (which must exist) and an ip runner bound to it. */
export async function ipIn(p: Params, ctx: OpContext): Promise<{ netns: string | undefined; ip: Ip }> {
  const netns = optStr(p, 'netns', NETNS, 'network namespace name');
  if (netns !== undefined) {
    await access(`/run/netns/${netns}`).catch(() => {
      throw new SupervdsmError('INVALID_PARAMS', `no network namespace ${JSON.stringify(netns)}`);
    });
  }
  const prefix = netns === undefined ? ['ip'] : ['ip', '-n', netns];
  return {
    netns,
    ip: (args) => run([...prefix, ...args], { timeoutMs: ctx.timeoutMs, signal: ctx.signal, maxBuffer: 8 << 20 }),
  };
}

interface IpLink {
  ifname?: string;
  ifindex?: number;
  mtu?: number;
  operstate?: string;
  flags?: string[];
  address?: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { type?: string } };
}

function parse<T>(out: string, what: string): T[] {
  if (out.trim() === '') return [];
  try {
    return JSON.parse(out) as T[];
  } catch {
    throw new SupervdsmError('COMMAND_FAILED', `ip ${what} printed something that is not JSON`);
  }
}

/** Link kind as VDSM reports it: bridge, veth, tap, tun, ..., or null for plain devices (lo, physical NICs). */
function kindOf(link: IpLink): string | null {
  const kind = link.linkinfo?.info_kind;
  if (kind === undefined) return null;
  if (kind === 'tun') return link.linkinfo?.info_data?.type ?? 'tun';
  return kind;
}

export interface LinkState extends LinkInfo {
  readonly up: boolean;
}

export async function links(ip: Ip, name?: string): Promise<LinkState[]> {
  const rows = parse<IpLink>(await ip(['-json', '-details', 'link', 'show', ...(name ? ['dev', name] : [])]), 'link');
  return rows.map((l) => ({
    name: l.ifname ?? '',
    index: l.ifindex ?? 0,
    mtu: l.mtu ?? 0,
    state: l.operstate ?? 'UNKNOWN',
    mac: l.address ?? null,
    master: l.master ?? null,
    kind: kindOf(l),
    up: (l.flags ?? []).includes('UP'),
  }));
}

export async function addresses(ip: Ip, name?: string): Promise<AddressInfo[]> {
  const rows = parse<{ ifname?: string; addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }> }>(
    await ip(['-json', 'address', 'show', ...(name ? ['dev', name] : [])]),
    'address',
  );
  return rows.flatMap((l) =>
    (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' || a.family === 'inet6')
      .map((a) => ({
        link: l.ifname ?? '',
        family: a.family as 'inet' | 'inet6',
        address: a.local ?? '',
        prefixLength: a.prefixlen ?? 0,
      })),
  );
}

export interface RouteState extends RouteInfo {
  readonly protocol: string | null;
}

export async function routes(ip: Ip, device?: string): Promise<RouteState[]> {
  const out: RouteState[] = [];
  for (const family of ['-4', '-6']) {
    const rows = parse<{ dst?: string; gateway?: string; dev?: string; table?: string; protocol?: string }>(
      await ip(['-json', family, 'route', 'show', ...(device ? ['dev', device] : [])]),
      'route',
    );
    for (const r of rows) {
      out.push({
        destination: r.dst ?? 'default',
        gateway: r.gateway ?? null,
        device: r.dev ?? device ?? null,
        table: r.table ?? null,
        protocol: r.protocol ?? null,
      });
    }
  }
  return out;
}
