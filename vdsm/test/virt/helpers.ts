// Shared by the virt tests: an engine-style domain XML (type kvm, ovirt-vm metadata), a silent logger and waits.
import { randomUUID } from 'node:crypto';

export const OVIRT_VM_NS = 'http://ovirt.org/vm/1.0';

export interface EngineXmlOptions {
  name: string;
  uuid?: string;
  memoryMiB?: number;
  vcpus?: number;
  maxVcpus?: number;
  /** ovirt-guest-agent.0 channel socket */
  channel?: string;
  vnc?: boolean;
  macs?: readonly string[];
  /** extra <ovirt-vm:...> elements */
  metadata?: string;
  /** no ovirt-vm metadata at all (an external domain) */
  external?: boolean;
}

export function engineDomainXml(o: EngineXmlOptions): string {
  const uuid = o.uuid ?? randomUUID();
  const mem = (o.memoryMiB ?? 128) * 1024;
  const vcpus = o.vcpus ?? 1;
  const nics = (o.macs ?? []).map(
    (mac) =>
      `<interface type="bridge"><mac address="${mac}"/><source bridge="ovirtmgmt"/><model type="virtio"/><link state="up"/></interface>`,
  );
  const channel =
    o.channel === undefined
      ? ''
      : `<channel type="unix"><source mode="bind" path="${o.channel}"/><target type="virtio" name="ovirt-guest-agent.0"/></channel>`;
  const vnc =
    o.vnc === false
      ? ''
      : '<graphics type="vnc" port="-1" autoport="yes" passwd="x" passwdValidTo="1970-01-01T00:00:01"><listen type="address" address="127.0.0.1"/></graphics>';
  const metadata = o.external
    ? ''
    : `<metadata><ovirt-vm:vm xmlns:ovirt-vm="${OVIRT_VM_NS}"><ovirt-vm:clusterVersion>4.7</ovirt-vm:clusterVersion><ovirt-vm:minGuaranteedMemoryMb type="int">${o.memoryMiB ?? 128}</ovirt-vm:minGuaranteedMemoryMb>${o.metadata ?? ''}${(o.macs ?? []).map((m) => `<ovirt-vm:device mac_address="${m}"><ovirt-vm:network>ovirtmgmt</ovirt-vm:network></ovirt-vm:device>`).join('')}</ovirt-vm:vm></metadata>`;
  return `<domain type="kvm" xmlns:ovirt-vm="${OVIRT_VM_NS}"><name>${o.name}</name><uuid>${uuid}</uuid>${metadata}<memory unit="KiB">${mem}</memory><currentMemory unit="KiB">${mem}</currentMemory><vcpu current="${vcpus}">${o.maxVcpus ?? vcpus}</vcpu><os><type arch="x86_64" machine="q35">hvm</type></os><features><acpi/></features><devices>${nics.join('')}<disk type="file" device="disk"><driver name="qemu" type="raw"/><source file="/guest/${o.name}.img"/><target dev="vda" bus="virtio"/></disk>${channel}${vnc}<memballoon model="virtio"/></devices></domain>`;
}

export function uuidOf(xml: string): string {
  const m = /<uuid>([^<]+)<\/uuid>/.exec(xml);
  if (m?.[1] === undefined) throw new Error('no uuid');
  return m[1];
}

export { silentLogger } from '@vdsm-ts/common/logging';

/** Polls `check` on every event-loop turn until it returns a value; rejects at the deadline. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
