#!/usr/bin/env node
// Runs the fuzz classes against live daemons: `npm run fuzz -- --target wire|supervdsm|all --frames N [--seed S]`.
// A fuzz class is a compiled file `<package>/dist/fuzz/<target>.fuzz.js` (source `<package>/fuzz/<target>.fuzz.ts`,
// with "fuzz" in that package's tsconfig include). It is run in its own process with `--frames N [--seed S]`,
// prints one JSON line `{"fuzz":"<target>","frames":N,"crashes":c,"hangs":h,"rssMb":{...},...}` and exits 0 only
// when nothing went wrong. This runner prints those lines and exits non-zero if any target failed.
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

const known = packages.flatMap((pkg) => {
  const dir = join(root, pkg, 'dist', 'fuzz');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.fuzz.js'))
    .map((f) => ({ name: f.replace(/\.fuzz\.js$/, ''), path: join(dir, f) }));
});
// the classes this runner is expected to find; a missing one is named rather than silently skipped
const expected = ['wire', 'supervdsm'];
const wanted = values.target === 'all' ? [...new Set([...expected, ...known.map((k) => k.name)])] : [values.target];

let failed = false;
for (const name of wanted) {
  const target = known.find((k) => k.name === name);
  if (target === undefined) {
    process.stderr.write(
      `fuzz target ${name} is not built (expected <package>/dist/fuzz/${name}.fuzz.js; run npm run build). Known: ${known.map((k) => k.name).join(', ') || 'none'}\n`,
    );
    failed = true;
    continue;
  }
  const args = [target.path, '--frames', values.frames];
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
