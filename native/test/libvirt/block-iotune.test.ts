import t from 'tap';
import { Affect, Connection, ErrorCode } from '../../src/libvirt/index.js';

// test:///default's driver keeps block I/O limits per disk like the QEMU driver does (it also insists that a
// limit stays below its _max when one is set, so the tests set both).
const diskXml = `<disk type='file' device='disk'><source file='/guest/tune.img'/><target dev='vda' bus='virtio'/></disk>`;
const domainXml = `<domain type='test'><name>iotune</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type>hvm</type></os><devices>${diskXml}</devices></domain>`;

t.test('setBlockIoTune / getBlockIoTune on test:///default', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.createXML(domainXml);
  t.teardown(() => d.destroy());

  const before = await d.getBlockIoTune('vda', Affect.LIVE);
  t.equal(before.total_bytes_sec, 0, 'no limit at first');
  t.equal(typeof before.group_name, 'string', 'string-typed parameters come back as strings');

  await d.setBlockIoTune(
    'vda',
    { total_bytes_sec: 10_485_760, total_bytes_sec_max: 20_971_520, read_iops_sec: 300, read_iops_sec_max: 600 },
    Affect.LIVE,
  );
  const after = await d.getBlockIoTune('vda', Affect.LIVE);
  t.match(after, { total_bytes_sec: 10_485_760, total_bytes_sec_max: 20_971_520, read_iops_sec: 300 });
  t.equal(after.write_iops_sec, 0, 'limits not given stay as they were');
  t.equal(await d.getBlockIoTune('/guest/tune.img', Affect.LIVE).then((v) => v.read_iops_sec), 300, 'by path too');

  const xml = await d.getXMLDesc();
  t.match(xml, /<iotune>[\s\S]*<total_bytes_sec>10485760<\/total_bytes_sec>[\s\S]*<\/iotune>/, 'live XML has them');
});

t.test('block I/O tune errors reject with LibvirtError', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const d = await c.createXML(domainXml.replace('iotune', 'iotune-bad'));
  t.teardown(() => d.destroy());

  await t.rejects(d.getBlockIoTune('vdz', Affect.LIVE), { name: 'LibvirtError', code: ErrorCode.INVALID_ARG });
  await t.rejects(d.setBlockIoTune('vdz', { total_iops_sec: 1, total_iops_sec_max: 2 }, Affect.LIVE), {
    name: 'LibvirtError',
    code: ErrorCode.INVALID_ARG,
  });
  await t.rejects(d.setBlockIoTune('vda', { total_bytes_sec: -1 }, Affect.LIVE), {
    name: 'LibvirtError',
    code: ErrorCode.INVALID_ARG,
    message: /non-negative integer/,
  });
  await t.rejects(d.setBlockIoTune('vda', { no_such_limit: 5 }, Affect.LIVE), { name: 'LibvirtError' });
  t.equal((await d.getBlockIoTune('vda', Affect.LIVE)).total_bytes_sec, 0, 'a refused change changed nothing');

  // Wrong argument types are refused by the binding itself, as a rejected promise.
  const raw = d as unknown as { native: { setBlockIoTune(...a: unknown[]): Promise<number> } };
  await t.rejects(raw.native.setBlockIoTune('vda', [['total_bytes_sec', 'ullong', 'x']], 1), {
    code: ErrorCode.INVALID_ARG,
  });
  await t.rejects(raw.native.setBlockIoTune(5, [], 1), { code: ErrorCode.INVALID_ARG });
});
