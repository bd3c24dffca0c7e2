/**
 * Test helpers: a UNIX socket server that plays vdsmd's end of the channel, and a runner for the real
 * agent process. Waits are on events with deadlines; nothing sleeps.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@vdsm-ts/testing/wait-until';

export const AGENT_BIN = fileURLToPath(new URL('../../src/bin/ovirt-guest-agent.js', import.meta.url));
export const AGENT_BUNDLE = fileURLToPath(new URL('../../ovirt-guest-agent.cjs', import.meta.url));

export type Message = { __name__: string } & Record<string, unknown>;

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** vdsmd's side of one agent channel: accepts the agent, records every line it sends. */
export class HostSide extends EventEmitter {
  readonly messages: Message[] = [];
  /** lines that were not JSON objects with a __name__ (there should be none) */
  readonly garbage: string[] = [];
  connections = 0;
  #server: Server;
  #client: Socket | undefined;
  #buffer = '';

  private constructor(readonly path: string) {
    super();
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async listen(t: Teardown, dir: string, opts: { greet?: boolean } = {}): Promise<HostSide> {
    const host = new HostSide(join(dir, 'channel.sock'));
    host.greet = opts.greet ?? true;
    host.#server.listen(host.path);
    await once(host.#server, 'listening');
    t.teardown(() => host.close());
    return host;
  }

  /** send `refresh {apiVersion: 3}` on every connect, as vdsmd does */
  greet = true;

  #accept(socket: Socket): void {
    this.#client?.destroy();
    this.#client = socket;
    this.#buffer = '';
    this.connections++;
    socket.setEncoding('latin1');
    if (this.greet) this.send({ __name__: 'refresh', apiVersion: 3 });
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        this.#record(line);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.#client === socket) this.#client = undefined;
      this.emit('disconnect');
    });
    this.emit('connect');
  }

  #record(line: string): void {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && typeof (value as Message).__name__ === 'string') {
        this.messages.push(value as Message);
        this.emit('message', value);
        return;
      }
    } catch {
      // fall through
    }
    this.garbage.push(line);
    this.emit('message');
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  send(message: Message): void {
    this.raw(`${JSON.stringify(message)}\n`);
  }

  raw(data: string | Buffer): void {
    if (this.#client === undefined) throw new Error('agent not connected');
    this.#client.write(data);
  }

  waitConnected(ms?: number): Promise<true> {
    return waitUntil(() => this.connected, {
      timeoutMs: ms ?? 20_000,
      what: 'the agent to connect',
      wakeOn: { emitter: this, events: ['connect'] },
    });
  }

  /** Waits for the first message named `name` (matching `where`) at or after index `from`. */
  waitFor(name: string, opts: { from?: number; where?: (m: Message) => boolean; ms?: number } = {}): Promise<Message> {
    const from = opts.from ?? 0;
    return waitUntil(() => this.messages.slice(from).find((m) => m.__name__ === name && (opts.where?.(m) ?? true)), {
      timeoutMs: opts.ms ?? 20_000,
      what: `message ${name}`,
      wakeOn: { emitter: this, events: ['message'] },
    });
  }

  names(from = 0): string[] {
    return this.messages.slice(from).map((m) => m.__name__);
  }

  /** Drops the agent's connection (the host side went away). */
  dropClient(): void {
    this.#client?.destroy();
    this.#client = undefined;
  }

  async close(): Promise<void> {
    this.dropClient();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** The real agent process. */
export class AgentProcess extends EventEmitter {
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(readonly child: ChildProcess) {
    super();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr += d;
      this.emit('log');
    });
    // 'close', not 'exit': by then stderr has been read to the end.
    child.on('close', (code, signal) => {
      this.exit = { code, signal };
      this.emit('exit');
      this.emit('log');
    });
  }

  static start(
    t: Teardown,
    args: readonly string[],
    opts: { script?: string; node?: string; cwd?: string; env?: NodeJS.ProcessEnv; wrap?: readonly string[] } = {},
  ): AgentProcess {
    const argv = [opts.node ?? process.execPath, opts.script ?? AGENT_BIN, ...args];
    // `wrap` runs the agent through another program that execs it, e.g. `ip netns exec NS`.
    const [file, ...rest] = [...(opts.wrap ?? []), ...argv] as [string, ...string[]];
    const child = spawn(file, rest, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: opts.cwd,
      env: opts.env ?? process.env,
    });
    const agent = new AgentProcess(child);
    t.teardown(() => agent.kill('SIGKILL'));
    return agent;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exit === undefined) this.child.kill(signal);
  }

  waitExit(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return waitUntil(() => this.exit, {
      timeoutMs: ms ?? 20_000,
      what: 'the agent to exit',
      wakeOn: { emitter: this, events: ['exit'] },
    });
  }

  /** Waits until `pattern` (a global regexp) matches at least `count` times in the log. */
  waitLogCount(pattern: RegExp, count: number, ms?: number): Promise<number> {
    return waitUntil(
      () => {
        const n = this.stderr.match(pattern)?.length ?? 0;
        return n >= count ? n : undefined;
      },
      { timeoutMs: ms ?? 20_000, what: `${count} × log ${pattern}`, wakeOn: { emitter: this, events: ['log'] } },
    );
  }

  waitLog(pattern: RegExp, ms?: number): Promise<RegExpMatchArray> {
    return waitUntil(() => this.stderr.match(pattern) ?? undefined, {
      timeoutMs: ms ?? 20_000,
      what: `log ${pattern}`,
      wakeOn: { emitter: this, events: ['log'] },
    });
  }
}

/** A script that appends its argv (one JSON array per line) to `<file>`; what the agent is configured to run. */
export async function recorder(dir: string, name: string): Promise<{ path: string; calls: () => Promise<string[][]> }> {
  const log = join(dir, `${name}.calls`);
  const path = join(dir, name);
  await writeFile(
    path,
    `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`,
  );
  await chmod(path, 0o755);
  return {
    path,
    calls: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as string[]),
  };
}

/** Flags for a quick agent: short intervals, no config file, debug log. */
export function fastFlags(device: string, extra: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    device,
    'heart-beat-rate': '0.3',
    'report-user-rate': '0.5',
    'report-num-cpu-rate': '1',
    'report-application-rate': '60',
    'report-disk-usage': '60',
    'log-level': 'debug',
    // Never this machine's real power, hibernate or session programs: a test that wants them names its own.
    shutdown: '/bin/false',
    hibernate: '/bin/false',
    'lock-screen': '/bin/false',
    'log-off': '/bin/false',
    ...extra,
  };
  return ['--config', '/dev/null', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
}
