/**
 * A real vdsmd process for tests and benchmarks across the workspaces: a config file of its own, a free loopback
 * port, plain TCP on libvirt's test:///default unless told otherwise, and a deadline on its "serving on" line.
 * The daemons never import this module.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdAdoptionLock } from './adoption-lock.js';
import { type DaemonExit, spawnDaemon } from './daemon-process.js';
import { freeLoopbackPort } from './free-port.js';
import { type ConfigSections, mergeSections, renderConfig } from './vdsm-conf.js';

// The sibling workspace's build, not a package export: a daemon's entry point is no library API.
export const VDSMD_BIN = fileURLToPath(new URL('../../../vdsm/dist/src/bin/vdsmd.js', import.meta.url));

export interface VdsmdProcessOptions {
  /**
   * Merged over the defaults: `[vars] ssl = false, libvirt_uri = test:///default`, the loopback address and
   * `[devel] api_strict_mode = true`.
   */
  readonly config?: ConfigSections;
  /** The API port; a free loopback port when absent. */
  readonly port?: number;
  /** Where the config file goes; a temporary directory, removed by stop(), when absent. */
  readonly dir?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export interface VdsmdProcess {
  readonly port: number;
  readonly dir: string;
  readonly configFile: string;
  readonly pid: number | undefined;
  /** Everything the daemon printed so far (JSON log lines). */
  log(): string;
  /** SIGKILL: the host dies without a goodbye. */
  kill(): Promise<void>;
  /** SIGTERM and wait; removes the directory when it was made here. */
  stop(): Promise<void>;
}

export async function startVdsmdProcess(options: VdsmdProcessOptions = {}): Promise<VdsmdProcess> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'vdsmd-test-')));
  const removeOwnDir = async (): Promise<void> => {
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  const port = options.port ?? (await freeLoopbackPort());
  const configFile = join(dir, `vdsm-${port}.conf`);
  const sections = mergeSections(
    {
      vars: { ssl: false, libvirt_uri: 'test:///default' },
      addresses: { management_ip: '127.0.0.1', management_port: port },
      // every result a test gets from this daemon was checked against the schema
      devel: { api_strict_mode: true },
    },
    options.config ?? {},
  );
  await writeFile(configFile, renderConfig(sections));
  // On a real libvirt the new vdsmd adopts every vdsm domain there: not while a test needs its domains unwatched.
  const libvirtUri = String(sections.vars?.libvirt_uri ?? '');
  const releaseAdoption = libvirtUri.startsWith('test:') ? undefined : await holdAdoptionLock();
  let daemon: Awaited<ReturnType<typeof spawnDaemon>>;
  try {
    daemon = await spawnDaemon({
      name: 'vdsmd',
      script: VDSMD_BIN,
      args: ['--config', configFile],
      env: options.env ?? {},
      readyText: 'serving on',
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    });
  } catch (error) {
    await removeOwnDir();
    throw error;
  } finally {
    await releaseAdoption?.();
  }
  const ignoreExit = (_exit: DaemonExit): void => {};
  return {
    port,
    dir,
    configFile,
    pid: daemon.pid,
    log: daemon.log,
    kill: () => daemon.kill().then(ignoreExit),
    stop: async () => {
      await daemon.stop();
      await removeOwnDir();
    },
  };
}
