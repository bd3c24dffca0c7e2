/**
 * network-interfaces: interfaces that are up and not loopback (flags from /sys/class/net), minus the
 * ignored ones, with their MAC and addresses.
 */
import { readdir, readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { NetworkInterface } from '../protocol/messages.js';

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

async function readTrim(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function listInterfaces(
  ignored: readonly string[],
  sysClassNet = '/sys/class/net',
): Promise<NetworkInterface[]> {
  const names = (await readdir(sysClassNet).catch(() => [] as string[])).sort();
  const addresses = networkInterfaces();
  const out: NetworkInterface[] = [];
  for (const name of names) {
    if (ignored.includes(name)) continue;
    const flags = Number.parseInt((await readTrim(`${sysClassNet}/${name}/flags`)) ?? '', 16);
    if (!Number.isFinite(flags) || (flags & IFF_UP) === 0 || (flags & IFF_LOOPBACK) !== 0) continue;
    const addrs = addresses[name] ?? [];
    out.push({
      name,
      hw: (await readTrim(`${sysClassNet}/${name}/address`)) ?? '',
      inet: addrs.filter((a) => a.family === 'IPv4').map((a) => a.address),
      inet6: addrs.filter((a) => a.family === 'IPv6').map((a) => a.address),
    });
  }
  return out;
}
