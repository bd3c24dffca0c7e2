import t from 'tap';
import type { VdsmError } from '../../src/errors/vdsm-error.js';
import { VmMetadata } from '../../src/virt/metadata.js';
import { currentLimits, parseIoTuneChanges, recordIoTune } from '../../src/virt/vm/io-tune.js';

t.test('parseIoTuneChanges takes the engine tunables and refuses bad ones', async (t) => {
  t.same(
    parseIoTuneChanges([
      { name: 'vda', ioTune: { total_bytes_sec: 100, read_iops_sec: '7' } },
      { path: '/d/e', ioTune: {} },
    ]),
    [
      { name: 'vda', ioTune: { total_bytes_sec: 100, read_iops_sec: 7 } },
      { path: '/d/e', ioTune: {} },
    ],
  );
  const bad: Array<[unknown, string, RegExp]> = [
    [{}, 'InvalidParameter', /must be a list/],
    [[5], 'InvalidParameter', /tunables\[0\] must be an object/],
    [[{ ioTune: {} }], 'MissingParameter', /name or path/],
    [[{ name: 'vda' }], 'MissingParameter', /tunables\[0\]\.ioTune/],
    [[{ name: 'vda', ioTune: { total_bytes_sec: -1 } }], 'InvalidParameter', /total_bytes_sec must be an integer >= 0/],
    [[{ name: 'vda', ioTune: { total_bytes_sec: '-1' } }], 'InvalidParameter', /integer >= 0/],
    [[{ name: 'vda', ioTune: { total_iops_sec: 2.5 } }], 'InvalidParameter', /integer >= 0/],
    [[{ name: 'vda', ioTune: { total_iops_sec: 'lots' } }], 'InvalidParameter', /integer >= 0/],
    [[{ name: 'vda', ioTune: { size_iops_sec: 1 } }], 'InvalidParameter', /unknown ioTune limit size_iops_sec/],
  ];
  for (const [tunables, key, message] of bad) {
    t.throws(() => parseIoTuneChanges(tunables), { name: 'VdsmError', message }, JSON.stringify(tunables));
    try {
      parseIoTuneChanges(tunables);
    } catch (err) {
      t.equal((err as VdsmError).errorName, key);
    }
  }
});

t.test('currentLimits keeps the six engine limits of a libvirt answer', async (t) => {
  t.same(currentLimits({ total_bytes_sec: 5, total_bytes_sec_max: 9, group_name: '' }), {
    total_bytes_sec: 5,
    read_bytes_sec: 0,
    write_bytes_sec: 0,
    total_iops_sec: 0,
    read_iops_sec: 0,
    write_iops_sec: 0,
  });
});

t.test('recordIoTune writes the limits into the disk device entry', async (t) => {
  const ns = 'xmlns:ovirt-vm="http://ovirt.org/vm/1.0"';
  const metadata = VmMetadata.fromXml(
    `<ovirt-vm:vm ${ns}><ovirt-vm:device devtype="disk" name="vda"><ovirt-vm:imageID>img</ovirt-vm:imageID></ovirt-vm:device></ovirt-vm:vm>`,
  );
  recordIoTune(metadata, 'vda', { total_bytes_sec: 10, read_iops_sec: 0 });
  recordIoTune(metadata, 'vda', { total_bytes_sec: 20 });
  recordIoTune(metadata, 'vdb', { write_iops_sec: 3 });
  const xml = metadata.toXml();
  t.match(xml, /<ovirt-vm:imageID>img<\/ovirt-vm:imageID><ovirt-vm:ioTune><ovirt-vm:total_bytes_sec type="int">20</);
  t.equal(xml.match(/<ovirt-vm:ioTune>/g)?.length, 2, 'one ioTune per disk, replaced on update');
  t.match(xml, /<ovirt-vm:device devtype="disk" name="vdb"><ovirt-vm:ioTune><ovirt-vm:write_iops_sec type="int">3</);
  const back = VmMetadata.fromLibvirtXml(metadata.toLibvirtXml()).toXml();
  t.equal(back, xml, 'survives the trip through libvirt form');
});
