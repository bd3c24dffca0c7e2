/**
 * What a guest pays for the agent: time from spawning the bundle to its first message on the channel,
 * against a bare `node -e 0` start in the same run, and its resident memory once it is running.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const filter = process.env.BENCH_FILTER ?? '';
const bundle = fileURLToPath(new URL('../ovirt-guest-agent.cjs', import.meta.url));
const ROUNDS = 5;

async function bareNode(): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return performance.now() - start;
}

/** RSS of an idle bare node, for scale. */
async function bareRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await once(child.stdout, 'data');
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  child.kill('SIGKILL');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function agentRound(dir: string, i: number): Promise<{ ms: number; rssKiB: number }> {
  const path = join(dir, `ch${i}.sock`);
  const server = createServer();
  server.listen(path);
  await once(server, 'listening');
  const start = performance.now();
  const child = spawn(process.execPath, [bundle, '--config', '/dev/null', '--device', path, '--log-level', 'error'], {
    stdio: 'ignore',
  });
  const [socket] = (await once(server, 'connection')) as [import('node:net').Socket];
  await once(socket, 'data');
  const ms = performance.now() - start;
  socket.write('{"__name__": "refresh", "apiVersion": 3}\n');
  // Let the first refresh run, then read the settled RSS.
  let seen = '';
  for await (const chunk of socket) {
    seen += String(chunk);
    if (seen.includes('"disks-usage"')) break;
  }
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  child.kill('SIGKILL');
  socket.destroy();
  server.close();
  return { ms, rssKiB };
}

const dir = await mkdtemp(join(tmpdir(), 'ga-bench-'));
try {
  const bare: number[] = [];
  const bareRssKiB = await bareRss();
  const agent: Array<{ ms: number; rssKiB: number }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(await bareNode());
    agent.push(await agentRound(dir, i));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const startMs = median(agent.map((a) => a.ms));
  const bareMs = median(bare);
  const results = [
    {
      bench: 'guest-agent.startup.first-message',
      value: Math.round(startMs),
      unit: 'ms',
      baseline: 'node -e 0',
      ratio: Number((startMs / bareMs).toFixed(2)),
    },
    {
      bench: 'guest-agent.startup.rss',
      value: Math.round(median(agent.map((a) => a.rssKiB)) / 1024),
      unit: 'MiB',
      baseline: 'idle node',
      ratio: Number((median(agent.map((a) => a.rssKiB)) / bareRssKiB).toFixed(2)),
    },
  ];
  for (const r of results)
    if (filter === '' || r.bench.includes(filter)) process.stdout.write(`${JSON.stringify(r)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
