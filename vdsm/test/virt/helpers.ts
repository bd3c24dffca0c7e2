// Shared by the virt tests: an engine-style domain XML (type kvm, ovirt-vm metadata), a silent logger and waits.
import { engineDomainXml } from '@vdsm-ts/testing/domain-xml';

export interface EngineVmOptions {
  name: string;
  uuid?: string;
  memoryMiB?: number;
  vcpus?: number;
  maxVcpus?: number;
  /** ovirt-guest-agent.0 channel socket */
  channel?: string;
  /** VNC with an expired ticket (default on) */
  vnc?: boolean;
  /** bridged virtio NICs on ovirtmgmt */
  macs?: readonly string[];
  launchPaused?: boolean;
  /** no ovirt-vm metadata at all (an external domain) */
  external?: boolean;
}

/** The engine-style domain XML with what these tests were written against: 128 MiB, one disk /guest/NAME.img, VNC. */
export function engineVmXml(o: EngineVmOptions): string {
  return engineDomainXml({
    name: o.name,
    ...(o.uuid === undefined ? {} : { uuid: o.uuid }),
    memoryMiB: o.memoryMiB ?? 128,
    vcpus: o.vcpus ?? 1,
    maxVcpus: o.maxVcpus ?? o.vcpus ?? 1,
    ...(o.channel === undefined ? {} : { guestAgentSocket: o.channel }),
    ...(o.vnc === false ? {} : { vncPassword: 'x' }),
    nics: (o.macs ?? []).map((mac) => ({ mac, source: { type: 'bridge', bridge: 'ovirtmgmt' } })),
    disks: [{ path: `/guest/${o.name}.img`, target: 'vda' }],
    launchPaused: o.launchPaused === true,
    external: o.external === true,
  });
}

export { silentLogger } from '@vdsm-ts/common/logging';

/** The UUID of test:///default's sample domain "test" (fixed by libvirt's test driver). */
export const SAMPLE_DOMAIN_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';

/**
 * test:///default (one fake host per process) starts with a running sample domain, "test", which vdsmd reports as an
 * external VM; tests that start from a host without VMs remove it first.
 */
export async function removeSampleDomain(hypervisor: {
  lookupByName(name: string): Promise<{ destroy(): Promise<unknown>; undefine(): Promise<unknown> }>;
}): Promise<void> {
  const sample = await hypervisor.lookupByName('test').catch(() => undefined);
  await sample?.destroy();
  await sample?.undefine();
}
