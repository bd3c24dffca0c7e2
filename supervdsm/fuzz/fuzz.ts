#!/usr/bin/env node
/**
 * Fuzzes a live supervdsmd that this process starts itself (as root, on a private socket and repository, in its own
 * mount and network namespaces when unshare(1) is there): N hostile probes from ./probes.ts, each on a fresh
 * connection, and one JSON line with what happened: crashes, hangs, accepted hostile requests, error codes and the
 * daemon's RSS.
 *
 *   node supervdsm/dist/fuzz/fuzz.js --requests N [--seed S]
 *
 * Exits 1 when the daemon crashed, hung or accepted a hostile request that changes the host.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FrameDecoder, MAX_RESPONSE_BYTES, type Response } from '@vdsm-ts/supervdsm-protocol/protocol';
import { startSupervdsmdProcess } from '@vdsm-ts/testing/supervdsmd-process';
import { execa } from 'execa';
import fc from 'fast-check';
import { mutates, type Probe, type ProbeClass, probes } from './probes.js';

/** A probe not answered (or, for 'close', not dropped) within this long counts as a hang. */
const PROBE_DEADLINE_MS = 10_000;

export interface FuzzReport {
  readonly name: 'supervdsm-fuzz';
  readonly requests: number;
  readonly seed: number;
  readonly byClass: Record<ProbeClass, number>;
  readonly answered: number;
  readonly closed: number;
  readonly crashes: number;
  readonly hangs: number;
  /** Hostile requests to operations that change the host which came back ok (each a finding). */
  readonly accepted: number;
  readonly examples: readonly string[];
  readonly codes: Record<string, number>;
  readonly rssKiB: { readonly start: number; readonly end: number; readonly max: number };
  readonly durationMs: number;
}

interface LiveDaemon {
  readonly socket: string;
  readonly repository: string;
  readonly pid: number | undefined;
  exited(): boolean;
  stop(): Promise<void>;
}

async function rssKiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

async function hasUnshare(): Promise<boolean> {
  const result = await execa('unshare', [...PRIVATE_NAMESPACES, 'true'], { reject: false, timeout: 10_000 });
  return result.exitCode === 0;
}

const PRIVATE_NAMESPACES = ['--mount', '--net', '--propagation', 'private'];

/** supervdsmd on a private socket and repository under a new temp dir; resolves once it listens. */
export async function startFuzzDaemon(): Promise<LiveDaemon> {
  // A private mount and network namespace: should a hostile request get through, what it did dies with the daemon.
  const wrapper = (await hasUnshare()) ? ['unshare', ...PRIVATE_NAMESPACES] : undefined;
  const daemon = await startSupervdsmdProcess({
    ...(wrapper === undefined ? {} : { wrapper }),
    startTimeoutMs: 20_000,
  });
  let exited = false;
  void daemon.exited.then(() => {
    exited = true;
  });
  return {
    socket: daemon.socket,
    repository: daemon.repository,
    pid: daemon.pid,
    exited: () => exited,
    // stop() removes the temp dir mount-safely: a hostile mount that got through never loses the host's files.
    stop: async () => {
      await daemon.stop();
    },
  };
}

/** Sends one probe on a fresh connection; what came back, or 'hang'. */
async function send(socketPath: string, probe: Probe): Promise<{ responses: Response[]; closed: boolean } | 'hang'> {
  const socket = connect(socketPath);
  const decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  const responses: Response[] = [];
  let closed = false;
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  socket.on('data', (chunk: Buffer) => {
    for (const body of decoder.push(chunk)) responses.push(JSON.parse(body.toString()) as Response);
    if (probe.expect === 'answer' && responses.length > 0) settle();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    settle();
  });
  socket.on('connect', () => {
    socket.write(probe.bytes);
    // Framing probes and short frames: the caller goes away; the daemon must notice and drop the connection.
    if (probe.expect !== 'answer') socket.end();
  });
  const timer = setTimeout(settle, PROBE_DEADLINE_MS);
  await settled;
  clearTimeout(timer);
  const done = closed || responses.length > 0;
  socket.destroy();
  return done ? { responses, closed } : 'hang';
}

/** Runs `requests` probes against `daemon` (or a daemon of its own) and reports. */
export async function runFuzz(options: { requests: number; seed?: number; daemon?: LiveDaemon }): Promise<FuzzReport> {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const daemon = options.daemon ?? (await startFuzzDaemon());
  const started = performance.now();
  try {
    const root = await readFile('/proc/self/mountinfo', 'utf8');
    const rootSource = root
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[4] === '/')
      ?.at(-2);
    const hostDevice = rootSource?.startsWith('/dev/') ? rootSource : '/dev/vda';
    const sample = fc.sample(probes({ repository: daemon.repository, hostDevice }), {
      numRuns: options.requests,
      seed,
    });
    const byClass: Record<ProbeClass, number> = { framing: 0, oversize: 0, short: 0, json: 0, request: 0, mount: 0 };
    const codes: Record<string, number> = {};
    const examples: string[] = [];
    let answered = 0;
    let closed = 0;
    let hangs = 0;
    let accepted = 0;
    const rssStart = await rssKiB(daemon.pid);
    let rssMax = rssStart;
    for (const [i, probe] of sample.entries()) {
      if (daemon.exited()) break;
      byClass[probe.kind]++;
      const outcome = await send(daemon.socket, probe);
      if (outcome === 'hang') {
        hangs++;
        if (examples.length < 10) examples.push(`hang: ${probe.kind} ${probe.bytes.subarray(0, 200).toString('hex')}`);
        continue;
      }
      if (outcome.closed) closed++;
      for (const r of outcome.responses) {
        answered++;
        const code = r.ok ? 'ok' : r.error.code;
        codes[code] = (codes[code] ?? 0) + 1;
        if (r.ok && mutates(probe.op)) {
          accepted++;
          if (examples.length < 10) examples.push(`accepted: ${probe.bytes.subarray(4, 400).toString()}`);
        }
      }
      if (i % 50 === 0) rssMax = Math.max(rssMax, await rssKiB(daemon.pid));
    }
    const rssEnd = await rssKiB(daemon.pid);
    return {
      name: 'supervdsm-fuzz',
      requests: options.requests,
      seed,
      byClass,
      answered,
      closed,
      crashes: daemon.exited() ? 1 : 0,
      hangs,
      accepted,
      examples,
      codes,
      rssKiB: { start: rssStart, end: rssEnd, max: Math.max(rssMax, rssEnd) },
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    if (options.daemon === undefined) await daemon.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string' }, seed: { type: 'string' } } });
  const requests = Number(values.requests ?? 1000);
  if (!Number.isInteger(requests) || requests < 1) throw new Error('--requests must be a positive integer');
  if (process.getuid?.() !== 0) throw new Error('the supervdsm fuzzer starts supervdsmd, which must run as root');
  const report = await runFuzz({
    requests,
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = report.crashes > 0 || report.hangs > 0 || report.accepted > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
