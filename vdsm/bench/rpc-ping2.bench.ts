/**
 * Host.ping2 over STOMP against vdsmd (a separate process, plain TCP, test:///default), compared with a bare Node
 * STOMP responder (also a separate process) that answers the same frames with a canned reply. The load client runs
 * here and is the same for both. Scenarios: 1 connection × 1 in flight, 4 connections × 16 in flight (one reply
 * queue per connection). Each figure is the median of 3 interleaved runs; latencies come from the median run.
 *
 * `node rpc-ping2.bench.js --bare-responder` runs the responder itself (used internally).
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execaNode, type ResultPromise } from 'execa';
import { FrameParser } from '../src/rpc/stomp/frame-parser.js';
import { encodeFrame } from '../src/rpc/stomp/frame-writer.js';

const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 3000);
const RUNS = 3;

// ---------------------------------------------------------------- bare responder (child process)

function bareResponder(): void {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const parser = new FrameParser((frame) => {
      if (frame.command === 'CONNECT') {
        socket.write('CONNECTED\nversion:1.2\nheart-beat:24000,0\n\n\0');
        return;
      }
      if (frame.command !== 'SEND') return;
      const replyTo = frame.headers.get('reply-to') ?? '';
      const body = frame.body.toString();
      const at = body.indexOf('"id": "') + 7;
      const id = body.slice(at, body.indexOf('"', at));
      const reply = Buffer.from(`{"jsonrpc": "2.0", "id": "${id}", "result": true}`);
      socket.write(
        encodeFrame(
          'MESSAGE',
          [
            ['destination', replyTo],
            ['content-type', 'application/json'],
            ['subscription', 'sub'],
          ],
          reply,
        ),
      );
    });
    socket.on('data', (d: Buffer) => parser.push(d));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
  });
}

// ---------------------------------------------------------------- load client

interface RunResult {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

class LoadConnection {
  private readonly parser: FrameParser;
  private readonly sent = new Map<string, number>();
  private seq = 0;
  private readonly queue = `bench-${Math.random().toString(16).slice(2)}`;
  latencies: number[] = [];
  count = 0;
  running = false;
  private onConnected: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly inFlight: number,
    private readonly tag: string,
  ) {
    socket.setNoDelay(true);
    this.parser = new FrameParser((frame) => {
      if (frame.command === 'CONNECTED') {
        this.onConnected?.();
        return;
      }
      if (frame.command !== 'MESSAGE') return;
      const now = performance.now();
      const { id } = JSON.parse(frame.body.toString()) as { id: string };
      const t0 = this.sent.get(id);
      this.sent.delete(id);
      if (t0 !== undefined && this.running) {
        this.latencies.push(now - t0);
        this.count++;
      }
      if (this.running) this.sendOne();
    });
    socket.on('data', (d: Buffer) => this.parser.push(d));
  }

  static open(port: number, inFlight: number, tag: string): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('error', reject);
      socket.once('connect', () => {
        const conn = new LoadConnection(socket, inFlight, tag);
        conn.onConnected = () => resolve(conn);
        socket.write(
          `CONNECT\naccept-version:1.2\nheart-beat:0,24000\n\n\0SUBSCRIBE\ndestination:${conn.queue}\nack:auto\nid:s-${conn.queue}\n\n\0`,
        );
      });
    });
  }

  private sendOne(): void {
    const id = `${this.tag}-${this.seq++}`;
    const body = Buffer.from(`[{"jsonrpc": "2.0", "method": "Host.ping2", "params": {}, "id": "${id}"}]`);
    this.sent.set(id, performance.now());
    this.socket.write(
      encodeFrame(
        'SEND',
        [
          ['destination', 'jms.topic.vdsm_requests'],
          ['content-type', 'application/json'],
          ['reply-to', this.queue],
        ],
        body,
      ),
    );
  }

  start(): void {
    this.running = true;
    this.latencies = [];
    this.count = 0;
    for (let i = 0; i < this.inFlight; i++) this.sendOne();
  }

  /** Stops issuing and waits until every outstanding reply is in. */
  stop(): Promise<void> {
    this.running = false;
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.sent.size === 0) resolve();
        else setImmediate(check);
      };
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function runLoad(port: number, connections: number, inFlight: number): Promise<RunResult> {
  const conns = await Promise.all(
    Array.from({ length: connections }, (_, i) => LoadConnection.open(port, inFlight, `c${i}`)),
  );
  // warm-up, then the measured window
  for (const c of conns) c.start();
  await new Promise((r) => setTimeout(r, 300));
  for (const c of conns) c.start();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, RUN_MS));
  const elapsed = performance.now() - t0;
  const count = conns.reduce((n, c) => n + c.count, 0);
  const latencies = conns.flatMap((c) => c.latencies).sort((a, b) => a - b);
  await Promise.all(conns.map((c) => c.stop()));
  for (const c of conns) c.close();
  return { rate: (count / elapsed) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function median(results: readonly RunResult[]): RunResult {
  return [...results].sort((a, b) => a.rate - b.rate)[Math.floor(results.length / 2)] as RunResult;
}

function waitForLine(
  child: ResultPromise,
  stream: 'stdout' | 'stderr',
  match: (line: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const s = child[stream];
    if (s === null) return reject(new Error(`no ${stream}`));
    const onData = (d: Buffer): void => {
      buffer += d.toString();
      for (const line of buffer.split('\n')) {
        if (match(line)) {
          s.removeListener('data', onData);
          resolve(line);
          return;
        }
      }
    };
    s.on('data', onData);
    child.catch((err: unknown) => reject(err));
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

function emit(bench: string, value: number, unit: string, baseline?: string, ratio?: number): void {
  const line: Record<string, unknown> = { bench, value: Math.round(value * 100) / 100, unit };
  if (baseline !== undefined) line.baseline = baseline;
  if (ratio !== undefined) line.ratio = Math.round(ratio * 100) / 100;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const vdsmd = fileURLToPath(new URL('../src/bin/vdsmd.js', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'bench-ping2-'));
  const children: ResultPromise[] = [];
  try {
    const bare = execaNode(self, ['--bare-responder'], { timeout: 600_000, reject: false, buffer: false });
    children.push(bare);
    const barePort = (JSON.parse(await waitForLine(bare, 'stdout', (l) => l.startsWith('{'))) as { port: number }).port;

    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const vdsmPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const conf = join(dir, 'vdsm.conf');
    await writeFile(
      conf,
      `[vars]\nssl = false\nlibvirt_uri = test:///default\n\n[addresses]\nmanagement_ip = 127.0.0.1\nmanagement_port = ${vdsmPort}\n\n[logging]\nlevel = warn\n`,
    );
    const daemon = execaNode(vdsmd, ['--config', conf], { timeout: 600_000, reject: false, buffer: false });
    children.push(daemon);
    const ready = (async () => {
      for (;;) {
        try {
          const conn = await LoadConnection.open(vdsmPort, 1, 'ready');
          conn.close();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    await ready;
    const pid = daemon.pid as number;
    // idle: started, one connection served, then left alone for a moment
    await new Promise((r) => setTimeout(r, 1000));
    emit('vdsmd.rss.idle', rssMb(pid), 'MB');

    const scenarios = [
      { name: 'c1x1', connections: 1, inFlight: 1 },
      { name: 'c4x16', connections: 4, inFlight: 16 },
    ];
    const filter = process.env.BENCH_FILTER ?? '';
    for (const s of scenarios) {
      if (filter !== '' && !`rpc.ping2.${s.name}`.includes(filter) && !filter.startsWith('rpc-ping2')) continue;
      const bareRuns: RunResult[] = [];
      const vdsmRuns: RunResult[] = [];
      for (let i = 0; i < RUNS; i++) {
        bareRuns.push(await runLoad(barePort, s.connections, s.inFlight));
        vdsmRuns.push(await runLoad(vdsmPort, s.connections, s.inFlight));
      }
      const b = median(bareRuns);
      const v = median(vdsmRuns);
      emit(`rpc.ping2.${s.name}`, v.rate, 'req/s', 'bare responder', v.rate / b.rate);
      emit(`rpc.ping2.${s.name}.p50`, v.p50, 'ms', 'bare responder', v.p50 / b.p50);
      emit(`rpc.ping2.${s.name}.p99`, v.p99, 'ms', 'bare responder', v.p99 / b.p99);
      emit(`rpc.bare.${s.name}`, b.rate, 'req/s');
    }
    emit('vdsmd.rss.after-load', rssMb(pid), 'MB');
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children);
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--bare-responder')) bareResponder();
else await main();
