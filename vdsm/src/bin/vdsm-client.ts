#!/usr/bin/env node
// vdsm-client: calls one vdsm verb and prints the result (see vdsm/src/cli/).
import { text } from 'node:stream/consumers';
import { runCli } from '../cli/run.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: () => text(process.stdin),
});
process.exitCode = code;
