#!/usr/bin/env node
// Runs the fuzz classes against live daemons: `npm run fuzz -- --target wire|supervdsm|all --frames N [--seed S]`.
// Each class is a compiled script run in its own process with its count option (`--frames N` for wire,
// `--requests N` for supervdsm) and `--seed S`; it prints one JSON report line and exits 0 only when nothing went
// wrong. A new class is either added to TARGETS or dropped in as `<package>/dist/fuzz/<name>.fuzz.js` taking
// `--frames N`. This runner passes the reports through and exits non-zero if any target failed.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['vdsm', 'supervdsm', 'guest-agent', 'engine-lite'];
const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'all' },
    frames: { type: 'string', default: '200000' },
    seed: { type: 'string' },
  },
});

/** The classes this runner knows by name; a missing one is reported rather than silently skipped. */
const TARGETS = {
  wire: { path: 'vdsm/dist/fuzz/wire.fuzz.js', count: '--frames' },
  supervdsm: { path: 'supervdsm/dist/fuzz/fuzz.js', count: '--requests' },
};
const discovered = packages.flatMap((pkg) => {
  const dir = join(root, pkg, 'dist', 'fuzz');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.fuzz.js'))
    .map((f) => [f.replace(/\.fuzz\.js$/, ''), { path: join(pkg, 'dist', 'fuzz', f), count: '--frames' }]);
});
const targets = new Map([...discovered, ...Object.entries(TARGETS)]);
const wanted = values.target === 'all' ? [...targets.keys()] : [values.target];

let failed = false;
for (const name of wanted) {
  const target = targets.get(name);
  const path = target === undefined ? undefined : join(root, target.path);
  if (target === undefined || path === undefined || !existsSync(path)) {
    process.stderr.write(
      `fuzz target ${name} is not built (${target === undefined ? 'unknown target' : `no ${target.path}`}; run npm run build). Known: ${[...targets.keys()].join(', ')}\n`,
    );
    failed = true;
    continue;
  }
  const args = [path, target.count, values.frames];
  if (values.seed !== undefined) args.push('--seed', values.seed);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (c) => resolve(c));
  });
  if (code !== 0) {
    process.stderr.write(`fuzz ${name} failed (exit ${code})\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
