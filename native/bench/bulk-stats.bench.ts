// Bulk stats of 1000 test-driver domains: the binding (call + conversion to JS records) against the same
// virConnectGetAllDomainStats call from a tiny C program compiled at bench time. Target: ratio < 1.5 against
// the C program doing the same work (the call, each record's identity, the free).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Connection, testDriverXml } from '../src/libvirt/index.js';

const DOMAINS = 1000;
const ITERATIONS = 300;
const ROUNDS = 3;
const source = fileURLToPath(new URL('../../bench/bulk-stats.c', import.meta.url));

const dir = await mkdtemp(join(tmpdir(), 'vdsm-bulk-bench-'));
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

  const c = await Connection.open({ uri });
  for (let i = 0; i < 5; i++) await c.getAllDomainStats();

  // Alternate C and binding rounds so both see the same machine load; keep each side's best round.
  let bestBare = Number.POSITIVE_INFINITY;
  let bestC = Number.POSITIVE_INFINITY;
  let bestJs = Number.POSITIVE_INFINITY;
  let bestJsThread = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const r = await execa(exe, [uri, String(ITERATIONS)], { timeout: 120_000, maxBuffer: 1 << 16 });
    const parsed = JSON.parse(r.stdout) as { bareUs: number; identUs: number; records: number };
    if (parsed.records !== DOMAINS) throw new Error(`C baseline saw ${parsed.records} records`);
    bestBare = Math.min(bestBare, parsed.bareUs);
    bestC = Math.min(bestC, parsed.identUs);

    const start = performance.now();
    const elu = performance.eventLoopUtilization();
    let records = 0;
    for (let i = 0; i < ITERATIONS; i++) records = (await c.getAllDomainStats()).length;
    bestJs = Math.min(bestJs, ((performance.now() - start) * 1000) / ITERATIONS);
    // Time the JS thread was busy (conversion, promise handling) rather than waiting for the worker.
    bestJsThread = Math.min(bestJsThread, (performance.eventLoopUtilization(elu).active * 1000) / ITERATIONS);
    if (records !== DOMAINS) throw new Error(`binding saw ${records} records`);
  }
  await c.close();

  const line = (bench: string, value: number, extra: Record<string, unknown> = {}) =>
    process.stdout.write(`${JSON.stringify({ bench, value: Number(value.toFixed(1)), unit: 'us/call', ...extra })}\n`);
  line('native.bulk-stats.1000.c-bare', bestBare);
  line('native.bulk-stats.1000.c', bestC);
  line('native.bulk-stats.1000.binding', bestJs, {
    baseline: 'C: call + name/uuid/id per record + free',
    ratio: Number((bestJs / bestC).toFixed(2)),
  });
  line('native.bulk-stats.1000.binding-js-thread', bestJsThread);
  line('native.bulk-stats.1000.binding-vs-bare', bestJs, {
    baseline: 'C: call + free only',
    ratio: Number((bestJs / bestBare).toFixed(2)),
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
