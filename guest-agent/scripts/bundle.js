#!/usr/bin/env node
// Bundles the compiled agent (dist/src/bin/ovirt-guest-agent.js, from `tsc -b`) with everything it
// imports into dist/ovirt-guest-agent.cjs: one file that runs with a bare `node`, no node_modules.
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/ovirt-guest-agent.cjs`;
await build({
  entryPoints: [`${root}dist/src/bin/ovirt-guest-agent.js`],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
  // systeminformation requires macOS-only helpers inside a platform check and a try.
  external: ['osx-temperature-sensor', 'macos-temperature-sensor'],
});
chmodSync(outfile, 0o755);
