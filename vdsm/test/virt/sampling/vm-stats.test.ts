/**
 * The converter from two bulk-stats records to upstream's VM stats fields. The records are shaped exactly as the
 * binding returns them from qemu:///system (field names as in native/src/libvirt/types.ts); the real-guest test in
 * tests/test/virt/sampling.test.ts proves the same path against a running QEMU.
 */
import type { DomainStatsRecord } from '@vdsm-ts/native/libvirt/index';
import t from 'tap';
import { parseDomainDevices } from '../../../src/virt/sampling/domain-devices.js';
import { fixed2, intStr, pyFloat } from '../../../src/virt/sampling/format.js';
import { buildVmStats, deviceSignature, type Sample } from '../../../src/virt/sampling/vm-stats.js';

const XML = `<domain type='qemu' xmlns:ovirt-vm='http://ovirt.org/vm/1.0'>
  <name>g</name><uuid>0b7e5f55-4a1c-4c57-9a59-0d5b5f3c2a11</uuid>
  <memory unit='KiB'>196608</memory><currentMemory unit='KiB'>131072</currentMemory>
  <cputune><period>100000</period><quota>50000</quota></cputune>
  <metadata><ovirt-vm:vm><ovirt-vm:minGuaranteedMemoryMb type='int'>64</ovirt-vm:minGuaranteedMemoryMb>
    <ovirt-vm:device devtype='disk' name='vda'><ovirt-vm:imageID>9d2b8a2e-1f7c-4b55-8f8e-3e0cbd5b7f01</ovirt-vm:imageID></ovirt-vm:device>
  </ovirt-vm:vm></metadata>
  <devices>
    <disk type='file' device='disk'><source file='/x/vda.img'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><target dev='sdc' bus='sata'/></disk>
    <interface type='bridge'><mac address='56:6f:01:02:03:04'/><target dev='vnet7'/><model type='virtio'/></interface>
    <interface type='bridge'><mac address='56:6f:01:02:03:05'/><target dev='vnet8'/><model type='rtl8139'/></interface>
    <memballoon model='virtio'><stats period='5'/></memballoon>
  </devices>
</domain>`;

function record(over: Partial<DomainStatsRecord> = {}): DomainStatsRecord {
  return {
    name: 'g',
    uuid: '0b7e5f55-4a1c-4c57-9a59-0d5b5f3c2a11',
    id: 3,
    state: { state: 1, reason: 1 },
    cpu: { time: 10e9, user: 2e9, system: 1e9 },
    balloon: {
      current: 131072,
      maximum: 196608,
      swapIn: 0,
      swapOut: 0,
      majorFault: 100,
      minorFault: 1000,
      unused: 50000,
      available: 120000,
      diskCaches: 10000,
    },
    vcpu: { current: 2, maximum: 4 },
    net: {
      count: 2,
      items: [
        {
          name: 'vnet7',
          rxBytes: 1000,
          rxPkts: 10,
          rxErrs: 1,
          rxDrop: 2,
          txBytes: 500,
          txPkts: 5,
          txErrs: 3,
          txDrop: 4,
        },
        { name: 'vnet8', rxBytes: 0, txBytes: 0 },
      ],
    },
    block: {
      count: 1,
      items: [
        {
          name: 'vda',
          path: '/x/vda.img',
          rdReqs: 100,
          rdBytes: 409600,
          rdTimes: 5e6,
          wrReqs: 10,
          wrBytes: 40960,
          wrTimes: 2e6,
          flReqs: 2,
          flTimes: 1e6,
          allocation: 0,
          capacity: 16777216,
          physical: 4096,
        },
      ],
    },
    ...over,
  };
}

t.test('number encodings follow upstream', async (t) => {
  t.equal(pyFloat(0), '0.0');
  t.equal(pyFloat(1234.5), '1234.5');
  t.equal(pyFloat(27306.666666666668), '27306.666666666668');
  t.equal(pyFloat(0.00001), '1e-05');
  t.equal(pyFloat(1e16), '1e+16');
  t.equal(fixed2(13.3333), '13.33');
  t.equal(intStr(12.9), '12');
  t.equal(intStr(undefined), '0');
  t.equal(intStr(-1), '0');
});

t.test('domain XML: NICs by host device, disks by target, memory, balloon, tuning', async (t) => {
  const d = parseDomainDevices(XML);
  t.same(d.nics.get('vnet7'), { mac: '56:6f:01:02:03:04', model: 'virtio' });
  t.same(d.disks.get('vda'), { device: 'disk', imageID: '9d2b8a2e-1f7c-4b55-8f8e-3e0cbd5b7f01' });
  t.same(d.disks.get('sdc'), { device: 'cdrom' });
  t.equal(d.memoryKiB, 196608);
  t.equal(d.currentMemoryKiB, 131072);
  t.equal(d.minGuaranteedKiB, 64 * 1024);
  t.ok(d.balloon);
  t.ok(d.ballooningEnabled);
  t.equal(d.vcpuQuota, 50000);
  t.equal(d.vcpuPeriod, 100000);
  const mib = parseDomainDevices(
    "<domain><memory unit='MiB'>2</memory><devices><memballoon model='none'/></devices></domain>",
  );
  t.equal(mib.memoryKiB, 2048);
  t.equal(mib.currentMemoryKiB, 2048, 'no currentMemory: the full size');
  t.notOk(mib.balloon);
  t.throws(() => parseDomainDevices('<domain><unclosed></domain>'), 'not XML');
  t.throws(() => parseDomainDevices('<network/>'), /not a domain XML/);
});

t.test('first sample: counters, no rates yet', async (t) => {
  const devices = parseDomainDevices(XML);
  const s = buildVmStats(
    undefined,
    { at: 100, record: record() },
    { monitorResponse: '0', devices, elapsedSeconds: 42.7 },
  );
  t.equal(s.cpuUser, '0.00');
  t.equal(s.cpuSys, '0.00');
  t.equal(s.cpuActual, false);
  t.equal(s.cpuUsage, '3000000000', 'cumulative user+system ns');
  t.equal(s.elapsedTime, '42');
  t.equal(s.vcpuCount, '2');
  t.equal(s.vcpuQuota, '50000');
  t.equal(s.vcpuPeriod, 100000);
  t.same(s.network.vnet7, {
    macAddr: '56:6f:01:02:03:04',
    name: 'vnet7',
    speed: '1000',
    state: 'unknown',
    rx: '1000',
    tx: '500',
    rxErrors: '1',
    rxDropped: '2',
    txErrors: '3',
    txDropped: '4',
    sampleTime: 100,
  });
  t.equal(s.network.vnet8?.speed, '100', 'rtl8139 is reported at 100 Mb/s');
  t.equal(s.disks.vda?.readRate, '0.0');
  t.equal(s.disks.vda?.readLatency, '0');
  t.equal(s.disks.vda?.readOps, '100');
  t.equal(s.disks.vda?.writtenBytes, '40960');
  t.equal(s.disks.vda?.apparentsize, '16777216');
  t.equal(s.disks.vda?.truesize, '4096');
  t.equal(s.disks.vda?.imageID, '9d2b8a2e-1f7c-4b55-8f8e-3e0cbd5b7f01');
  t.same(s.balloonInfo, {
    balloon_max: '196608',
    balloon_min: '65536',
    balloon_cur: '131072',
    balloon_target: '131072',
    ballooning_enabled: true,
  });
  t.same(s.memoryStats, {
    mem_total: '120000',
    mem_unused: '50000',
    mem_free: '60000',
    swap_in: 0,
    swap_out: 0,
    majflt: 0,
    minflt: 0,
    pageflt: 0,
  });
  t.equal(s.memUsage, String(Math.trunc(100 - (60000 / 196608) * 100)));
});

t.test('second sample: rates from the deltas over the interval between the bulk calls', async (t) => {
  const devices = parseDomainDevices(XML);
  const first: Sample = { at: 100, record: record() };
  const later = record({
    cpu: { time: 10e9 + 6e9, user: 2e9 + 1e9, system: 1e9 + 0.5e9 },
    block: {
      count: 1,
      items: [
        {
          name: 'vda',
          rdReqs: 100 + 30,
          rdBytes: 409600 + 15 * 4096,
          rdTimes: 5e6 + 3e6,
          wrReqs: 10,
          wrBytes: 40960,
          wrTimes: 2e6,
          flReqs: 2 + 4,
          flTimes: 1e6 + 2e6,
          allocation: 8192,
          capacity: 16777216,
          physical: 8192,
        },
      ],
    },
  });
  later.balloon = { ...later.balloon, majorFault: 100 + 45, minorFault: 1000 + 150, swapIn: 30 };
  const s = buildVmStats(first, { at: 115, record: later }, { monitorResponse: '0', devices });
  // 6 s of CPU in 15 s: 1.5 s user+system -> cpuSys 10 %, the other 4.5 s -> cpuUser 30 %
  t.equal(s.cpuSys, '10.00');
  t.equal(s.cpuUser, '30.00');
  t.equal(s.cpuActual, true);
  t.equal(s.cpuUsage, '4500000000');
  t.equal(s.disks.vda?.readRate, pyFloat((15 * 4096) / 15));
  t.equal(s.disks.vda?.writeRate, '0.0');
  t.equal(s.disks.vda?.readLatency, '100000', '3 ms over 30 reads: 100000 ns per read');
  t.equal(s.disks.vda?.writeLatency, '0', 'no writes in the interval');
  t.equal(s.disks.vda?.flushLatency, '500000');
  t.equal(s.disks.vda?.truesize, '8192');
  t.equal(s.memoryStats?.majflt, 3);
  t.equal(s.memoryStats?.minflt, 10);
  t.equal(s.memoryStats?.pageflt, 13);
  t.equal(s.memoryStats?.swap_in, 2);
  t.equal(s.network.vnet7?.rx, '1000', 'network stays cumulative: the engine derives rates');
  t.equal(s.network.vnet7?.sampleTime, 115);
});

t.test('a restarted domain (new id) or a counter going back gives no rates', async (t) => {
  const first: Sample = { at: 100, record: record() };
  const restarted = buildVmStats(
    first,
    { at: 115, record: record({ id: 9, cpu: { time: 1e9, user: 1e8, system: 1e8 } }) },
    {
      monitorResponse: '0',
    },
  );
  t.equal(restarted.cpuActual, false);
  t.equal(restarted.cpuSys, '0.00');
  const backwards = buildVmStats(
    first,
    { at: 115, record: record({ cpu: { time: 1e9, user: 1e8, system: 1e8 } }) },
    {
      monitorResponse: '0',
    },
  );
  t.equal(backwards.cpuActual, false);
});

t.test('without the domain XML: no MACs, no balloon info, stats still complete', async (t) => {
  const s = buildVmStats(undefined, { at: 1, record: record() }, { monitorResponse: '-1' });
  t.equal(s.monitorResponse, '-1');
  t.notOk('macAddr' in (s.network.vnet7 ?? {}));
  t.same(s.balloonInfo, {});
  t.notOk('imageID' in (s.disks.vda ?? {}));
  t.equal(s.memUsage, String(Math.trunc(100 - (60000 / 196608) * 100)), 'memory size from balloon.maximum');
});

t.test('device signature changes with the set of NICs and disks', async (t) => {
  const a = deviceSignature(record());
  t.equal(a, deviceSignature(record()));
  t.not(a, deviceSignature(record({ net: { count: 1, items: [{ name: 'vnet7' }] } })));
  t.not(a, deviceSignature(record({ block: { count: 0, items: [] } })));
});
