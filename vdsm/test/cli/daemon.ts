// Starts a real vdsmd process for the CLI tests and waits, with a deadline, until it serves.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const bin = fileURLToPath(new URL('../../src/bin/', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export interface Vdsmd {
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/** `vars` lines are added to the [vars] section (ssl, key files, …). */
export async function startVdsmd(vars: Readonly<Record<string, string>> = { ssl: 'false' }): Promise<Vdsmd> {
  const dir = await mkdtemp(join(tmpdir(), 'vdsmd-cli-'));
  const port = await freePort();
  const conf = join(dir, 'vdsm.conf');
  const varLines = Object.entries({ libvirt_uri: 'test:///default', ...vars }).map(([k, v]) => `${k} = ${v}`);
  await writeFile(
    conf,
    ['[vars]', ...varLines, '[addresses]', 'management_ip = 127.0.0.1', `management_port = ${port}`, ''].join('\n'),
  );
  const daemon = execa('node', [join(bin, 'vdsmd.js'), '--config', conf], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '' },
  });
  const stop = async () => {
    daemon.kill('SIGTERM');
    await daemon;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`vdsmd did not start within 30 s:\n${seen}`)), 30_000);
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('serving on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      daemon.stderr?.on('data', onData);
      daemon.stdout?.on('data', onData);
      void daemon.then((r) => {
        clearTimeout(timer);
        reject(new Error(`vdsmd exited (${r.exitCode}):\n${seen}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, dir, stop };
}
