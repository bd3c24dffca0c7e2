/**
 * Engine CPU per host monitoring cycle with N real vdsmd hosts (test:///default, separate processes, plain TCP):
 * one cycle = Host.getAllVmStats + Host.getStats + applying both to the database (PGlite, the default). Baseline:
 * the same calls to the same hosts through bare VdsmClient connections, results dropped — so the ratio is what
 * monitoring adds on top of the protocol itself. CPU is this process's user+system time (the engine runs here).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { VdsmClient } from '@vdsm-ts/vdsm/client/index';
import { startEngine } from '../src/runtime.js';
import { EngineClient } from '../src/sdk/client.js';
import { freshPgliteDir } from '../test/helpers/pglite.js';
import { startVdsmd, type Vdsmd } from '../test/helpers/vdsmd.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 4);
const CYCLES_PER_HOST = Number(process.env.BENCH_CYCLES ?? 100);
const POLL_MS = 20;

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function bare(daemons: readonly Vdsmd[]): Promise<number> {
  const clients = await Promise.all(
    daemons.map((d) => VdsmClient.connect({ host: '127.0.0.1', port: d.port, tls: false, reconnect: false })),
  );
  const cycle = (c: VdsmClient) => Promise.all([c.call('Host.getAllVmStats'), c.call('Host.getStats')]);
  for (const c of clients) for (let i = 0; i < 10; i++) await cycle(c);
  const start = process.cpuUsage();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < CYCLES_PER_HOST; i++) await cycle(c);
    }),
  );
  const perCycle = cpuMs(start) / (CYCLES_PER_HOST * clients.length);
  await Promise.all(clients.map((c) => c.close()));
  return perCycle;
}

const daemons: Vdsmd[] = [];
const pgliteDir = await freshPgliteDir();
const dataDir = await mkdtemp(join(tmpdir(), 'engine-lite-bench-'));
try {
  for (let i = 0; i < HOSTS; i++) daemons.push(await startVdsmd());
  const engine = await startEngine({
    dataDir,
    db: pgliteDir,
    port: 0,
    adminPassword: 'bench-admin-pw',
    monitor: { pollIntervalMs: POLL_MS, statsEveryPolls: 1, maxMissedPolls: 3, callTimeoutMs: 5000 },
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
    for (const h of hosts)
      await api.waitFor(
        () => api.hosts.get(h.id),
        (x) => x.status === 'up',
        { timeoutMs: 60_000 },
      );
    let cycles = 0;
    const target = CYCLES_PER_HOST * HOSTS;
    const start = process.cpuUsage();
    const wall = Date.now();
    await new Promise<void>((resolve) => {
      const onCycle = () => {
        if (++cycles === target) {
          engine.hosts.off('cycle', onCycle);
          resolve();
        }
      };
      engine.hosts.on('cycle', onCycle);
    });
    const ours = cpuMs(start) / cycles;
    const seconds = (Date.now() - wall) / 1000;
    const base = await bare(daemons);
    process.stdout.write(
      `${JSON.stringify({
        bench: `engine-lite.monitor.cpu-per-cycle.${HOSTS}hosts`,
        value: Number(ours.toFixed(3)),
        unit: 'ms CPU/cycle',
        baseline: `bare VdsmClient getAllVmStats+getStats (${base.toFixed(3)} ms CPU/cycle)`,
        ratio: Number((ours / base).toFixed(2)),
      })}\n`,
    );
    // what that means at oVirt's default intervals (3 s poll, stats every 15 s is cheaper than this)
    process.stdout.write(
      `${JSON.stringify({
        bench: `engine-lite.monitor.cpu-share-at-3s.${HOSTS}hosts`,
        value: Number((((ours * HOSTS) / 3000) * 100).toFixed(4)),
        unit: '% of one core',
        baseline: `measured over ${cycles} cycles in ${seconds.toFixed(1)} s`,
        ratio: 1,
      })}\n`,
    );
  } finally {
    await engine.stop();
  }
} finally {
  await Promise.all(daemons.map((d) => d.stop()));
  await rm(dirname(pgliteDir), { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
