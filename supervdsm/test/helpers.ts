import { type DaemonProcess, runSupervdsmd, writeSupervdsmdConfig } from '@vdsm-ts/testing/supervdsmd-process';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { SupervdsmClient } from '@vdsm-ts/vdsm/clients/supervdsm/client';
import { execa } from 'execa';

type Tap = { teardown(fn: () => unknown): void };

export interface Daemon extends DaemonProcess {
  readonly dir: string;
  readonly socket: string;
  readonly repository: string;
  readonly configFile: string;
}

/** The real supervdsmd on a private socket and repository (in a 0755 temp dir unless `dir`); killed at teardown. */
export async function startDaemon(
  t: Tap,
  options: { dir?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<Daemon> {
  const dir = options.dir ?? (await tempDir(t, 'svdsm-', { mode: 0o755 }));
  const files = await writeSupervdsmdConfig(dir);
  return spawnDaemon(t, { dir, ...files, args: options.args ?? [], env: options.env ?? {} });
}

/** supervdsmd again on the files of an earlier one (a restart), or on a config of the test's own. */
export async function spawnDaemon(
  t: Tap,
  d: {
    dir: string;
    configFile: string;
    socket: string;
    repository: string;
    args: readonly string[];
    env?: Record<string, string>;
  },
): Promise<Daemon> {
  const daemon = await runSupervdsmd({ configFile: d.configFile, args: d.args, env: d.env ?? {} });
  t.teardown(() => daemon.kill());
  return { ...daemon, dir: d.dir, configFile: d.configFile, socket: d.socket, repository: d.repository };
}

export function clientFor(t: Tap, socketPath: string, connectTimeoutMs = 5000): SupervdsmClient {
  const client = new SupervdsmClient({ socketPath, connectTimeoutMs });
  t.teardown(() => client.close());
  return client;
}

/** Runs a command as root that the test needs for setup (losetup, mkfs, ip netns); throws on failure. */
export async function sh(argv: readonly string[]): Promise<string> {
  const [file, ...args] = argv;
  const r = await execa(file as string, args, { timeout: 60_000 });
  return r.stdout;
}
