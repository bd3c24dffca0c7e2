/**
 * A real supervdsmd for tests: on a private socket, repository and netconf directory (nothing of the host's
 * /run/vdsm), ready once it logs that it listens. Callers build their own client on `socket`.
 */
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DaemonExit, type DaemonProcess, spawnDaemon } from './daemon-process.js';
import { removeTree } from './temp-storage.js';
import { type ConfigSections, mergeSections, renderConfig } from './vdsm-conf.js';

export type { DaemonExit, DaemonProcess } from './daemon-process.js';

// The sibling workspace's build, not a package export: a daemon's entry point is no library API.
export const SUPERVDSMD_BIN = fileURLToPath(new URL('../../../supervdsm/dist/src/bin/supervdsmd.js', import.meta.url));

export interface SupervdsmdRun {
  readonly configFile: string;
  /** Extra command-line arguments after `--config FILE`. */
  readonly args?: readonly string[];
  /** Runs the daemon under this command (see DaemonSpawn.wrapper). */
  readonly wrapper?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

/** supervdsmd on a config file of the caller's; resolves once it listens. */
export function runSupervdsmd(run: SupervdsmdRun): Promise<DaemonProcess> {
  return spawnDaemon({
    name: 'supervdsmd',
    script: SUPERVDSMD_BIN,
    args: ['--config', run.configFile, ...(run.args ?? [])],
    ...(run.wrapper === undefined ? {} : { wrapper: run.wrapper }),
    env: run.env ?? {},
    readyText: '"listening on',
    startTimeoutMs: run.startTimeoutMs ?? 20_000,
  });
}

export interface SupervdsmdProcessOptions {
  /** Holds the config, socket, repository and netconf; a temporary directory (mode 0755), removed by stop(). */
  readonly dir?: string;
  /** `[irs] repository`; `<dir>/repo` when absent. */
  readonly repository?: string;
  /** Merged over `[irs] repository` and `[supervdsm] socket, netconf_dir`. */
  readonly config?: ConfigSections;
  readonly args?: readonly string[];
  readonly wrapper?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export interface SupervdsmdProcess extends DaemonProcess {
  readonly dir: string;
  readonly socket: string;
  readonly repository: string;
  readonly configFile: string;
}

/** The config file supervdsmd would get from startSupervdsmdProcess, without starting it. */
export async function writeSupervdsmdConfig(
  dir: string,
  options: Pick<SupervdsmdProcessOptions, 'repository' | 'config'> = {},
): Promise<{ configFile: string; socket: string; repository: string }> {
  const socket = join(dir, 'run', 'svdsm.sock');
  const repository = options.repository ?? join(dir, 'repo');
  await mkdir(repository, { recursive: true });
  const configFile = join(dir, 'supervdsm.conf');
  const sections = mergeSections(
    { irs: { repository }, supervdsm: { socket, netconf_dir: join(dir, 'netconf') } },
    options.config ?? {},
  );
  await writeFile(configFile, renderConfig(sections));
  return { configFile, socket, repository };
}

export async function startSupervdsmdProcess(options: SupervdsmdProcessOptions = {}): Promise<SupervdsmdProcess> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'svdsm-test-')));
  // the socket's mode, not the directory's, must decide who gets in
  if (ownDir) await chmod(dir, 0o755);
  const removeOwnDir = async (): Promise<void> => {
    if (ownDir) await removeTree(dir);
  };
  let daemon: DaemonProcess;
  let files: Awaited<ReturnType<typeof writeSupervdsmdConfig>>;
  try {
    files = await writeSupervdsmdConfig(dir, options);
    daemon = await runSupervdsmd({ ...options, configFile: files.configFile });
  } catch (error) {
    await removeOwnDir();
    throw error;
  }
  return {
    ...daemon,
    ...files,
    dir,
    stop: async (): Promise<DaemonExit> => {
      const exit = await daemon.stop();
      await removeOwnDir();
      return exit;
    },
  };
}
