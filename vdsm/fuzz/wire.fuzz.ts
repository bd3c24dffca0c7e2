/**
 * Wire fuzzer against a live vdsmd (its own process: plain TCP, test:///default): hostile STOMP traffic from
 * `wire-frames.ts` over several connections, reconnecting whenever the server closes one, while a well-behaved
 * client pings. Reports crashes (the daemon exited; it is restarted and the run goes on), hangs (a probe ping2 not
 * answered within 5 s), the probe's worst round trip, the daemon's RSS (idle, peak, and after the run once it has
 * settled) and its log volume.
 *
 *   node vdsm/dist/fuzz/wire.fuzz.js --frames 200000 [--seed N] [--connections 8]
 *
 * Prints one JSON line `{"fuzz":"wire",...}`; exit 0 only with no crash, no hang and RSS back under 200 MB.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { freeLoopbackPort } from '@vdsm-ts/testing/free-port';
import { renderConfig } from '@vdsm-ts/testing/vdsm-conf';
import { VDSMD_BIN } from '@vdsm-ts/testing/vdsmd-process';
import { execa } from 'execa';
import { FrameParser } from '../src/rpc/stomp/frame-parser.js';
import { encodeFrame } from '../src/rpc/stomp/frame-writer.js';
import { nextFrame, Rng } from './wire-frames.js';

const HANG_MS = 5000;
const PROBE_EVERY_MS = 250;
const RSS_AFTER_LIMIT_MB = 200;
const SETTLE_MS = 60_000;

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '200000' },
    seed: { type: 'string' },
    connections: { type: 'string', default: '8' },
  },
});
const FRAMES = Number(values.frames);
const SEED = values.seed === undefined ? Date.now() >>> 0 : Number(values.seed);
const CONNECTIONS = Number(values.connections);

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return Number.NaN;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A hostile connection: writes what it is given, throws away what it gets, reopens when closed. */
class FuzzConnection {
  socket: Socket | undefined;
  reconnects = 0;

  constructor(
    private readonly port: () => number,
    private readonly localAddress: string,
    readonly replyQueue: string,
  ) {}

  async ready(): Promise<Socket> {
    if (this.socket !== undefined && !this.socket.destroyed && this.socket.writable) return this.socket;
    this.reconnects++;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port: this.port(), host: '127.0.0.1', localAddress: this.localAddress });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    socket.on('error', () => {});
    socket.on('data', () => {});
    this.socket = socket;
    return socket;
  }

  destroy(): void {
    this.socket?.destroy();
  }
}

/** The well-behaved client: one ping2 at a time; a reply later than HANG_MS is a hang. */
class Probe {
  private socket: Socket | undefined;
  private waiting: { id: string; sent: number; resolve: () => void } | undefined;
  worstMs = 0;
  pings = 0;

  async open(port: number): Promise<void> {
    this.socket?.destroy();
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    socket.on('error', () => {});
    const parser = new FrameParser((frame) => {
      const w = this.waiting;
      if (w !== undefined && frame.command === 'MESSAGE' && frame.body.includes(w.id)) w.resolve();
    });
    socket.on('data', (d: Buffer) => parser.push(d));
    socket.write(
      'CONNECT\naccept-version:1.2\nheart-beat:0,0\n\n\0SUBSCRIBE\ndestination:probe-q\nack:auto\nid:p\n\n\0',
    );
    this.socket = socket;
  }

  /** True when answered in time. */
  async ping(): Promise<boolean> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return false;
    const id = `probe-${this.pings++}`;
    const body = Buffer.from(`[{"jsonrpc":"2.0","method":"Host.ping2","params":{},"id":"${id}"}]`);
    const sent = performance.now();
    const answered = new Promise<boolean>((resolve) => {
      this.waiting = { id, sent, resolve: () => resolve(true) };
      setTimeout(() => resolve(false), HANG_MS).unref();
    });
    socket.write(
      encodeFrame(
        'SEND',
        [
          ['destination', 'jms.topic.vdsm_requests'],
          ['reply-to', 'probe-q'],
        ],
        body,
      ),
    );
    const ok = await answered;
    this.waiting = undefined;
    if (ok) this.worstMs = Math.max(this.worstMs, performance.now() - sent);
    return ok;
  }

  close(): void {
    this.socket?.destroy();
  }
}

interface Daemon {
  readonly port: number;
  readonly pid: number | undefined;
  /** Bytes and lines the daemon logged (stderr), and its last lines. */
  logBytes(): number;
  logLines(): number;
  tail(): string;
  stop(): Promise<void>;
}

/** vdsmd at log level warn (what a loaded host would run), logging to stderr, counted here; ready on a ping2. */
async function startDaemonProcess(dir: string): Promise<Daemon> {
  const port = await freeLoopbackPort();
  const configFile = join(dir, `vdsm-${port}.conf`);
  await writeFile(
    configFile,
    renderConfig({
      vars: { ssl: false, libvirt_uri: 'test:///default' },
      addresses: { management_ip: '127.0.0.1', management_port: port },
      logging: { level: 'warn' },
    }),
  );
  const child = execa('node', [VDSMD_BIN, '--config', configFile], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '' },
  });
  let bytes = 0;
  let lines = 0;
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    bytes += d.length;
    for (const b of d) if (b === 10) lines++;
    tail = (tail + d.toString()).slice(-2000);
  });
  child.stdout?.on('data', () => {});
  const done = child.then(() => undefined);
  const probe = new Probe();
  for (const deadline = Date.now() + 60_000; ; ) {
    if (Date.now() > deadline) throw new Error(`vdsmd did not serve within 60 s: ${tail}`);
    try {
      await probe.open(port);
      if (await probe.ping()) break;
    } catch {
      await sleep(100);
    }
  }
  probe.close();
  return {
    port,
    pid: child.pid,
    logBytes: () => bytes,
    logLines: () => lines,
    tail: () => tail,
    async stop() {
      child.kill('SIGTERM');
      await done;
    },
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vdsm-fuzz-'));
  const startDaemon = () => startDaemonProcess(dir);
  let daemon: Daemon = await startDaemon();
  await sleep(500);
  const idleRss = rssMb(daemon.pid);
  let peakRss = idleRss;
  let crashes = 0;
  let hangs = 0;
  let logBytes = 0;
  const failures: string[] = [];
  const rng = new Rng(SEED);
  const conns = Array.from(
    { length: CONNECTIONS },
    (_, i) => new FuzzConnection(() => daemon.port, `127.0.0.${10 + (i % 50)}`, `fuzz-q-${i}`),
  );
  const probe = new Probe();
  await probe.open(daemon.port);

  let exited = false;
  const watch = (d: Daemon) => {
    const timer = setInterval(() => {
      const rss = rssMb(d.pid);
      if (Number.isNaN(rss)) exited = true;
      else peakRss = Math.max(peakRss, rss);
    }, PROBE_EVERY_MS);
    return () => clearInterval(timer);
  };
  let unwatch = watch(daemon);

  let probing = true;
  let frame = 0;
  const probeLoop = (async () => {
    while (probing) {
      if (!exited && !(await probe.ping()) && probing && !exited) {
        hangs++;
        failures.push(`hang: no ping2 reply within ${HANG_MS} ms near frame ${frame} (seed ${SEED})`);
        await probe.open(daemon.port).catch(() => {});
      }
      await sleep(PROBE_EVERY_MS);
    }
  })();

  const started = performance.now();
  for (; frame < FRAMES; frame++) {
    if (exited) {
      crashes++;
      failures.push(`crash near frame ${frame} (seed ${SEED}): ${daemon.tail()}`);
      logBytes += daemon.logBytes();
      unwatch();
      await daemon.stop().catch(() => {});
      daemon = await startDaemon();
      exited = false;
      unwatch = watch(daemon);
      await probe.open(daemon.port);
    }
    const conn = conns[rng.below(conns.length)] as FuzzConnection;
    let socket: Socket;
    try {
      socket = await conn.ready();
    } catch {
      await sleep(10);
      continue;
    }
    socket.write(nextFrame(rng, conn.replyQueue));
    // let replies and closes come in; wait when the server stops reading from us
    if (frame % 32 === 0) await new Promise((r) => setImmediate(r));
    if (socket.writableLength > 1 << 20) {
      await Promise.race([new Promise((r) => socket.once('drain', r)), sleep(2000)]);
      if (socket.writableLength > 1 << 20) socket.destroy();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  probing = false;
  await probeLoop;
  for (const c of conns) c.destroy();
  // the run is over: is the daemon still alive and serving, and does its memory come back down?
  await probe.open(daemon.port).catch(() => {});
  const aliveAfter = await probe.ping();
  if (!aliveAfter) {
    hangs++;
    failures.push('no ping2 reply after the run');
  }
  let afterRss = rssMb(daemon.pid);
  for (const deadline = Date.now() + SETTLE_MS; afterRss >= RSS_AFTER_LIMIT_MB && Date.now() < deadline; ) {
    await sleep(1000);
    afterRss = rssMb(daemon.pid);
  }
  const reconnects = conns.reduce((n, c) => n + c.reconnects, 0);
  probe.close();
  unwatch();
  await daemon.stop();
  logBytes += daemon.logBytes();
  const logLines = daemon.logLines();
  await rm(dir, { recursive: true, force: true });
  const result = {
    fuzz: 'wire',
    frames: FRAMES,
    seed: SEED,
    seconds: Math.round(seconds * 10) / 10,
    framesPerSecond: Math.round(FRAMES / seconds),
    crashes,
    hangs,
    connections: reconnects,
    probePings: probe.pings,
    probeWorstMs: Math.round(probe.worstMs * 10) / 10,
    rssMb: { idle: idleRss, peak: peakRss, after: afterRss },
    daemonLog: { bytes: logBytes, lines: logLines },
    failures: failures.map((f) => f.slice(0, 500)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(crashes === 0 && hangs === 0 && afterRss < RSS_AFTER_LIMIT_MB ? 0 : 1);
}

await main();
