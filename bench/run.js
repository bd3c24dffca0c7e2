#!/usr/bin/env node
// Runs the compiled benchmarks (`<package>/dist/bench/*.bench.js`) one after another, each in its own process.
// Every benchmark prints one JSON line per result:
//   {"bench":"rpc.ping2.c4x16","value":41000,"unit":"req/s","baseline":"bare responder","ratio":12.1}
// `npm run bench -- NAME` runs the files or results whose name contains NAME. A full run rewrites
// docs/benchmarks.md with the figures.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv[2];
const packages = ['native', 'common', 'vdsm', 'supervdsm', 'guest-agent', 'engine-lite', 'tests'];
const files = packages.flatMap((pkg) => {
  const dir = join(root, pkg, 'dist', 'bench');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.js'))
    .sort()
    .map((f) => ({ pkg, name: f.replace(/\.bench\.js$/, ''), path: join(dir, f) }));
});

function runOne(file) {
  return new Promise((resolve) => {
    const results = [];
    const child = spawn(process.execPath, [file.path], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_FILTER: filter ?? '' },
    });
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line === '') continue;
        try {
          const result = JSON.parse(line);
          if (typeof result.bench === 'string') {
            results.push(result);
            process.stdout.write(`${JSON.stringify(result)}\n`);
            continue;
          }
        } catch {
          // not a result line: pass it through as the benchmark's own output
        }
        process.stderr.write(`${file.name}: ${line}\n`);
      }
    });
    child.on('close', (code) => {
      if (code !== 0) process.stderr.write(`bench ${file.name} exited with ${code}\n`);
      resolve({ results, ok: code === 0 });
    });
  });
}

const selected = files.filter((f) => filter === undefined || f.name.includes(filter) || filter.startsWith(f.name));
if (selected.length === 0) {
  process.stderr.write(
    `no benchmark matches ${JSON.stringify(filter ?? '')}; run \`npm run build\` first. Known: ${files.map((f) => f.name).join(', ')}\n`,
  );
  process.exit(1);
}
const all = [];
let failed = false;
for (const file of selected) {
  const { results, ok } = await runOne(file);
  all.push(...results);
  failed ||= !ok;
}
if (filter === undefined && all.length > 0) {
  const rows = all.map((r) => `| ${r.bench} | ${r.value} | ${r.unit} | ${r.baseline ?? ''} | ${r.ratio ?? ''} |`);
  const doc = [
    '# Benchmarks',
    '',
    `<!-- Written by \`npm run bench\`; do not edit. -->`,
    '',
    `Last full run: ${new Date().toISOString()} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB.`,
    'Ratios compare against a baseline measured in the same run (see each bench file for what the baseline is).',
    '',
    '| bench | value | unit | baseline | ratio |',
    '|---|---:|---|---|---:|',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(join(root, 'docs', 'benchmarks.md'), doc);
}
process.exit(failed ? 1 : 0);
