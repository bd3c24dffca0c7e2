import { engineDomainXml } from '@vdsm-ts/testing/domain-xml';
import t from 'tap';
import { chooseDomainType, offeredDomainTypes } from '../../src/virt/domain-type.js';
import {
  DomainXmlError,
  describeDomain,
  parseDomain,
  withDomainType,
  withDrivePaths,
} from '../../src/virt/domain-xml.js';
import { imageDrives } from '../../src/virt/drives.js';
import type { KvmSupport } from '../../src/virt/kvm-support.js';
import { VmMetadata } from '../../src/virt/metadata.js';
import { engineVmXml } from './helpers.js';

const UUID = '5b6f8a3e-0d1c-4c8e-9f6a-1234567890ab';

t.test('describeDomain reads identity, size, devices and metadata', async (t) => {
  const xml = engineVmXml({
    name: 'vm1',
    uuid: UUID.toUpperCase(),
    memoryMiB: 256,
    vcpus: 2,
    maxVcpus: 4,
    channel: '/run/x/ga.sock',
    macs: ['56:6F:00:00:00:01'],
    launchPaused: true,
  });
  const d = describeDomain(xml);
  t.equal(d.uuid, UUID, 'UUID is normalised to lower case');
  t.equal(d.name, 'vm1');
  t.equal(d.type, 'kvm');
  t.equal(d.arch, 'x86_64');
  t.equal(d.memoryKiB, 256 * 1024);
  t.equal(d.vcpus, 2);
  t.equal(d.maxVcpus, 4);
  t.equal(d.acpi, true);
  t.same(d.graphics, [{ type: 'vnc', port: '', tlsPort: '', listen: '127.0.0.1' }], 'autoport -1 becomes ""');
  t.same(d.channels, [{ name: 'ovirt-guest-agent.0', path: '/run/x/ga.sock' }]);
  t.equal(d.interfaces[0]?.mac, '56:6f:00:00:00:01');
  t.equal(d.disks[0]?.target, 'vda');
  t.equal(d.disks[0]?.path, '/guest/vm1.img');
  t.equal(d.metadata?.getString('clusterVersion'), '4.7');
  t.equal(d.metadata?.get('minGuaranteedMemoryMb'), 256, 'type="int" is a number');
  t.equal(d.metadata?.getBool('launchPaused'), true, 'the untyped "true" the engine sends is a boolean');
  t.match(d.devicesHash, /^\d+$/);
  const other = describeDomain(engineVmXml({ name: 'vm1', uuid: UUID, macs: ['56:6f:00:00:00:02'] }));
  t.not(other.devicesHash, d.devicesHash, 'the hash follows the devices');
});

t.test('describeDomain refuses what cannot be a domain', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['<domain', /well-formed/],
    ['<vm/>', /root element is not <domain>/],
    ['<domain><name>a</name><uuid>5b6f8a3e-0d1c-4c8e-9f6a-1234567890ab</uuid></domain>', /no type/],
    ['<domain type="kvm"><name>a</name><uuid>nope</uuid><memory>1</memory></domain>', /uuid/],
    [`<domain type="kvm"><uuid>${UUID}</uuid><memory>1</memory></domain>`, /name/],
    [`<domain type="kvm"><name>a</name><uuid>${UUID}</uuid></domain>`, /memory/],
    [`<domain type="kvm"><name>a</name><uuid>${UUID}</uuid><memory>1</memory><vcpu>0</vcpu></domain>`, /vcpu/],
  ];
  for (const [xml, message] of cases) {
    t.throws(() => describeDomain(xml), { name: 'DomainXmlError', message }, xml);
  }
  t.ok(new DomainXmlError('x') instanceof Error);
});

t.test('withDomainType changes only the root type', async (t) => {
  const parsed = parseDomain(engineVmXml({ name: 'vm1', uuid: UUID }));
  const d = parsed.description;
  const changed = withDomainType(parsed, 'qemu');
  const rewritten = describeDomain(changed.xml);
  // The edited description (no second parse) reads as a fresh parse of its XML would.
  const { metadata: _m1, ...changedFacts } = changed;
  const { metadata: _m2, ...rewrittenFacts } = rewritten;
  t.same(changedFacts, rewrittenFacts, 'the edited description equals a parse of its XML');
  t.equal(changed.metadata?.toLibvirtXml(), rewritten.metadata?.toLibvirtXml(), 'same metadata');
  t.equal(rewritten.type, 'qemu');
  t.equal(rewritten.uuid, UUID);
  t.equal(rewritten.metadata?.getString('clusterVersion'), '4.7', 'metadata survives');
  t.equal(d.type, 'kvm', 'the original description is untouched');
});

t.test('metadata: typed values, updates, libvirt form', async (t) => {
  const m = VmMetadata.fromXml(
    `<ovirt-vm:vm xmlns:ovirt-vm="http://ovirt.org/vm/1.0"><ovirt-vm:a type="float">1.5</ovirt-vm:a><ovirt-vm:device mac_address="aa"/></ovirt-vm:vm>`,
  );
  t.equal(m.get('a'), 1.5);
  m.set('startTime', 1700000000.25);
  m.set('exitReason', 6);
  m.set('exitMessage', 'Admin <shut> down');
  m.set('a', false);
  t.equal(m.get('a'), false);
  const libvirt = m.toLibvirtXml();
  t.match(libvirt, /^<vm><a type="bool">false<\/a><startTime/, 'no namespace for libvirt');
  const back = VmMetadata.fromLibvirtXml(libvirt);
  t.equal(back.get('startTime'), 1700000000.25);
  t.equal(back.get('exitReason'), 6);
  t.equal(back.get('exitMessage'), 'Admin <shut> down');
  t.equal(back.devices().length, 1);
  back.delete('exitReason');
  t.equal(back.get('exitReason'), undefined);
  const ns0 = VmMetadata.fromXml('<ns0:vm xmlns:ns0="http://ovirt.org/vm/1.0"><ns0:x>y</ns0:x></ns0:vm>');
  t.equal(ns0.get('x'), 'y', 'matched by namespace URI, not prefix');
  t.throws(() => VmMetadata.fromXml('<vm/>'), /namespace/);
});

const offered = offeredDomainTypes(`<capabilities><host/>
  <guest><os_type>hvm</os_type><arch name="x86_64"><domain type="qemu"/><domain type="kvm"/></arch></guest>
  <guest><os_type>hvm</os_type><arch name="i686"><domain type="qemu"/></arch></guest></capabilities>`);
const testOffered = offeredDomainTypes(
  '<capabilities><guest><os_type>hvm</os_type><arch name="i686"><domain type="test"/></arch></guest></capabilities>',
);
const kvm = (useTcg: boolean, setting: 'auto' | 'true' | 'false' = 'auto'): KvmSupport => ({
  usable: !useTcg,
  reason: useTcg ? 'kvm_pvm only' : 'kvm_intel',
  useTcg,
  setting,
});

t.test('domain type policy', async (t) => {
  t.same(offered.get('x86_64'), ['qemu', 'kvm']);
  t.same(chooseDomainType('kvm', 'x86_64', kvm(false), offered), { type: 'kvm' }, 'a real KVM host keeps kvm');
  const tcg = chooseDomainType('kvm', 'x86_64', kvm(true), offered);
  t.equal(tcg.type, 'qemu');
  t.match(tcg.reason, /kvm_pvm only/, 'says why');
  t.match(chooseDomainType('kvm', 'x86_64', kvm(true, 'true'), offered).reason, /fake_kvm_support = true/);
  t.equal(chooseDomainType('kvm', 'i686', kvm(false), offered).type, 'qemu', 'kvm not offered for the arch');
  t.equal(chooseDomainType('qemu', 'x86_64', kvm(false), offered).type, 'qemu', 'qemu stays qemu');
  const onTest = chooseDomainType('kvm', 'x86_64', kvm(true), testOffered);
  t.equal(onTest.type, 'test', 'the test driver gets its own type');
  t.match(onTest.reason, /using test/);
});

t.test('disks naming oVirt images; prepared paths go into the parsed document', async (t) => {
  const ids = {
    poolID: '11111111-1111-4111-8111-111111111111',
    domainID: '22222222-2222-4222-8222-222222222222',
    imageID: '33333333-3333-4333-8333-333333333333',
    volumeID: '44444444-4444-4444-8444-444444444444',
  };
  const { poolID: _pool, ...noPool } = ids;
  const xml = engineDomainXml({
    name: 'drives',
    uuid: UUID,
    disks: [
      { path: '/engine/path/vda', target: 'vda', ids },
      { path: '/given/vdb', target: 'vdb', ids: noPool },
      { path: '/given/vdc', target: 'vdc' },
    ],
  });
  const parsed = parseDomain(xml);
  const images = imageDrives(parsed.description.disks, parsed.description.metadata);
  t.same(
    images.map((d) => [d.target, d.image]),
    [['vda', ids]],
    'only a drive with all four ids names an image (upstream isVdsmImage)',
  );
  const typed = withDomainType(parsed, 'test');
  const prepared = withDrivePaths(parsed, typed, new Map([['vda', '/run/vdsm/storage/sd/img/vol']]));
  t.equal(prepared.type, 'test', 'the type change stays');
  t.same(
    prepared.disks.map((d) => d.path),
    ['/run/vdsm/storage/sd/img/vol', '/given/vdb', '/given/vdc'],
  );
  t.match(prepared.xml, '<source file="/run/vdsm/storage/sd/img/vol"/>');
  t.notMatch(prepared.xml, '/engine/path/vda');
  t.same(
    describeDomain(prepared.xml).disks.map((d) => d.path),
    prepared.disks.map((d) => d.path),
    'the XML says so',
  );
});
