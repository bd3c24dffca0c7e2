/** A real vdsmd on test:///default, on its own loopback port; TLS when given a PKI dir in /etc/pki/vdsm layout. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './ports.js';

const VDSMD = fileURLToPath(import.meta.resolve('@vdsm-ts/vdsm/bin/vdsmd'));

export interface Vdsmd {
  readonly port: number;
  readonly dir: string;
  /** SIGKILL: the host dies without a goodbye */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** `sections` adds config lines after [addresses] (e.g. `['[irs]', 'repository = …']`). */
export async function startVdsmd(
  options: {
    pkiDir?: string;
    port?: number;
    sections?: readonly string[];
    env?: Readonly<Record<string, string>>;
  } = {},
): Promise<Vdsmd> {
  const dir = await mkdtemp(join(tmpdir(), 'engine-lite-vdsmd-'));
  const port = options.port ?? (await freePort());
  const vars =
    options.pkiDir === undefined
      ? ['ssl = false']
      : [
          'ssl = true',
          `ssl_key_file = ${join(options.pkiDir, 'keys/vdsmkey.pem')}`,
          `ssl_cert_file = ${join(options.pkiDir, 'certs/vdsmcert.pem')}`,
          `ssl_ca_file = ${join(options.pkiDir, 'certs/cacert.pem')}`,
        ];
  const conf = join(dir, 'vdsm.conf');
  await writeFile(
    conf,
    [
      '[vars]',
      'libvirt_uri = test:///default',
      'host_sample_stats_interval = 1',
      ...vars,
      '[addresses]',
      'management_ip = 127.0.0.1',
      `management_port = ${port}`,
      ...(options.sections ?? []),
      '',
    ].join('\n'),
  );
  const daemon: ResultPromise = execa('node', [VDSMD, '--config', conf], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '', ...options.env },
  });
  let exited = false;
  void daemon.then(() => {
    exited = true;
  });
  const end = async (signal: NodeJS.Signals) => {
    if (!exited) daemon.kill(signal);
    await daemon;
  };
  const stop = async () => {
    await end('SIGTERM');
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
  // keep draining output so the daemon never blocks on a full pipe
  daemon.stderr?.resume();
  daemon.stdout?.resume();
  return { port, dir, kill: () => end('SIGKILL'), stop };
}
