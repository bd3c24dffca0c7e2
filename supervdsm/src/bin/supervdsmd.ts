#!/usr/bin/env node
import { main } from '../main.js';

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`supervdsmd: fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
