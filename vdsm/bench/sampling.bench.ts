// One VM sampling cycle for 1000 test-driver domains (the bulk call through the binding, conversion to records,
// rates against the previous cycle, every VM's stats prebuilt) against the same virConnectGetAllDomainStats call
// from native's tiny C program, in the same run. Target: ratio < 3.
// Also: serving all 1000 VMs' stats as JSON (the Host.getAllVmStats hot path), and converting 1000 fully
// populated records (CPU, balloon, vCPU, a NIC and a disk each, as QEMU reports them; the test driver reports
// only the state group).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Connection, type DomainStatsRecord, testDriverXml } from '@vdsm-ts/native/libvirt/index';
import { execa } from 'execa';
import pino from 'pino';
import { parseDomainDevices } from '../src/virt/sampling/domain-devices.js';
import { VmSampler } from '../src/virt/sampling/index.js';
import { buildVmStats } from '../src/virt/sampling/vm-stats.js';

const DOMAINS = 1000;
const ITERATIONS = 100;
const ROUNDS = 3;
const source = fileURLToPath(new URL('../../../native/bench/bulk-stats.c', import.meta.url));

const line = (bench: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ bench, value: Number(value.toFixed(1)), unit, ...extra })}\n`);

function fullRecord(i: number, tick: number): DomainStatsRecord {
  const k = tick + 1;
  return {
    name: `vm-${i}`,
    uuid: `6f1c7a5e-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    id: i + 1,
    state: { state: 1, reason: 1 },
    cpu: { time: 1e10 * k, user: 2e9 * k, system: 1e9 * k },
    balloon: {
      current: 1048576,
      maximum: 1048576,
      swapIn: 0,
      swapOut: 0,
      majorFault: 100 * k,
      minorFault: 1000 * k,
      unused: 500000,
      available: 1000000,
      diskCaches: 100000,
      rss: 800000,
      lastUpdate: 1700000000 + k,
    },
    vcpu: { current: 2, maximum: 2 },
    net: {
      count: 1,
      items: [
        {
          name: `vnet${i}`,
          rxBytes: 1e6 * k,
          rxPkts: 1e3 * k,
          rxErrs: 0,
          rxDrop: 0,
          txBytes: 5e5 * k,
          txPkts: 500 * k,
          txErrs: 0,
          txDrop: 0,
        },
      ],
    },
    block: {
      count: 1,
      items: [
        {
          name: 'vda',
          path: `/guest/vm-${i}.img`,
          rdReqs: 100 * k,
          rdBytes: 409600 * k,
          rdTimes: 5e6 * k,
          wrReqs: 10 * k,
          wrBytes: 40960 * k,
          wrTimes: 2e6 * k,
          flReqs: 2 * k,
          flTimes: 1e6 * k,
          allocation: 1 << 20,
          capacity: 1 << 30,
          physical: 1 << 20,
        },
      ],
    },
  };
}

const dir = await mkdtemp(join(tmpdir(), 'vdsm-sampling-bench-'));
try {
  const xmlFile = join(dir, 'node.xml');
  await writeFile(xmlFile, testDriverXml({ domains: DOMAINS }));
  const uri = `test://${xmlFile}`;
  const flags = await execa('pkg-config', ['--cflags', '--libs', 'libvirt'], { timeout: 10_000, maxBuffer: 1 << 16 });
  const exe = join(dir, 'bulk-stats');
  await execa('cc', ['-O2', '-o', exe, source, ...flags.stdout.split(/\s+/).filter(Boolean)], {
    timeout: 60_000,
    maxBuffer: 1 << 20,
  });

  const hv = await Connection.open({ uri });
  const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 15, logger: pino({ level: 'warn' }) });
  await sampler.sampleNow(); // first cycle reads every domain XML once
  for (let i = 0; i < 5; i++) await sampler.sampleNow();
  if (sampler.lastCycle.domains !== DOMAINS) throw new Error(`sampler saw ${sampler.lastCycle.domains} domains`);
  const ids = (await hv.listAllDomains()).map((d) => d.uuid);

  // Alternate C and sampler rounds so both see the same machine load; keep each side's best round.
  let bestC = Number.POSITIVE_INFINITY;
  let bestCycle = Number.POSITIVE_INFINITY;
  let bestCycleJs = Number.POSITIVE_INFINITY;
  let bestServe = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const r = await execa(exe, [uri, String(ITERATIONS)], { timeout: 120_000, maxBuffer: 1 << 16 });
    const parsed = JSON.parse(r.stdout) as { identUs: number; records: number };
    if (parsed.records !== DOMAINS) throw new Error(`C baseline saw ${parsed.records} records`);
    bestC = Math.min(bestC, parsed.identUs);

    const start = performance.now();
    const elu = performance.eventLoopUtilization();
    for (let i = 0; i < ITERATIONS; i++) await sampler.sampleNow();
    bestCycle = Math.min(bestCycle, ((performance.now() - start) * 1000) / ITERATIONS);
    bestCycleJs = Math.min(bestCycleJs, (performance.eventLoopUtilization(elu).active * 1000) / ITERATIONS);

    // Host.getAllVmStats: every VM's stats as JSON, right after a cycle (so each is serialized once, then reused)
    const serve = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      let bytes = 0;
      for (const id of ids) bytes += sampler.statsJsonFor(id)?.length ?? 0;
      if (bytes === 0) throw new Error('no stats served');
    }
    bestServe = Math.min(bestServe, ((performance.now() - serve) * 1000) / ITERATIONS);
  }
  await hv.close();

  // Conversion of fully populated records (what a QEMU host returns), two samples 15 s apart.
  const devices = parseDomainDevices(`<domain><memory unit='KiB'>1048576</memory><devices>
    <interface type='bridge'><mac address='56:6f:00:00:00:01'/><target dev='vnet0'/><model type='virtio'/></interface>
    <disk type='file' device='disk'><target dev='vda'/></disk><memballoon model='virtio'/></devices></domain>`);
  const prev = Array.from({ length: DOMAINS }, (_, i) => ({ at: 100, record: fullRecord(i, 0) }));
  const cur = Array.from({ length: DOMAINS }, (_, i) => ({ at: 115, record: fullRecord(i, 1) }));
  let bestConvert = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    let n = 0;
    for (let it = 0; it < ITERATIONS; it++) {
      for (let i = 0; i < DOMAINS; i++) {
        const s = buildVmStats(prev[i], cur[i] as (typeof cur)[number], { monitorResponse: '0', devices });
        n += s.cpuActual ? 1 : 0;
      }
    }
    if (n !== DOMAINS * ITERATIONS) throw new Error('conversion did not compute rates');
    bestConvert = Math.min(bestConvert, ((performance.now() - start) * 1000) / ITERATIONS);
  }

  line('vdsm.sampling.cycle.1000.c-bulk-call', bestC, 'us/cycle');
  line('vdsm.sampling.cycle.1000', bestCycle, 'us/cycle', {
    baseline: 'C: the same bulk call + name/uuid/id per record + free',
    ratio: Number((bestCycle / bestC).toFixed(2)),
  });
  line('vdsm.sampling.cycle.1000.js-thread', bestCycleJs, 'us/cycle');
  line('vdsm.sampling.serve-json.1000', bestServe, 'us/request', {
    baseline: 'C: one bulk call',
    ratio: Number((bestServe / bestC).toFixed(3)),
  });
  line('vdsm.sampling.convert-full-records.1000', bestConvert, 'us/cycle', {
    baseline: 'C: one bulk call',
    ratio: Number((bestConvert / bestC).toFixed(2)),
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
