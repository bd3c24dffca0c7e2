import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loopDevice, tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { parseDmidecodeSystem } from '../src/ops/hardware.js';
import { confContains, QEMU_CONF } from '../src/ops/libvirt-conf.js';
import { clientFor, sh, startDaemon } from './helpers.js';

const KSM = '/sys/kernel/mm/ksm';
const HP2M = '/sys/kernel/mm/hugepages/hugepages-2048kB';
const readNum = async (path: string): Promise<number> => Number((await readFile(path, 'utf8')).trim());
const canRead = (path: string): Promise<boolean> =>
  access(path, constants.R_OK).then(
    () => true,
    () => false,
  );

// One daemon for every test here.
const daemon = await startDaemon(t);
const host = clientFor(t, daemon.socket).ops;

t.test('KSM and hugepages knobs under /sys/kernel/mm', async (t) => {
  const info = await host.ksmInfo({});
  t.equal(info.run, await readNum(join(KSM, 'run')), 'ksmInfo reads the kernel (run)');
  t.equal(info.pages_to_scan, await readNum(join(KSM, 'pages_to_scan')), 'ksmInfo reads the kernel (pages_to_scan)');

  // Change what does not disturb other work on this host, then put it back.
  const pages = await readNum(join(KSM, 'pages_to_scan'));
  const sleep = await readNum(join(KSM, 'sleep_millisecs'));
  const run = await readNum(join(KSM, 'run'));
  t.teardown(() => host.ksmTune({ pagesToScan: pages, sleepMillisecs: sleep }).catch(() => {}));
  await host.ksmTune({ run: run as 0 | 1, pagesToScan: pages + 7, sleepMillisecs: sleep + 3 });
  t.equal(await readNum(join(KSM, 'pages_to_scan')), pages + 7, 'pages_to_scan written');
  t.equal(await readNum(join(KSM, 'sleep_millisecs')), sleep + 3, 'sleep_millisecs written');
  await host.ksmTune({ pagesToScan: pages, sleepMillisecs: sleep });
  t.equal(await readNum(join(KSM, 'pages_to_scan')), pages, 'restored');

  const hp = await host.hugepagesInfo({});
  const twoMiB = hp.find((h) => h.sizeKiB === 2048);
  t.same(
    twoMiB,
    {
      sizeKiB: 2048,
      total: await readNum(join(HP2M, 'nr_hugepages')),
      free: await readNum(join(HP2M, 'free_hugepages')),
    },
    'hugepagesInfo reads the kernel',
  );
  const before = twoMiB?.total ?? 0;
  t.teardown(() => host.hugepagesSet({ sizeKiB: 2048, count: before }).catch(() => {}));
  const grown = await host.hugepagesSet({ sizeKiB: 2048, count: before + 1 });
  t.equal(grown.count, await readNum(join(HP2M, 'nr_hugepages')), 'reports what the kernel allocated');
  t.ok(grown.count === before + 1, `one more 2 MiB page (${before} -> ${grown.count})`);
  t.same(await host.hugepagesSet({ sizeKiB: 2048, count: before }), { count: before }, 'and back');
  await t.rejects(host.hugepagesSet({ sizeKiB: 4, count: 1 }), {
    code: 'INVALID_PARAMS',
    message: /no 4 KiB hugepages/,
  });
});

t.test('hardware info: dmidecode with /dev/mem, sysfs DMI without, nothing invented when neither exists', async (t) => {
  const hw = await host.hardwareInfo({});
  if (await canRead('/dev/mem')) {
    t.equal(hw.source, 'dmidecode');
    t.equal(hw.systemUUID, (await sh(['dmidecode', '-s', 'system-uuid'])).trim());
  } else if (await canRead('/sys/class/dmi/id')) {
    t.equal(hw.source, 'sysfs');
    t.equal(hw.systemManufacturer, (await readFile('/sys/class/dmi/id/sys_vendor', 'utf8')).trim());
  } else {
    t.same(hw, { source: 'none' }, 'no DMI on this host: no fields at all');
  }
});

t.test('vncTlsEnabled: vnc_tls of qemu.conf, read as root', async (t) => {
  const text = await readFile(QEMU_CONF, 'utf8').catch(() => '');
  t.equal(await host.vncTlsEnabled({}), /^\s*vnc_tls\s*=\s*1\s*$/m.test(text), 'as the file says');
  t.ok(confContains('vnc_listen = "0.0.0.0"\nvnc_tls = 1\n', 'vnc_tls', '1'));
  t.notOk(confContains('#vnc_tls = 1\n', 'vnc_tls', '1'), 'a comment sets nothing');
  t.notOk(confContains('vnc_tls = 0\n', 'vnc_tls', '1'));
  t.notOk(confContains('vnc_tls_x509_verify = 1\n', 'vnc_tls', '1'), 'another key');
});

t.test('dmidecode "System Information" parsing', async (t) => {
  const out = [
    '# dmidecode 3.4',
    'Handle 0x0001, DMI type 1, 27 bytes',
    'System Information',
    '\tManufacturer: QEMU',
    '\tProduct Name: Standard PC (Q35 + ICH9, 2009)',
    '\tVersion: pc-q35-7.2',
    '\tSerial Number: Not Specified',
    '\tUUID: 3f1c9b2e-8a5d-4c6e-9f00-1234567890ab',
    '\tWake-up Type: Power Switch',
    '\tSKU Number: Not Specified',
    '\tFamily: Not Specified',
    '',
  ].join('\n');
  t.same(parseDmidecodeSystem(out), {
    systemManufacturer: 'QEMU',
    systemProductName: 'Standard PC (Q35 + ICH9, 2009)',
    systemVersion: 'pc-q35-7.2',
    systemSerialNumber: 'Not Specified',
    systemUUID: '3f1c9b2e-8a5d-4c6e-9f00-1234567890ab',
    systemFamily: 'Not Specified',
  });
});

t.test('block devices with size, vendor and serial', async (t) => {
  const dir = await tempDir(t, 'svdsm-blk-', { mode: 0o755 });
  const file = join(dir, 'disk.img');
  const dev = await loopDevice(t, file, 24);
  const devices = await host.listBlockDevices({});
  t.match(
    devices.find((b) => b.path === dev),
    { name: dev.slice('/dev/'.length), type: 'loop', size: 24 * 1024 * 1024, logicalSectorSize: 512 },
  );
  t.ok(
    devices.every((b) => typeof b.vendor === 'string' && typeof b.serial === 'string'),
    'vendor and serial always strings',
  );
});
