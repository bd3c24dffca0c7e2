/**
 * What a privileged call costs vdsmd beyond the work itself: `ping` round trips through the real supervdsmd
 * (peer-checked socket, dispatcher, audit decision, typed client), one at a time and 64 in flight, against a bare
 * responder in the same run that speaks the same framing and answers every request at once.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { encodeFrame, FrameDecoder, type Request } from '@vdsm-ts/supervdsm-protocol/protocol';
import { startSupervdsmdProcess } from '@vdsm-ts/testing/supervdsmd-process';

const filter = process.env.BENCH_FILTER ?? '';
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
  // The daemon's own temp dir (removed mount-safely by stop()) also holds the bare responder's socket.
  const daemon = await startSupervdsmdProcess();
  const { dir, socket } = daemon;
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
    await daemon.stop();
  }
}

await main();
