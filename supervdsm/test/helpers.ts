import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { mountsUnder, removeTree, tempDir as sharedTempDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa, execaNode, type ResultPromise } from 'execa';

export const SUPERVDSMD = fileURLToPath(new URL('../src/bin/supervdsmd.js', import.meta.url));

type Tap = { teardown(fn: () => unknown): void };

export { mountsUnder, removeTree };

/** A temp dir others can traverse (the socket's mode, not the dir's, must decide who gets in); removed mount-safely. */
export function tempDir(t: Tap, prefix: string): Promise<string> {
  return sharedTempDir(t, prefix, { mode: 0o755 });
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

/** `extra` goes into [supervdsm], `irsExtra` into [irs] (lines of `key = value`). */
export async function writeConf(
  dir: string,
  extra = '',
  irsExtra = '',
): Promise<{ conf: string; socket: string; repository: string }> {
  const socket = join(dir, 'run', 'svdsm.sock');
  const repository = join(dir, 'repo');
  await mkdir(repository, { recursive: true });
  const conf = join(dir, 'vdsm.conf');
  await writeFile(
    conf,
    `[irs]\nrepository = ${repository}\n${irsExtra}\n[supervdsm]\nsocket = ${socket}\nnetconf_dir = ${join(dir, 'netconf')}\n${extra}`,
  );
  return { conf, socket, repository };
}

/** Runs the real supervdsmd on a private socket and repository; waits until it listens. */
export async function startDaemon(
  t: Tap,
  options: { dir?: string; args?: string[]; env?: Record<string, string>; irs?: string; wrapper?: string[] } = {},
): Promise<Daemon> {
  const dir = options.dir ?? (await tempDir(t, 'svdsm-'));
  const { conf, socket, repository } = await writeConf(dir, '', options.irs ?? '');
  return spawnDaemon(t, {
    dir,
    conf,
    socket,
    repository,
    args: options.args ?? [],
    env: options.env ?? {},
    ...(options.wrapper === undefined ? {} : { wrapper: options.wrapper }),
  });
}

export async function spawnDaemon(
  t: Tap,
  d: {
    dir: string;
    conf: string;
    socket: string;
    repository: string;
    args: string[];
    env?: Record<string, string>;
    /** A command that execs the daemon given as its trailing arguments (e.g. unshare into a mount namespace). */
    wrapper?: string[];
  },
): Promise<Daemon> {
  const argv = ['--config', d.conf, ...d.args];
  const options = { env: d.env ?? {}, reject: false, buffer: false, stdout: 'ignore', timeout: 300_000 } as const;
  const [wrapper, ...wrapperArgs] = d.wrapper ?? [];
  const child =
    wrapper === undefined
      ? execaNode(SUPERVDSMD, argv, { ...options, nodeOptions: [] })
      : execa(wrapper, [...wrapperArgs, process.execPath, SUPERVDSMD, ...argv], options);
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

/** An ext4 image in `dir` on a fresh loop device, detached at teardown. */
export async function ext4Loop(t: Tap, dir: string, name = 'fs.img'): Promise<string> {
  const image = join(dir, name);
  await sh(['truncate', '-s', '32M', image]);
  await sh(['mkfs.ext4', '-q', '-F', image]);
  const dev = (await sh(['losetup', '--show', '-f', image])).trim();
  t.teardown(() => sh(['losetup', '-d', dev]).catch(() => {}));
  return dev;
}
