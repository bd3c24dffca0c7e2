import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';

t.test('vdsmd rejects a missing or bad config with a clear message and non-zero exit', async (t) => {
  const bin = fileURLToPath(new URL('../../src/bin/vdsmd.js', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { timeout: 20_000 }, (err, _stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
  const missing = await run(['--config', '/nonexistent']);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /vdsmd: configuration error: \/nonexistent: cannot read: ENOENT/);
  const dir = await tempDir(t, 'vdsm-config-');
  const file = join(dir, 'bad.conf');
  await writeFile(file, '[vars]\nvm_sample_interval = soon\n');
  const bad = await run(['--config', file]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /bad\.conf:2: \[vars\] vm_sample_interval: expected an integer/);
  const usage = await run(['--no-such-flag']);
  t.equal(usage.code, 2);
});
