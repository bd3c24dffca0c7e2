import { readFile } from 'node:fs/promises';
import t from 'tap';
import {
  parseCpuList,
  parseMeminfo,
  parseOsRelease,
  parsePidStat,
  parseProcStat,
  selectedChoice,
} from '../../src/host/procfs.js';
import { computeStats, HostStatsSampler, takeSample } from '../../src/host/stats.js';
import { meminfoKiB } from './helpers.js';

t.test('procfs parsers', async (t) => {
  t.same(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  t.same(parseCpuList(''), []);
  t.equal(parseMeminfo('MemTotal:       16384000 kB\nHugePages_Total:       0\n').get('MemTotal'), 16384000);
  const stat = parseProcStat('cpu  10 2 30 400 5 0 1 0 7 0\ncpu0 10 2 30 400 5 0 1 0 7 0\nbtime 1700000000\n');
  t.same(stat.all, { user: 10, nice: 2, system: 30, idle: 400, total: 448 }, 'guest time is not counted twice');
  t.equal(stat.btime, 1700000000);
  t.same(parsePidStat('42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 1 0'), { utime: 17, stime: 5 });
  t.equal(
    parseOsRelease('ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n').get('PRETTY_NAME'),
    'Debian GNU/Linux 12 (bookworm)',
  );
  t.equal(selectedChoice('always [madvise] never\n'), 'madvise');
});

t.test('memory, swap, boot time and load agree with /proc', async (t) => {
  const sample = await takeSample();
  const stats = computeStats(undefined, sample, new Map(), sample.at);
  const meminfo = await meminfoKiB('SwapTotal', 'MemFree', 'Cached', 'Buffers', 'SReclaimable');
  t.equal(stats.swapTotal, Math.floor((meminfo.SwapTotal ?? 0) / 1024), 'swapTotal in MiB');
  const free = ['MemFree', 'Cached', 'Buffers', 'SReclaimable'].reduce((s, k) => s + (meminfo[k] ?? 0), 0);
  // memory moves between two reads; allow 64 MiB
  t.ok(Math.abs(stats.memFree - free / 1024) < 64, `memFree ${stats.memFree} MiB ≈ ${Math.round(free / 1024)} MiB`);
  const used = Number(stats.memUsed);
  t.ok(used >= 0 && used <= 100, `memUsed ${stats.memUsed} is a percentage`);
  const btime = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1];
  t.equal(stats.bootTime, btime);
  const load5 = Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[1]);
  t.ok(Math.abs(Number(stats.cpuLoad) - load5) < 1, `cpuLoad ${stats.cpuLoad} ≈ ${load5}`);
  t.match(stats.dateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d GMT$/);
  t.equal(stats.vmCount, 0, 'no VMs are managed yet');
});

t.test('network counters come from sysfs and only grow', async (t) => {
  const first = await takeSample();
  const names = first.interfaces.map((i) => i.name);
  t.ok(names.includes('lo'), 'loopback is listed');
  const lo = computeStats(undefined, first, new Map(), first.at).network.lo!;
  const rxNow = Number((await readFile('/sys/class/net/lo/statistics/rx_bytes', 'utf8')).trim());
  t.ok(Number(lo.rx) <= rxNow, 'rx counter read from sysfs');
  t.equal(lo.speed, '1000', 'unknown speed is reported as 1000');
  const second = await takeSample();
  const lo2 = computeStats(first, second, new Map(), first.at).network.lo!;
  t.ok(Number(lo2.rx) >= Number(lo.rx));
  t.ok(lo2.sampleTime >= lo.sampleTime);
});

t.test('cpu shares over a window add up to 100', async (t) => {
  const a = await takeSample();
  const b = await takeSample();
  const s = computeStats(a, b, new Map(), a.at);
  const sum = Number(s.cpuUser) + Number(s.cpuSys) + Number(s.cpuIdle);
  t.ok(Math.abs(sum - 100) < 0.05, `user+sys+idle = ${sum}`);
  t.equal(Object.keys(s.cpuStatistics).length, b.stat.perCpu.size, 'one entry per cpu');
  t.ok(Number(s.cpuUserVdsmd) >= 0);
});

t.test('the sampler keeps the last two samples and answers from them', async (t) => {
  const sampler = new HostStatsSampler({ intervalSeconds: 3600 });
  t.teardown(() => sampler.stop());
  await sampler.start();
  t.equal(sampler.sampleCount, 1);
  await sampler.tick();
  t.equal(sampler.sampleCount, 2);
  const before = sampler.sampleCount;
  await sampler.stats();
  t.equal(sampler.sampleCount, before, 'a request does not sample');
});
