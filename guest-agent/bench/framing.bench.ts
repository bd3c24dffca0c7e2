/**
 * The agent-channel hot path: bytes → lines → decoded messages, for a stream of heartbeats split into
 * 4 KiB reads (the agent's read size). Baseline: string concatenation + split('\n') + JSON.parse.
 */
import { decodeLine, encodeLine, LineSplitter } from '../src/protocol/framing.js';

const filter = process.env.BENCH_FILTER ?? '';
const heartbeat = encodeLine('heartbeat', {
  'free-ram': '1843',
  'memory-stat': {
    mem_total: 4030124,
    mem_free: 1887744,
    mem_unused: 1203344,
    mem_buffers: 81234,
    mem_cached: 603166,
    swap_in: 0,
    swap_out: 0,
    pageflt: 1532,
    majflt: 0,
    swap_usage: 0,
    swap_total: 2097148,
  },
  apiVersion: 3,
});
const COUNT = 100_000;
const stream = Buffer.concat(Array.from({ length: COUNT }, () => heartbeat));
const chunks: Buffer[] = [];
for (let off = 0; off < stream.length; off += 4096) chunks.push(stream.subarray(off, off + 4096));

function measure(fn: () => number): number {
  fn(); // warm-up
  const start = process.hrtime.bigint();
  const n = fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (n !== COUNT) throw new Error(`expected ${COUNT} messages, got ${n}`);
  return n / seconds;
}

const ours = measure(() => {
  let n = 0;
  const splitter = new LineSplitter({
    line: (line) => {
      if (decodeLine(line).ok) n++;
    },
    oversized: () => {},
  });
  for (const c of chunks) splitter.push(c);
  return n;
});

const baseline = measure(() => {
  let n = 0;
  let pending = '';
  for (const c of chunks) {
    pending += c.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) if (typeof JSON.parse(l).__name__ === 'string') n++;
  }
  return n;
});

const name = 'guest-agent.framing.heartbeat-4k-reads';
if (name.includes(filter) || filter === '') {
  process.stdout.write(
    `${JSON.stringify({ bench: name, value: Math.round(ours), unit: 'msg/s', baseline: 'split+JSON.parse', ratio: Number((ours / baseline).toFixed(2)) })}\n`,
  );
}
