/**
 * One of our daemons as a child process under test: its output kept (newest part, bounded), a deadline on the log
 * line that says it serves, and an early, loud failure when it exits before that.
 */
import { execa } from 'execa';
import { waitUntil } from './wait-until.js';

/** Keeps the newest output when a daemon logs a lot over a long test. */
const LOG_LIMIT = 4 * 1024 * 1024;

export interface DaemonExit {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
}

export interface DaemonProcess {
  readonly pid: number | undefined;
  /** Everything the daemon printed so far, stdout and stderr (JSON log lines). */
  log(): string;
  /** Settles when the process has exited. */
  readonly exited: Promise<DaemonExit>;
  /** SIGKILL and wait: the daemon dies without a goodbye. */
  kill(): Promise<DaemonExit>;
  /** SIGTERM and wait. */
  stop(): Promise<DaemonExit>;
}

export interface DaemonSpawn {
  /** Named in errors. */
  readonly name: string;
  /** The daemon's entry script, run by this Node. */
  readonly script: string;
  readonly args: readonly string[];
  /** A command that execs its trailing arguments, e.g. `unshare --mount --net` for private namespaces. */
  readonly wrapper?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Output that says the daemon is ready. */
  readonly readyText: string;
  readonly startTimeoutMs: number;
}

export async function spawnDaemon(spec: DaemonSpawn): Promise<DaemonProcess> {
  const [command = process.execPath, ...wrapperArgs] = spec.wrapper ?? [];
  const nodeArgv = [spec.script, ...spec.args];
  const argv = spec.wrapper === undefined ? nodeArgv : [...wrapperArgs, process.execPath, ...nodeArgv];
  const child = execa(command, argv, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '', ...spec.env },
  });
  let seen = '';
  const onData = (chunk: Buffer): void => {
    seen += chunk.toString();
    if (seen.length > LOG_LIMIT) seen = seen.slice(-LOG_LIMIT / 2);
  };
  child.stderr?.on('data', onData);
  child.stdout?.on('data', onData);
  let exit: DaemonExit | undefined;
  const exited = child.then((result): DaemonExit => {
    exit = { exitCode: result.exitCode, signal: result.signal };
    return exit;
  });
  const end = async (signal: NodeJS.Signals): Promise<DaemonExit> => {
    if (exit === undefined) child.kill(signal);
    return exited;
  };
  try {
    await waitUntil(
      () => {
        if (exit !== undefined)
          throw new Error(`${spec.name} exited (${exit.exitCode ?? exit.signal}) before it served:\n${seen}`);
        return seen.includes(spec.readyText);
      },
      { timeoutMs: spec.startTimeoutMs, what: `${spec.name} to print '${spec.readyText}'` },
    );
  } catch (error) {
    const exitedEarly = exit !== undefined;
    await end('SIGKILL');
    if (exitedEarly || !(error instanceof Error)) throw error;
    throw new Error(`${error.message}; its output:\n${seen}`);
  }
  return { pid: child.pid, log: () => seen, exited, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
