/**
 * What the exec wrapper costs per program run: `exec(['true'])` (execa with timeout, bounded output, typed errors)
 * against node's bare `execFile('true')` in the same run, sequentially and 16 at a time. A ratio near 1 means the
 * policy adds nothing next to fork+exec itself.
 */
import { execFile } from 'node:child_process';
import { exec } from '../src/exec.js';

const filter = process.env.BENCH_FILTER ?? '';
const RUNS = 300;
const PARALLEL = 16;

function bare(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('true', [], { timeout: 10_000, maxBuffer: 1 << 20 }, (err) => (err === null ? resolve() : reject(err)));
  });
}

async function wrapped(): Promise<void> {
  await exec(['true'], { timeoutMs: 10_000, maxOutputBytes: 1 << 20 });
}

async function rate(run: () => Promise<void>, parallel: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < RUNS) await run();
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: parallel }, worker));
  return RUNS / (Number(process.hrtime.bigint() - start) / 1e9);
}

for (const parallel of [1, PARALLEL]) {
  const name = `common.exec.true.p${parallel}`;
  if (filter !== '' && !name.includes(filter) && !'exec'.includes(filter)) continue;
  await rate(wrapped, parallel); // warm-up
  await rate(bare, parallel);
  const baseline = await rate(bare, parallel);
  const ours = await rate(wrapped, parallel);
  process.stdout.write(
    `${JSON.stringify({ bench: name, value: Math.round(ours), unit: 'runs/s', baseline: 'bare execFile', ratio: Number((ours / baseline).toFixed(2)) })}\n`,
  );
}
