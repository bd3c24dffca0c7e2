import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { cidr, fields, IFNAME, ip as ipAddress, optBool, optInt, optStr, type Params, str } from '../validate.js';
import type { HandlerSet } from './handler.js';
import { addresses, ipIn, links, routes } from './ip.js';
import { persistLink, restoreLink } from './network-persist.js';

/** Links, addresses and routes with ip(8), in the host's namespace or a named one. */

const MIN_MTU = 68;
const MAX_MTU = 65535;
const NS = ['netns'];
const ifname = (p: Params, key = 'name'): string => str(p, key, IFNAME, 'interface name');

function destination(p: Params): string {
  const value = str(p, 'destination');
  if (value === 'default') return value;
  const { address, prefix } = cidr(p, 'destination');
  return `${address}/${prefix}`;
}

export const networkHandlers: HandlerSet<
  | 'netLinks'
  | 'netAddresses'
  | 'netRoutes'
  | 'netAddBridge'
  | 'netAddVeth'
  | 'netAddTap'
  | 'netDelLink'
  | 'netSetLink'
  | 'netAddAddress'
  | 'netDelAddress'
  | 'netAddRoute'
  | 'netPersist'
  | 'netRestore'
> = {
  netLinks: async (params, ctx) => {
    const { ip } = await ipIn(fields(params, NS), ctx);
    return (await links(ip)).map(({ up: _up, ...info }) => info);
  },
  netAddresses: async (params, ctx) => {
    const { ip } = await ipIn(fields(params, NS), ctx);
    return addresses(ip);
  },
  netRoutes: async (params, ctx) => {
    const { ip } = await ipIn(fields(params, NS), ctx);
    return (await routes(ip)).map(({ protocol: _p, ...route }) => route);
  },
  netAddBridge: async (params, ctx) => {
    const p = fields(params, [...NS, 'name', 'mtu']);
    const name = ifname(p);
    const mtu = optInt(p, 'mtu', MIN_MTU, MAX_MTU);
    const { ip } = await ipIn(p, ctx);
    await ip(['link', 'add', 'name', name, ...(mtu === undefined ? [] : ['mtu', String(mtu)]), 'type', 'bridge']);
    return null;
  },
  netAddVeth: async (params, ctx) => {
    const p = fields(params, [...NS, 'name', 'peer']);
    const name = ifname(p);
    const peer = ifname(p, 'peer');
    const { ip } = await ipIn(p, ctx);
    await ip(['link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', peer]);
    return null;
  },
  netAddTap: async (params, ctx) => {
    const p = fields(params, [...NS, 'name']);
    const name = ifname(p);
    const { ip } = await ipIn(p, ctx);
    await ip(['tuntap', 'add', 'dev', name, 'mode', 'tap']);
    return null;
  },
  netDelLink: async (params, ctx) => {
    const p = fields(params, [...NS, 'name']);
    const name = ifname(p);
    const { ip } = await ipIn(p, ctx);
    await ip(['link', 'del', 'dev', name]);
    return null;
  },
  netSetLink: async (params, ctx) => {
    const p = fields(params, [...NS, 'name', 'mtu', 'up', 'master']);
    const name = ifname(p);
    const mtu = optInt(p, 'mtu', MIN_MTU, MAX_MTU);
    const up = optBool(p, 'up');
    const master = p.master === null ? null : optStr(p, 'master', IFNAME, 'interface name');
    const args = [
      ...(mtu === undefined ? [] : ['mtu', String(mtu)]),
      ...(master === undefined ? [] : master === null ? ['nomaster'] : ['master', master]),
      ...(up === undefined ? [] : [up ? 'up' : 'down']),
    ];
    if (args.length === 0) throw new SupervdsmError('INVALID_PARAMS', 'nothing to change: give mtu, up or master');
    const { ip } = await ipIn(p, ctx);
    await ip(['link', 'set', 'dev', name, ...args]);
    return null;
  },
  netAddAddress: async (params, ctx) => {
    const p = fields(params, [...NS, 'name', 'cidr']);
    const name = ifname(p);
    const { address, prefix } = cidr(p, 'cidr');
    const { ip } = await ipIn(p, ctx);
    await ip(['address', 'add', `${address}/${prefix}`, 'dev', name]);
    return null;
  },
  netDelAddress: async (params, ctx) => {
    const p = fields(params, [...NS, 'name', 'cidr']);
    const name = ifname(p);
    const { address, prefix } = cidr(p, 'cidr');
    const { ip } = await ipIn(p, ctx);
    await ip(['address', 'del', `${address}/${prefix}`, 'dev', name]);
    return null;
  },
  netAddRoute: async (params, ctx) => {
    const p = fields(params, [...NS, 'destination', 'gateway', 'device']);
    const dest = destination(p);
    const gateway = p.gateway === undefined ? undefined : ipAddress(p, 'gateway');
    const device = p.device === undefined ? undefined : ifname(p, 'device');
    if (gateway === undefined && device === undefined)
      throw new SupervdsmError('INVALID_PARAMS', 'a route needs a gateway or a device');
    const { ip } = await ipIn(p, ctx);
    await ip([
      'route',
      'add',
      dest,
      ...(gateway === undefined ? [] : ['via', gateway]),
      ...(device === undefined ? [] : ['dev', device]),
    ]);
    return null;
  },
  netPersist: async (params, ctx) => {
    const p = fields(params, [...NS, 'name']);
    const name = ifname(p);
    const { ip, netns } = await ipIn(p, ctx);
    await persistLink(ip, ctx.config.supervdsm.netconf_dir, netns, name);
    return null;
  },
  netRestore: async (params, ctx) => {
    const p = fields(params, [...NS, 'name']);
    const name = ifname(p);
    const { ip, netns } = await ipIn(p, ctx);
    return restoreLink(ip, ctx.config.supervdsm.netconf_dir, netns, name);
  },
};
