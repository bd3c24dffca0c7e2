/**
 * REST GET /ovirt-engine/api/vms latency with 1000 VMs in the database (authenticated as admin, real HTTP with
 * keep-alive, one request in flight), on the default embedded PGlite and on a real PostgreSQL server. Baseline: a
 * bare fastify route on the same machine answering the same JSON body from memory (no auth, no database), so the
 * ratio is what the database, the token check and serialisation cost.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { clusters } from '../src/db/repo/clusters.js';
import { dataCenters } from '../src/db/repo/datacenters.js';
import { BLANK_TEMPLATE_ID } from '../src/db/repo/templates.js';
import { vms } from '../src/db/repo/vms.js';
import { startEngine } from '../src/runtime.js';
import { EngineClient } from '../src/sdk/client.js';
import { freshPgliteDir } from '../test/helpers/pglite.js';
import { postgresAvailable, startPostgres } from '../test/helpers/postgres.js';

const VMS = 1000;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const WARMUP = 20;

async function latencies(url: string, token: string | undefined): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        url,
        { agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  for (let i = 0; i < WARMUP; i++) await get();
  const out: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    await get();
    out.push(performance.now() - start);
  }
  agent.destroy();
  return out.sort((a, b) => a - b);
}

const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

async function baseline(body: string): Promise<number[]> {
  const app = Fastify();
  app.get('/vms', async (_req, reply) => reply.type('application/json').send(body));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  try {
    return await latencies(`http://127.0.0.1:${port}/vms`, undefined);
  } finally {
    await app.close();
  }
}

async function measure(kind: string, db: string): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'engine-lite-bench-'));
  const engine = await startEngine({ dataDir, db, port: 0, adminPassword: 'bench-admin-pw' });
  try {
    const dc = await dataCenters.insert(engine.db, {
      id: randomUUID(),
      name: 'dc',
      description: '',
      compatVersion: '4.7',
    });
    const cl = await clusters.insert(engine.db, {
      id: randomUUID(),
      name: 'cl',
      dataCenterId: dc.id,
      description: '',
      cpuType: 'AMD EPYC',
      compatVersion: '4.7',
    });
    await engine.db.transaction(async (tx) => {
      for (let i = 0; i < VMS; i++) {
        await vms.insert(tx, {
          id: randomUUID(),
          name: `vm-${String(i).padStart(4, '0')}`,
          description: '',
          clusterId: cl.id,
          templateId: BLANK_TEMPLATE_ID,
          memoryMb: 1024,
          cpus: 1,
          osType: 'other',
          displayType: 'vnc',
        });
      }
    });
    const api = await EngineClient.login(engine.url, 'admin@internal', 'bench-admin-pw');
    const token = api.token;
    const body = JSON.stringify(await api.request('GET', '/vms'));
    const ours = await latencies(`${engine.url}/ovirt-engine/api/vms`, token);
    const bare = await baseline(body);
    for (const p of [50, 99]) {
      const value = pct(ours, p);
      const base = pct(bare, p);
      process.stdout.write(
        `${JSON.stringify({
          bench: `engine-lite.rest.get-vms-1000.${kind}.p${p}`,
          value: Number(value.toFixed(2)),
          unit: 'ms',
          baseline: `bare fastify route, same ${Math.round(body.length / 1024)} KiB body from memory (${base.toFixed(2)} ms)`,
          ratio: Number((value / base).toFixed(2)),
        })}\n`,
      );
    }
  } finally {
    await engine.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const pgliteDir = await freshPgliteDir();
try {
  await measure('pglite', pgliteDir);
} finally {
  await rm(dirname(pgliteDir), { recursive: true, force: true });
}
if (await postgresAvailable()) {
  const server = await startPostgres();
  try {
    await measure('postgres', server.url);
  } finally {
    await server.stop();
  }
}
