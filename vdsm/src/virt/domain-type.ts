/**
 * Host policy for the domain type of an incoming domain XML. The engine always sends `<domain type='kvm'>`; where KVM
 * cannot run ordinary guests (see kvm-support.ts) the guest runs under TCG (`qemu`), and on a hypervisor that offers
 * neither (libvirt's test:///default offers `test`) the type becomes the one the driver offers. The offered types
 * come from the hypervisor's capabilities, read once per connection.
 */
import type { KvmSupport } from './kvm-support.js';
import { attr, child, children, parseXml } from './xml.js';

/** Domain types offered per guest architecture, from `virConnectGetCapabilities`. */
export type OfferedTypes = ReadonlyMap<string, readonly string[]>;

export function offeredDomainTypes(capabilitiesXml: string): OfferedTypes {
  const root = parseXml(capabilitiesXml).documentElement;
  const offered = new Map<string, string[]>();
  if (root === null) return offered;
  for (const guest of children(root, 'guest')) {
    const arch = child(guest, 'arch');
    const name = attr(arch, 'name');
    if (arch === undefined || name === undefined) continue;
    const types = offered.get(name) ?? [];
    for (const domain of children(arch, 'domain')) {
      const type = attr(domain, 'type');
      if (type !== undefined && !types.includes(type)) types.push(type);
    }
    offered.set(name, types);
  }
  return offered;
}

export interface DomainTypeChoice {
  readonly type: string;
  /** Set when the type differs from the requested one. */
  readonly reason?: string;
}

export function chooseDomainType(
  requested: string,
  arch: string | undefined,
  kvm: KvmSupport,
  offered: OfferedTypes,
): DomainTypeChoice {
  let wanted = requested;
  let reason: string | undefined;
  if (requested === 'kvm' && kvm.useTcg) {
    wanted = 'qemu';
    reason =
      kvm.setting === 'true'
        ? 'fake_kvm_support = true: running under TCG'
        : `KVM cannot run ordinary guests here (${kvm.reason}): running under TCG`;
  }
  const list = (arch === undefined ? undefined : offered.get(arch)) ?? [...new Set([...offered.values()].flat())];
  if (list.length === 0 || list.includes(wanted))
    return reason === undefined ? { type: wanted } : { type: wanted, reason };
  if (wanted === 'kvm' && list.includes('qemu')) {
    return { type: 'qemu', reason: 'the hypervisor offers no kvm domains: running under TCG' };
  }
  const first = list[0] as string;
  return { type: first, reason: `the hypervisor offers no ${wanted} domains; using ${first}` };
}
