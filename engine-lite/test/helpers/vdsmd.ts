/** A real vdsmd on test:///default, on its own loopback port; TLS when given a PKI dir in /etc/pki/vdsm layout. */
import { join } from 'node:path';
import type { ConfigSections } from '@vdsm-ts/testing/vdsm-conf';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';

export interface Vdsmd {
  readonly port: number;
  readonly dir: string;
  /** SIGKILL: the host dies without a goodbye */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startVdsmd(
  options: {
    pkiDir?: string;
    port?: number;
    /** extra vdsm.conf sections (e.g. `{ irs: { repository: … } }`); `vars` adds to the defaults here */
    config?: ConfigSections;
    env?: Readonly<Record<string, string>>;
  } = {},
): Promise<Vdsmd> {
  const tls: Readonly<Record<string, string | boolean>> =
    options.pkiDir === undefined
      ? { ssl: false }
      : {
          ssl: true,
          ssl_key_file: join(options.pkiDir, 'keys/vdsmkey.pem'),
          ssl_cert_file: join(options.pkiDir, 'certs/vdsmcert.pem'),
          ssl_ca_file: join(options.pkiDir, 'certs/cacert.pem'),
        };
  const daemon = await startVdsmdProcess({
    config: { ...options.config, vars: { host_sample_stats_interval: 1, ...tls, ...options.config?.vars } },
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.env === undefined ? {} : { env: options.env }),
    startTimeoutMs: 30_000,
  });
  return { port: daemon.port, dir: daemon.dir, kill: daemon.kill, stop: daemon.stop };
}
