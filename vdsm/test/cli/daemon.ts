// Starts a real vdsmd process for the CLI tests (test:///default, loopback) and waits until it serves.
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '@vdsm-ts/testing/free-port';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';

export const bin = fileURLToPath(new URL('../../src/bin/', import.meta.url));
export const freePort = freeLoopbackPort;

export interface Vdsmd {
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/** `vars` go into the [vars] section (ssl, key files, …). */
export async function startVdsmd(vars: Readonly<Record<string, string>> = { ssl: 'false' }): Promise<Vdsmd> {
  const daemon = await startVdsmdProcess({ config: { vars }, startTimeoutMs: 30_000 });
  return { port: daemon.port, dir: daemon.dir, stop: daemon.stop };
}
