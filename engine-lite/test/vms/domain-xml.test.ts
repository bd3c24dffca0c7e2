import t from 'tap';
import { buildDomainXml } from '../../src/vms/domain-xml.js';
import { vmRow } from '../helpers/rows.js';

const vm = vmRow({
  id: '6a3e8a5c-7a4c-4c55-9d0c-1c1f3c0e2b11',
  name: 'web&db',
  clusterId: 'c',
  templateId: 't',
  memoryMb: 512,
});

t.test('engine-style domain XML', async (t) => {
  const xml = buildDomainXml({
    vm,
    clusterVersion: '4.7',
    poolId: 'pool',
    devices: [
      {
        id: 'n',
        vmId: vm.id,
        type: 'interface',
        device: 'bridge',
        spec: { mac: '56:6f:00:11:22:33', network: 'ovirtmgmt' },
      },
    ],
    disks: [
      {
        id: 'd1',
        name: 'd',
        vmId: vm.id,
        storageDomainId: 'sd1',
        sizeBytes: 1 << 30,
        format: 'cow',
        interface: 'virtio',
        bootable: true,
        status: 'OK',
      },
    ],
  });
  t.match(
    xml,
    /<domain type="kvm" [^>]*xmlns:ovirt-vm="http:\/\/ovirt\.org\/vm\/1\.0"/,
    'kvm domain with the ovirt-vm namespace',
  );
  t.match(xml, /<name>web&amp;db<\/name>/, 'names are escaped');
  t.match(xml, `<uuid>${vm.id}</uuid>`);
  t.match(xml, '<memory unit="KiB">524288</memory>');
  t.match(xml, '<ovirt-vm:clusterVersion>4.7</ovirt-vm:clusterVersion>', 'ovirt-vm metadata');
  t.match(xml, /<target type="virtio" name="ovirt-guest-agent\.0"\/>/, 'guest agent channel');
  t.match(xml, /<target type="virtio" name="org\.qemu\.guest_agent\.0"\/>/, 'qemu guest agent channel');
  t.match(xml, /<graphics type="vnc"[^>]*passwdValidTo="1970-01-01T00:00:01"/, 'display locked until a ticket is set');
  t.match(xml, /<mac address="56:6f:00:11:22:33"\/>/, 'NIC');
  t.match(xml, '<ovirt-vm:device mac_address="56:6f:00:11:22:33"><ovirt-vm:network>ovirtmgmt</ovirt-vm:network>');
  t.match(xml, '/rhev/data-center/pool/sd1/images/d1/d1', 'disk path in the oVirt file layout');
  t.match(xml, '<ovirt-vm:imageID>d1</ovirt-vm:imageID>', 'disk ids in the metadata');
  t.equal(xml.match(/model="pcie-root-port"/g)?.length, 16, '16 pcie-root-ports for hot-plug, as the engine sends');
  t.match(xml, '<os><type arch="x86_64" machine="q35">hvm</type><boot dev="hd"/></os>', 'boots from disk by default');
});

t.test('direct kernel boot from os.kernel, os.initrd, os.cmdline', async (t) => {
  const boot = { kernelPath: '/boot/vmlinuz', initrdPath: '/boot/initrd.img', kernelCmdline: 'console=ttyS0 a=<b>' };
  const xml = buildDomainXml({ vm: { ...vm, ...boot }, clusterVersion: '4.7', poolId: 'pool', devices: [], disks: [] });
  t.match(
    xml,
    '<os><type arch="x86_64" machine="q35">hvm</type><kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.img</initrd><cmdline>console=ttyS0 a=&lt;b&gt;</cmdline></os>',
  );
  t.notMatch(xml, '<boot dev=', 'no disk boot order');
  const kernelOnly = buildDomainXml({
    vm: { ...vm, kernelPath: '/k' },
    clusterVersion: '4.7',
    poolId: 'pool',
    devices: [],
    disks: [],
  });
  t.match(
    kernelOnly,
    '<os><type arch="x86_64" machine="q35">hvm</type><kernel>/k</kernel></os>',
    'initrd and cmdline optional',
  );
});
