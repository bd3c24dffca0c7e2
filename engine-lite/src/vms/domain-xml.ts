/**
 * The libvirt domain XML engine-lite sends in VM.create, shaped like ovirt-engine's (LibvirtVmXmlBuilder): `ovirt-vm`
 * metadata, q35, virtio-serial with the ovirt-guest-agent and qemu-guest-agent channels, a password-protected
 * display whose ticket starts expired (VM.setTicket opens it), a balloon with stats. vdsmd decides kvm vs TCG.
 */
import type { Disk } from '../db/repo/disks.js';
import type { Vm, VmDevice } from '../db/repo/vms.js';

export const OVIRT_VM_NS = 'http://ovirt.org/vm/1.0';
export const OVIRT_TUNE_NS = 'http://ovirt.org/vm/tune/1.0';
const CHANNELS_DIR = '/var/lib/libvirt/qemu/channels';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export function escapeXml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch] ?? ch);
}

export interface DomainXmlInput {
  readonly vm: Vm;
  readonly clusterVersion: string;
  readonly devices: readonly VmDevice[];
  readonly disks: readonly Disk[];
  /** storage pool (data center) id for the disks' metadata */
  readonly poolId: string;
}

interface NicSpec {
  mac: string;
  network: string;
}

function nics(devices: readonly VmDevice[]): NicSpec[] {
  return devices
    .filter((d) => d.type === 'interface')
    .map((d) => ({ mac: String(d.spec.mac ?? ''), network: String(d.spec.network ?? 'ovirtmgmt') }))
    .filter((n) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(n.mac));
}

function diskPath(poolId: string, disk: Disk): string {
  // oVirt's file-domain layout; the image id is the disk id and engine-lite keeps one volume per image (same id)
  return `/rhev/data-center/${poolId}/${disk.storageDomainId}/images/${disk.id}/${disk.id}`;
}

/** `<os>`: direct kernel boot when the VM names a kernel (oVirt's os.kernel/initrd/cmdline), else the disk */
function osXml(vm: Vm): string {
  const type = '<type arch="x86_64" machine="q35">hvm</type>';
  if (vm.kernelPath === '') return `<os>${type}<boot dev="hd"/></os>`;
  const initrd = vm.initrdPath === '' ? '' : `<initrd>${escapeXml(vm.initrdPath)}</initrd>`;
  const cmdline = vm.kernelCmdline === '' ? '' : `<cmdline>${escapeXml(vm.kernelCmdline)}</cmdline>`;
  return `<os>${type}<kernel>${escapeXml(vm.kernelPath)}</kernel>${initrd}${cmdline}</os>`;
}

export function buildDomainXml(input: DomainXmlInput): string {
  const { vm } = input;
  const memKiB = vm.memoryMb * 1024;
  const nicList = nics(input.devices);
  const disks = input.disks.filter((d) => d.storageDomainId !== null);
  const metaDevices = [
    ...nicList.map(
      (n) =>
        `<ovirt-vm:device mac_address="${escapeXml(n.mac)}"><ovirt-vm:network>${escapeXml(n.network)}</ovirt-vm:network></ovirt-vm:device>`,
    ),
    ...disks.map(
      (d, i) =>
        `<ovirt-vm:device devtype="disk" name="vd${String.fromCharCode(97 + i)}"><ovirt-vm:poolID>${escapeXml(input.poolId)}</ovirt-vm:poolID><ovirt-vm:domainID>${escapeXml(d.storageDomainId ?? '')}</ovirt-vm:domainID><ovirt-vm:imageID>${escapeXml(d.id)}</ovirt-vm:imageID><ovirt-vm:volumeID>${escapeXml(d.id)}</ovirt-vm:volumeID></ovirt-vm:device>`,
    ),
  ];
  const graphics =
    vm.displayType === 'spice'
      ? '<graphics type="spice" port="-1" autoport="yes" tlsPort="-1" passwd="*****" passwdValidTo="1970-01-01T00:00:01"><listen type="network" network="vdsm-ovirtmgmt"/></graphics>'
      : '<graphics type="vnc" port="-1" autoport="yes" passwd="*****" passwdValidTo="1970-01-01T00:00:01" keymap="en-us"><listen type="network" network="vdsm-ovirtmgmt"/></graphics>';
  const devices = [
    '<controller type="pci" model="pcie-root"/>',
    ...Array.from({ length: 16 }, () => '<controller type="pci" model="pcie-root-port"/>'),
    '<controller type="virtio-serial" index="0" ports="16"/>',
    '<controller type="usb" model="qemu-xhci"/>',
    `<channel type="unix"><source mode="bind" path="${CHANNELS_DIR}/${escapeXml(vm.id)}.ovirt-guest-agent.0"/><target type="virtio" name="ovirt-guest-agent.0"/></channel>`,
    `<channel type="unix"><source mode="bind" path="${CHANNELS_DIR}/${escapeXml(vm.id)}.org.qemu.guest_agent.0"/><target type="virtio" name="org.qemu.guest_agent.0"/></channel>`,
    ...nicList.map(
      (n) =>
        `<interface type="bridge"><source bridge="${escapeXml(n.network)}"/><mac address="${escapeXml(n.mac)}"/><model type="virtio"/><link state="up"/></interface>`,
    ),
    ...disks.map(
      (d, i) =>
        `<disk type="file" device="disk" snapshot="no"><driver name="qemu" type="${d.format === 'cow' ? 'qcow2' : 'raw'}" cache="none" error_policy="stop" io="threads"/><source file="${escapeXml(diskPath(input.poolId, d))}"/><target dev="vd${String.fromCharCode(97 + i)}" bus="virtio"/><serial>${escapeXml(d.id)}</serial>${d.bootable ? '<boot order="1"/>' : ''}</disk>`,
    ),
    graphics,
    '<video><model type="qxl" vram="32768" heads="1"/></video>',
    '<memballoon model="virtio"><stats period="5"/></memballoon>',
    '<rng model="virtio"><backend model="random">/dev/urandom</backend></rng>',
  ];
  return `<domain type="kvm" xmlns:ovirt-tune="${OVIRT_TUNE_NS}" xmlns:ovirt-vm="${OVIRT_VM_NS}">
  <name>${escapeXml(vm.name)}</name>
  <uuid>${escapeXml(vm.id)}</uuid>
  <memory unit="KiB">${memKiB}</memory>
  <currentMemory unit="KiB">${memKiB}</currentMemory>
  <vcpu current="${vm.cpus}">${vm.cpus}</vcpu>
  <cpu match="exact"><topology sockets="${vm.cpus}" cores="1" threads="1"/></cpu>
  <metadata xmlns:ovirt-tune="${OVIRT_TUNE_NS}" xmlns:ovirt-vm="${OVIRT_VM_NS}">
    <ovirt-tune:qos/>
    <ovirt-vm:vm xmlns:ovirt-vm="${OVIRT_VM_NS}">
      <ovirt-vm:clusterVersion>${escapeXml(input.clusterVersion)}</ovirt-vm:clusterVersion>
      <ovirt-vm:launchPaused>false</ovirt-vm:launchPaused>
      <ovirt-vm:resumeBehavior>auto_resume</ovirt-vm:resumeBehavior>
      <ovirt-vm:minGuaranteedMemoryMb type="int">${vm.memoryMb}</ovirt-vm:minGuaranteedMemoryMb>
      ${metaDevices.join('\n      ')}
    </ovirt-vm:vm>
  </metadata>
  ${osXml(vm)}
  <features><acpi/></features>
  <clock offset="variable" adjustment="0"><timer name="rtc" tickpolicy="catchup"/><timer name="pit" tickpolicy="delay"/></clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    ${devices.join('\n    ')}
  </devices>
</domain>
`;
}
