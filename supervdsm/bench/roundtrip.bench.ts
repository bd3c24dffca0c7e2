/**
 * What a privileged call costs vdsmd beyond the work itself: `ping` round trips through the real supervdsmd
 * (peer-checked socket, dispatcher, audit decision, typed client), one at a time and 64 in flight, against a bare
 * responder in the same run that speaks the same framing and answers every request at once.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { encodeFrame, FrameDecoder, type Request } from '@vdsm-ts/supervdsm-protocol/protocol';

const filter = process.env.BENCH_FILTER ?? '';
const SUPERVDSMD = fileURLToPath(new URL('../src/bin/supervdsmd.js', import.meta.url));
const SEQUENTIAL = 3000;
const CONCURRENT = 20_000;
const IN_FLIGHT = 64;

async function sequential(client: SupervdsmClient): Promise<number> {
  for (let i = 0; i < 200; i++) await client.ops.ping({});
  const start = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) await client.ops.ping({});
  return SEQUENTIAL / ((performance.now() - start) / 1000);
}

async function concurrent(client: SupervdsmClient): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next++ < CONCURRENT) await client.ops.ping({});
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return CONCURRENT / ((performance.now() - start) / 1000);
}

async function bareResponder(path: string): Promise<() => void> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) {
        const { id } = JSON.parse(body.toString()) as Request;
        socket.write(encodeFrame({ id, ok: true, result: { version: 1, pid: process.pid } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return () => server.close();
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'svdsm-bench-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'repo'));
  const socket = join(dir, 'svdsm.sock');
  const conf = join(dir, 'vdsm.conf');
  await writeFile(
    conf,
    `[irs]\nrepository = ${join(dir, 'repo')}\n[supervdsm]\nsocket = ${socket}\n[logging]\nlevel = warn\n`,
  );
  const daemon = spawn(process.execPath, [SUPERVDSMD, '--config', conf], { stdio: 'ignore' });
  const bareSocket = join(dir, 'bare.sock');
  const closeBare = await bareResponder(bareSocket);
  const real = new SupervdsmClient({ socketPath: socket, connectTimeoutMs: 30_000 });
  const bare = new SupervdsmClient({ socketPath: bareSocket });
  try {
    for (const [name, run] of [
      ['supervdsm.ping.sequential', sequential],
      [`supervdsm.ping.inflight${IN_FLIGHT}`, concurrent],
    ] as const) {
      if (filter !== '' && !name.includes(filter) && !'roundtrip'.includes(filter)) continue;
      const value = await run(real);
      const baseline = await run(bare);
      const result = {
        bench: name,
        value: Math.round(value),
        unit: 'req/s',
        baseline: 'bare framed responder',
        ratio: Number((value / baseline).toFixed(3)),
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  } finally {
    real.close();
    bare.close();
    closeBare();
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
