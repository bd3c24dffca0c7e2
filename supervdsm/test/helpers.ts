import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { SupervdsmClient } from '@vdsm-ts/vdsm/clients/supervdsm/client';
import { execa, execaNode, type ResultPromise } from 'execa';

export const SUPERVDSMD = fileURLToPath(new URL('../src/bin/supervdsmd.js', import.meta.url));

type Tap = { teardown(fn: () => unknown): void };

/** A temp dir others can traverse (the socket's mode, not the dir's, must decide who gets in). */
export async function tempDir(t: Tap, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface Daemon {
  readonly dir: string;
  readonly socket: string;
  readonly repository: string;
  readonly conf: string;
  readonly child: ResultPromise;
  readonly stderr: () => string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number | undefined>;
}

export async function writeConf(
  dir: string,
  extra = '',
): Promise<{ conf: string; socket: string; repository: string }> {
  const socket = join(dir, 'run', 'svdsm.sock');
  const repository = join(dir, 'repo');
  await mkdir(repository, { recursive: true });
  const conf = join(dir, 'vdsm.conf');
  await writeFile(
    conf,
    `[irs]\nrepository = ${repository}\n\n[supervdsm]\nsocket = ${socket}\nnetconf_dir = ${join(dir, 'netconf')}\n${extra}`,
  );
  return { conf, socket, repository };
}

/** Runs the real supervdsmd on a private socket and repository; waits until it listens. */
export async function startDaemon(
  t: Tap,
  options: { dir?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<Daemon> {
  const dir = options.dir ?? (await tempDir(t, 'svdsm-'));
  const { conf, socket, repository } = await writeConf(dir);
  return spawnDaemon(t, { dir, conf, socket, repository, args: options.args ?? [], env: options.env ?? {} });
}

export async function spawnDaemon(
  t: Tap,
  d: { dir: string; conf: string; socket: string; repository: string; args: string[]; env?: Record<string, string> },
): Promise<Daemon> {
  const child = execaNode(SUPERVDSMD, ['--config', d.conf, ...d.args], {
    nodeOptions: [],
    env: d.env ?? {},
    reject: false,
    buffer: false,
    stdout: 'ignore',
    timeout: 300_000,
  });
  t.teardown(() => child.kill('SIGKILL'));
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  let exited = false;
  void child.then(() => {
    exited = true;
  });
  await waitUntil(() => err.includes('"listening on') || exited, { timeoutMs: 10_000, what: 'supervdsmd to listen' });
  if (exited) throw new Error(`supervdsmd exited: ${err}`);
  return {
    ...d,
    child,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      return (await child).exitCode;
    },
  };
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
