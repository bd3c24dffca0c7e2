/**
 * vdsmd's guest agent read path per VM: bytes -> bounded lines -> decoded, filtered messages -> GuestInfo, for the
 * recorded agent transcript repeated and cut into 64 KiB reads (upstream's read size). Baseline: string
 * concatenation + split('\n') + JSON.parse, with no validation, filtering or state update.
 */
import { readFileSync } from 'node:fs';
import { GuestInfo } from '../src/virt/guestagent/guest-info.js';
import { MessageReader } from '../src/virt/guestagent/reader.js';

const filter = process.env.BENCH_FILTER ?? '';
const transcript = readFileSync(
  new URL('../../test/virt/guestagent/transcripts/linux-agent-v3.jsonl', import.meta.url),
);
const perCopy = transcript.toString('latin1').trim().split('\n').length;
const COPIES = 2000;
const COUNT = perCopy * COPIES;
const stream = Buffer.concat(Array.from({ length: COPIES }, () => transcript));
const chunks: Buffer[] = [];
for (let off = 0; off < stream.length; off += 65536) chunks.push(stream.subarray(off, off + 65536));

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
  const info = new GuestInfo();
  const reader = new MessageReader({
    message: (name, args) => {
      if (info.apply(name, args).ok) n++;
    },
    refused: () => {},
  });
  for (const c of chunks) reader.push(c);
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

const name = 'vdsm.guestagent.reader.transcript-64k-reads';
if (filter === '' || name.includes(filter)) {
  process.stdout.write(
    `${JSON.stringify({ bench: name, value: Math.round(ours), unit: 'msg/s', baseline: 'split+JSON.parse', ratio: Number((ours / baseline).toFixed(2)) })}\n`,
  );
}
