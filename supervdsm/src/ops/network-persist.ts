import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@vdsm-ts/common/atomic-write';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { addresses, type Ip, links, routes } from './ip.js';

/**
 * A saved network: the running configuration of one link (a bridge and its ports, MTU, addresses, static
 * routes), written atomically as JSON under [supervdsm] netconf_dir, as upstream's setSafeNetworkConfig
 * persists what is running so that a reboot or a failed change can go back to it.
 */

const FORMAT = 1;

interface SavedPort {
  readonly name: string;
  readonly kind: string | null;
  readonly up: boolean;
}

interface SavedLink {
  readonly format: number;
  readonly name: string;
  readonly kind: string | null;
  readonly mtu: number;
  readonly up: boolean;
  readonly addresses: readonly string[];
  readonly ports: readonly SavedPort[];
  readonly routes: ReadonlyArray<{ readonly destination: string; readonly gateway: string | null }>;
}

/** Kinds supervdsmd can create from nothing (a veth needs its peer, a NIC its hardware). */
const CREATABLE: Readonly<Record<string, readonly string[]>> = {
  bridge: ['link', 'add', 'name', '%', 'type', 'bridge'],
  tap: ['tuntap', 'add', 'dev', '%', 'mode', 'tap'],
};

function fileOf(dir: string, netns: string | undefined, name: string): string {
  return join(dir, netns === undefined ? 'nets' : join('netns', netns), `${name}.json`);
}

export async function persistLink(ip: Ip, dir: string, netns: string | undefined, name: string): Promise<void> {
  const all = await links(ip);
  const link = all.find((l) => l.name === name);
  if (link === undefined) throw new SupervdsmError('INVALID_PARAMS', `no link ${name} to persist`);
  const saved: SavedLink = {
    format: FORMAT,
    name,
    kind: link.kind,
    mtu: link.mtu,
    up: link.up,
    // Link-local IPv6 addresses come back by themselves when the link goes up.
    addresses: (await addresses(ip, name))
      .filter((a) => !(a.family === 'inet6' && a.address.toLowerCase().startsWith('fe80:')))
      .map((a) => `${a.address}/${a.prefixLength}`),
    ports: all.filter((l) => l.master === name).map((l) => ({ name: l.name, kind: l.kind, up: l.up })),
    // Routes the kernel adds for an address need not be saved.
    routes: (await routes(ip, name))
      .filter((r) => r.protocol !== 'kernel' && !r.destination.toLowerCase().startsWith('fe80:'))
      .map((r) => ({ destination: r.destination, gateway: r.gateway })),
  };
  await writeFileAtomic(fileOf(dir, netns, name), `${JSON.stringify(saved, null, 2)}\n`, { mkdir: true });
}

async function load(dir: string, netns: string | undefined, name: string): Promise<SavedLink> {
  const path = fileOf(dir, netns, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new SupervdsmError('INVALID_PARAMS', `no saved configuration for ${name} (${path})`);
  }
  let saved: SavedLink;
  try {
    saved = JSON.parse(text) as SavedLink;
  } catch {
    throw new SupervdsmError('INTERNAL', `saved configuration ${path} is not JSON`);
  }
  if (saved.format !== FORMAT || saved.name !== name || !Array.isArray(saved.ports))
    throw new SupervdsmError('INTERNAL', `saved configuration ${path} has an unknown format`);
  return saved;
}

async function create(ip: Ip, kind: string | null, name: string): Promise<boolean> {
  const template = kind === null ? undefined : CREATABLE[kind];
  if (template === undefined) return false;
  await ip(template.map((a) => (a === '%' ? name : a)));
  return true;
}

export async function restoreLink(
  ip: Ip,
  dir: string,
  netns: string | undefined,
  name: string,
): Promise<{ created: boolean; missingPorts: string[] }> {
  const saved = await load(dir, netns, name);
  const present = new Set((await links(ip)).map((l) => l.name));
  let created = false;
  if (!present.has(name)) {
    created = await create(ip, saved.kind, name);
    if (!created)
      throw new SupervdsmError('NOT_AVAILABLE', `${name} (${saved.kind ?? 'device'}) is gone and cannot be recreated`);
  }
  await ip(['link', 'set', 'dev', name, 'mtu', String(saved.mtu)]);
  const missingPorts: string[] = [];
  for (const port of saved.ports) {
    if (!present.has(port.name) && !(await create(ip, port.kind, port.name))) {
      missingPorts.push(port.name);
      continue;
    }
    await ip(['link', 'set', 'dev', port.name, 'master', name, ...(port.up ? ['up'] : [])]);
  }
  const have = new Set((await addresses(ip, name)).map((a) => `${a.address}/${a.prefixLength}`));
  for (const address of saved.addresses) {
    if (!have.has(address)) await ip(['address', 'add', address, 'dev', name]);
  }
  await ip(['link', 'set', 'dev', name, saved.up ? 'up' : 'down']);
  for (const route of saved.routes) {
    await ip([
      'route',
      'replace',
      route.destination,
      ...(route.gateway === null ? [] : ['via', route.gateway]),
      'dev',
      name,
    ]);
  }
  return { created, missingPorts };
}
