/**
 * A real vdsmd process on qemu:///system for end-to-end tests, plain TCP on a free loopback port, and a client for
 * it. Waits for its "serving on" line with a deadline; the log is kept for failure messages.
 */
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VdsmClient } from '@vdsm-ts/vdsm/client/index';
import { execa } from 'execa';

const VDSMD = fileURLToPath(import.meta.resolve('@vdsm-ts/vdsm/bin/vdsmd'));
const START_TIMEOUT_MS = 60_000;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export interface RunningVdsmd {
  readonly client: VdsmClient;
  /** vdsmd's log so far (JSON lines) */
  log(): string;
  stop(): Promise<void>;
}

export async function startVdsmd(dir: string): Promise<RunningVdsmd> {
  const port = await freePort();
  const conf = join(dir, 'vdsm.conf');
  await writeFile(
    conf,
    [
      '[vars]',
      'ssl = false',
      'libvirt_uri = qemu:///system',
      'fake_kvm_support = auto',
      '[addresses]',
      'management_ip = 127.0.0.1',
      `management_port = ${port}`,
      '',
    ].join('\n'),
  );
  const daemon = execa('node', [VDSMD, '--config', conf], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '' },
  });
  let seen = '';
  const onData = (chunk: Buffer) => {
    seen += chunk.toString();
    if (seen.length > 4 * 1024 * 1024) seen = seen.slice(-2 * 1024 * 1024);
  };
  daemon.stderr?.on('data', onData);
  daemon.stdout?.on('data', onData);
  const stopDaemon = async () => {
    daemon.kill('SIGTERM');
    await daemon;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`vdsmd did not serve within ${START_TIMEOUT_MS} ms:\n${seen}`)),
        START_TIMEOUT_MS,
      );
      const check = setInterval(() => {
        if (seen.includes('serving on')) {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        }
      }, 50);
      void daemon.then((r) => {
        clearTimeout(timer);
        clearInterval(check);
        reject(new Error(`vdsmd exited (${r.exitCode}):\n${seen}`));
      });
    });
  } catch (error) {
    await stopDaemon();
    throw error;
  }
  const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false });
  return {
    client,
    log: () => seen,
    stop: async () => {
      await client.close();
      await stopDaemon();
    },
  };
}
