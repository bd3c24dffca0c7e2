/**
 * engine-lite at scale: BENCH_HOSTS real vdsmd processes (test:///default, plain TCP; default 20) running
 * BENCH_VMS_PER_HOST VMs each (default 50), all started through the REST API, under one engine (embedded PGlite, the
 * default). Three figures:
 * - engine CPU per host monitoring cycle (Host.getAllVmStats + Host.getStats applied to the database, 1 s polls, no
 *   REST traffic). Baseline: the same two calls to the same hosts over bare VdsmClient connections;
 * - how long a VM state change made on a host (VM.pause / VM.cont through a direct client to its vdsmd) takes to
 *   show in REST GET /vms/{id}, polled back to back. Baseline: the poll interval, what polling alone would give at
 *   worst (the change arrives by a |virt|VM_status| event);
 * - REST GET /vms p50/p99 with all VMs running and every host being polled.
 * CPU is this process's user+system time (the engine runs here; the vdsmds are separate processes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { VdsmClient } from '@vdsm-ts/vdsm/client/index';
import { startEngine } from '../src/runtime.js';
import { EngineClient } from '../src/sdk/client.js';
import type { Vm } from '../src/sdk/types.js';
import { freshPgliteDir } from '../test/helpers/pglite.js';
import { startVdsmd, type Vdsmd } from '../test/helpers/vdsmd.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 20);
const VMS_PER_HOST = Number(process.env.BENCH_VMS_PER_HOST ?? 50);
const CPU_WINDOW_MS = Number(process.env.BENCH_CPU_WINDOW_MS ?? 20_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 20);
const LIST_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50);
const POLL_MS = 1000;
const STARTS_IN_FLIGHT = 8;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};
const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const emit = (row: { bench: string; value: number; unit: string; baseline: string; ratio: number }) =>
  process.stdout.write(`${JSON.stringify(row)}\n`);
const log = (msg: string) => process.stderr.write(`[scale] ${msg}\n`);

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await each(items[next++] as T);
    }),
  );
}

async function bareCycleCpu(clients: readonly VdsmClient[], cycles: number): Promise<number> {
  const cycle = (c: VdsmClient) => Promise.all([c.call('Host.getAllVmStats'), c.call('Host.getStats')]);
  for (const c of clients) await cycle(c);
  const start = process.cpuUsage();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < cycles; i++) await cycle(c);
    }),
  );
  return cpuMs(start) / (cycles * clients.length);
}

const daemons: Vdsmd[] = [];
let monitorCpu: { ours: number; cycles: number; wall: number } | undefined;
const pgliteDir = await freshPgliteDir();
const dataDir = await mkdtemp(join(tmpdir(), 'engine-lite-bench-scale-'));
try {
  const t0 = Date.now();
  await inBatches(
    Array.from({ length: HOSTS }, (_, i) => i),
    4,
    async () => {
      daemons.push(await startVdsmd());
    },
  );
  log(`${HOSTS} vdsmd processes up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const engine = await startEngine({
    dataDir,
    db: pgliteDir,
    port: 0,
    adminPassword: 'bench-admin-pw',
    monitor: { pollIntervalMs: POLL_MS, statsEveryPolls: 1, maxMissedPolls: 5, callTimeoutMs: 15_000 },
  });
  try {
    const api = await EngineClient.login(engine.url, 'admin@internal', 'bench-admin-pw');
    await api.dataCenters.add({ name: 'dc' });
    await api.clusters.add({ name: 'cl', data_center: { name: 'dc' }, cpu: { type: 'AMD EPYC' } });
    const hosts = await Promise.all(
      daemons.map((d, i) =>
        api.hosts.add({ name: `h${i}`, address: '127.0.0.1', port: d.port, cluster: { name: 'cl' }, tls: false }),
      ),
    );
    for (const h of hosts) {
      await api.waitFor(
        () => api.hosts.get(h.id),
        (x) => x.status === 'up' && x.free_memory > 0,
        { timeoutMs: 120_000 },
      );
    }
    const t1 = Date.now();
    const names = Array.from({ length: HOSTS * VMS_PER_HOST }, (_, i) => `vm${String(i).padStart(5, '0')}`);
    const vmIds: string[] = [];
    await inBatches(names, STARTS_IN_FLIGHT, async (name) => {
      const vm = await api.vms.add({ name, cluster: { name: 'cl' }, memory: 16 * 1048576 });
      await api.vms.start(vm.id);
      vmIds.push(vm.id);
    });
    const running = (v: Pick<Vm, 'status'>) => v.status === 'up' || v.status === 'powering_up';
    await api.waitFor(
      () => api.vms.list(),
      (list) => list.filter(running).length === names.length,
      { timeoutMs: 300_000, intervalMs: 1000 },
    );
    const perHost = new Map<string, number>();
    for (const v of await api.vms.list()) perHost.set(v.host?.id ?? '-', (perHost.get(v.host?.id ?? '-') ?? 0) + 1);
    const counts = [...perHost.values()];
    log(
      `${names.length} VMs running after ${((Date.now() - t1) / 1000).toFixed(1)} s; per host ${Math.min(...counts)}..${Math.max(...counts)}`,
    );

    // 1. engine CPU per monitoring cycle, nothing else going on in this process
    let cycles = 0;
    const onCycle = () => cycles++;
    engine.hosts.on('cycle', onCycle);
    const cpuStart = process.cpuUsage();
    const wallStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, CPU_WINDOW_MS));
    const ours = cpuMs(cpuStart) / cycles;
    const wall = (Date.now() - wallStart) / 1000;
    engine.hosts.off('cycle', onCycle);
    monitorCpu = { ours, cycles, wall };
    const clients = await Promise.all(
      daemons.map((d) => VdsmClient.connect({ host: '127.0.0.1', port: d.port, tls: false, reconnect: false })),
    );

    // 2. a state change on a host until REST shows it
    const byHost = new Map<string, string>();
    for (const v of await api.vms.list())
      if (v.host !== undefined && !byHost.has(v.host.id)) byHost.set(v.host.id, v.id);
    const hostIndex = new Map(hosts.map((h, i) => [h.id, i]));
    const picks = [...byHost.entries()];
    const delays: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const [hostId, vmId] = picks[i % picks.length] as [string, string];
      const client = clients[hostIndex.get(hostId) ?? 0] as VdsmClient;
      const paused = (await api.vms.get(vmId)).status === 'paused';
      const start = performance.now();
      await client.call(paused ? 'VM.cont' : 'VM.pause', { vmID: vmId });
      for (;;) {
        const v = await api.vms.get(vmId);
        if (paused ? running(v) : v.status === 'paused') break;
        if (performance.now() - start > 30_000) throw new Error(`VM ${vmId} change not seen in 30 s`);
      }
      delays.push(performance.now() - start);
    }
    delays.sort((a, b) => a - b);
    for (const p of [50, 99]) {
      emit({
        bench: `engine-lite.vm-status.host-to-rest.${HOSTS}hosts-${VMS_PER_HOST}vms.p${p}`,
        value: Number(pct(delays, p).toFixed(1)),
        unit: 'ms',
        baseline: `poll interval ${POLL_MS} ms (polling alone: up to that); ${delays.length} changes (VM.pause/VM.cont through a direct client), REST polled back to back`,
        ratio: Number((pct(delays, p) / POLL_MS).toFixed(3)),
      });
    }
    await Promise.all(clients.map((c) => c.close()));

    // 3. GET /vms with every VM running and every host polled
    for (let i = 0; i < 5; i++) await api.vms.list();
    const lists: number[] = [];
    for (let i = 0; i < LIST_REQUESTS; i++) {
      const start = performance.now();
      const list = await api.vms.list();
      lists.push(performance.now() - start);
      if (list.length !== names.length) throw new Error(`GET /vms returned ${list.length} VMs`);
    }
    lists.sort((a, b) => a - b);
    for (const p of [50, 99]) {
      emit({
        bench: `engine-lite.rest.get-vms-${names.length}.monitored-${HOSTS}hosts.pglite.p${p}`,
        value: Number(pct(lists, p).toFixed(1)),
        unit: 'ms',
        baseline: `same list with nothing running: see engine-lite.rest.get-vms-1000.pglite.p${p} (rest-vms.bench)`,
        ratio: 1,
      });
    }
  } finally {
    await engine.stop();
  }
  // the baseline runs with the engine stopped (its polls would count in this process's CPU), same hosts and VMs
  if (monitorCpu !== undefined) {
    const { ours, cycles, wall } = monitorCpu;
    const clients = await Promise.all(
      daemons.map((d) => VdsmClient.connect({ host: '127.0.0.1', port: d.port, tls: false, reconnect: false })),
    );
    const base = await bareCycleCpu(clients, 10);
    await Promise.all(clients.map((c) => c.close()));
    emit({
      bench: `engine-lite.monitor.cpu-per-cycle.${HOSTS}hosts-${VMS_PER_HOST}vms`,
      value: Number(ours.toFixed(3)),
      unit: 'ms CPU/host cycle',
      baseline: `bare VdsmClient getAllVmStats+getStats on the same hosts (${base.toFixed(3)} ms CPU/cycle); ${cycles} cycles in ${wall.toFixed(1)} s at ${POLL_MS} ms polls`,
      ratio: Number((ours / base).toFixed(2)),
    });
    emit({
      bench: `engine-lite.monitor.cpu-share-at-3s.${HOSTS}hosts-${VMS_PER_HOST}vms`,
      value: Number((((ours * HOSTS) / 3000) * 100).toFixed(3)),
      unit: '% of one core',
      baseline: "at oVirt's 3 s VdsRefreshRate, from the per-cycle figure",
      ratio: 1,
    });
  }
} finally {
  await Promise.all(daemons.map((d) => d.stop()));
  await rm(dirname(pgliteDir), { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
