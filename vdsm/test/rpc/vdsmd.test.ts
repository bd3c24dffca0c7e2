import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort as freePort } from '@vdsm-ts/testing/free-port';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execaNode } from 'execa';
import t from 'tap';
import { VdsmClient } from '../../src/client/index.js';

const VDSMD = fileURLToPath(new URL('../../src/bin/vdsmd.js', import.meta.url));

t.test('vdsmd serves Host.ping2 on the configured port and stops cleanly on SIGTERM', async (t) => {
  const dir = await tempDir(t, 'vdsmd-');
  const port = await freePort();
  const conf = join(dir, 'vdsm.conf');
  await writeFile(
    conf,
    `[vars]\nssl = false\nlibvirt_uri = test:///default\n\n[addresses]\nmanagement_ip = 127.0.0.1\nmanagement_port = ${port}\n`,
  );
  const child = execaNode(VDSMD, ['--config', conf], {
    timeout: 60_000,
    reject: false,
    buffer: true,
    maxBuffer: 4 << 20,
  });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await waitUntil(() => stderr.includes('serving on'), {
    timeoutMs: 20_000,
    what: 'serving',
    wakeOn: { emitter: child.stderr as NodeJS.ReadableStream, events: ['data'] },
  });
  t.match(stderr, `serving on 127.0.0.1:${port}`);
  const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false });
  t.equal(await client.call('Host.ping2'), true, 'ready: the real API answers');
  await client.close();
  child.kill('SIGTERM');
  const result = await child;
  t.equal(result.exitCode, 0, 'exit 0 after SIGTERM');
  t.match(result.stderr, /vdsmd stopped/);
});

t.test('vdsmd refuses to start when the port is taken, with a clear error', async (t) => {
  const dir = await tempDir(t, 'vdsmd-');
  const taken = createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  t.teardown(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const conf = join(dir, 'vdsm.conf');
  await writeFile(conf, `[vars]\nssl = false\n\n[addresses]\nmanagement_ip = 127.0.0.1\nmanagement_port = ${port}\n`);
  const result = await execaNode(VDSMD, ['--config', conf], { timeout: 30_000, reject: false, maxBuffer: 4 << 20 });
  t.equal(result.exitCode, 1);
  t.match(result.stderr, /EADDRINUSE/);
});
