/**
 * A real vdsmd process for tests and benchmarks across the workspaces: a config file of its own, a free loopback
 * port, plain TCP on libvirt's test:///default unless told otherwise, and a deadline on its "serving on" line.
 * The daemons never import this module.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { holdAdoptionLock } from './adoption-lock.js';

/** For a test that must keep other tests' vdsmds from adopting its domains for a while. */
export { holdAdoptionLock };

export const VDSMD_BIN = fileURLToPath(new URL('../bin/vdsmd.js', import.meta.url));

/** Keeps the newest output when a daemon logs a lot over a long test. */
const LOG_LIMIT = 4 * 1024 * 1024;

/** A port nobody listens on right now (the kernel's pick), on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** vdsm.conf sections, each a key -> value table, written in the order given. */
export type ConfigSections = Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>;

export interface VdsmdProcessOptions {
  /** Merged over the defaults: `[vars] ssl = false, libvirt_uri = test:///default` and the loopback address. */
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

export function renderConfig(sections: ConfigSections): string {
  const lines: string[] = [];
  for (const [section, keys] of Object.entries(sections)) {
    lines.push(`[${section}]`);
    for (const [key, value] of Object.entries(keys)) lines.push(`${key} = ${String(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function mergeSections(base: ConfigSections, extra: ConfigSections): ConfigSections {
  const merged: Record<string, Record<string, string | number | boolean>> = {};
  for (const [section, keys] of [...Object.entries(base), ...Object.entries(extra)])
    merged[section] = { ...merged[section], ...keys };
  return merged;
}

export async function startVdsmdProcess(options: VdsmdProcessOptions = {}): Promise<VdsmdProcess> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'vdsmd-test-')));
  const port = options.port ?? (await freeLoopbackPort());
  const configFile = join(dir, `vdsm-${port}.conf`);
  const sections = mergeSections(
    {
      vars: { ssl: false, libvirt_uri: 'test:///default' },
      addresses: { management_ip: '127.0.0.1', management_port: port },
    },
    options.config ?? {},
  );
  await writeFile(configFile, renderConfig(sections));

  // On a real libvirt the new vdsmd adopts every vdsm domain there: not while a test needs its domains unwatched.
  const libvirtUri = String(sections.vars?.libvirt_uri ?? '');
  const releaseAdoption = libvirtUri.startsWith('test:') ? undefined : await holdAdoptionLock();
  const daemon = execa('node', [VDSMD_BIN, '--config', configFile], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '', ...options.env },
  });
  let seen = '';
  const onData = (chunk: Buffer) => {
    seen += chunk.toString();
    if (seen.length > LOG_LIMIT) seen = seen.slice(-LOG_LIMIT / 2);
  };
  daemon.stderr?.on('data', onData);
  daemon.stdout?.on('data', onData);
  let exited = false;
  const done = daemon.then((result) => {
    exited = true;
    return result;
  });
  const end = async (signal: NodeJS.Signals) => {
    if (!exited) daemon.kill(signal);
    await done;
  };
  const stop = async () => {
    await end('SIGTERM');
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`vdsmd did not serve within ${timeoutMs} ms:\n${seen}`)),
        timeoutMs,
      );
      const poll = setInterval(() => {
        if (!seen.includes('serving on')) return;
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }, 20);
      void done.then((result) => {
        clearTimeout(timer);
        clearInterval(poll);
        reject(new Error(`vdsmd exited (${result.exitCode ?? result.signal}):\n${seen}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await releaseAdoption?.();
  }
  return { port, dir, configFile, pid: daemon.pid, log: () => seen, kill: () => end('SIGKILL'), stop };
}
