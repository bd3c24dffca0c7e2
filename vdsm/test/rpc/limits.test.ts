/**
 * Bounded resources on the wire (issue #14 item 4-6), against a real vdsmd process: a huge batch, many large
 * bodies at once, a connection flood, idle sessions and a deeply nested id. Each test states the rule it shows.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startVdsmdProcess, type VdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import WebSocket from 'ws';
import { apiDispatcher } from '../api/api-dispatcher.js';
import { quietLogging, RawPeer, startTestServer, TrivialEndpoint, testConfig } from './helpers.js';

const REQUESTS = 'jms.topic.vdsm_requests';

function sendFrame(body: string | Buffer, replyTo: string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([
    Buffer.from(
      `SEND\ndestination:${REQUESTS}\ncontent-type:application/json\nreply-to:${replyTo}\ncontent-length:${bytes.length}\n\n`,
    ),
    bytes,
    Buffer.from([0]),
  ]);
}
const subscribe = (destination: string, id = 's') => `SUBSCRIBE\ndestination:${destination}\nack:auto\nid:${id}\n\n\0`;
const ping = (id: string) => `[{"jsonrpc": "2.0", "method": "Host.ping2", "params": {}, "id": "${id}"}]`;

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? Number.NaN) / 1024;
}

async function daemon(
  t: { teardown(fn: () => unknown): void },
  rpc: Record<string, number> = {},
): Promise<VdsmdProcess> {
  const d = await startVdsmdProcess({ config: { rpc, logging: { level: 'info' } } });
  t.teardown(() => d.stop());
  return d;
}

/** A peer that pings every `everyMs` and records each round trip, until stopped. */
async function pinger(port: number, everyMs: number) {
  const peer = await RawPeer.connect(port);
  peer.write(`CONNECT\naccept-version:1.2\n\n\0${subscribe('pq')}`);
  await peer.waitForText('CONNECTED');
  const rtts: number[] = [];
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const id = `p${n++}`;
      const t0 = performance.now();
      peer.write(sendFrame(ping(id), 'pq'));
      await peer.waitForText(`"${id}"`, 10_000);
      rtts.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    rtts,
    async stop() {
      running = false;
      await loop;
      peer.destroy();
    },
  };
}

t.test('a batch of 1M ping2 gets one error within a second; another client stays under 50 ms', async (t) => {
  const d = await daemon(t);
  const pid = d.pid as number;
  const rssBefore = status(pid, 'VmRSS');
  const parts: string[] = new Array(1_000_000);
  for (let i = 0; i < parts.length; i++) parts[i] = `{"jsonrpc":"2.0","method":"Host.ping2","params":{},"id":${i}}`;
  const frame = sendFrame(`[${parts.join(',')}]`, 'bq');
  t.ok(
    frame.length > 55_000_000 && frame.length < 64 * 1024 * 1024,
    `the batch is ${(frame.length / 1e6).toFixed(1)} MB`,
  );
  const bad = await RawPeer.connect(d.port);
  t.teardown(() => bad.destroy());
  bad.write(subscribe('bq'));
  // the batch is built before the pings start: this process must not stall the pinger itself
  const good = await pinger(d.port, 5);
  // a quiet second first: how slow this machine's pings are without the batch
  await new Promise((r) => setTimeout(r, 1000));
  const quiet = good.rtts.splice(0);
  const sentAt = await new Promise<number>((resolve) => bad.socket.write(frame, () => resolve(performance.now())));
  await bad.waitForFrames(1, 10_000);
  const answeredMs = performance.now() - sentAt;
  await good.stop();
  const reply = JSON.parse(bad.frames[0]?.body.toString() ?? '');
  t.match(reply, { id: null, error: { code: -32600, message: /batch of more than 100 requests/ } }, 'one clear error');
  t.ok(answeredMs < 1000, `answered ${answeredMs.toFixed(0)} ms after the last byte left`);
  const worst = Math.max(...good.rtts);
  const quietWorst = Math.max(...quiet);
  t.ok(good.rtts.length >= 5, `${good.rtts.length} pings while the batch was sent and answered`);
  // the bound is 50 ms; on a loaded machine (other tests, other helpers) the pings' own scheduling noise can pass
  // that without any stall in vdsmd, so twice the worst quiet ping is allowed too. Before the fix: 5.2 s.
  t.ok(
    worst < Math.max(50, 2 * quietWorst),
    `the other client's slowest ping2 took ${worst.toFixed(1)} ms (slowest of ${quiet.length} before the batch: ${quietWorst.toFixed(1)} ms)`,
  );
  const lines = d
    .log()
    .split('\n')
    .filter((l) => l.includes('batch too large')).length;
  t.ok(lines <= 1, `${lines} log line(s) for it`);
  t.comment(`vdsmd RSS ${rssBefore.toFixed(0)} MB before, peak ${status(pid, 'VmHWM').toFixed(0)} MB`);
  // and it still serves that client
  bad.write(sendFrame(ping('after'), 'bq'));
  await bad.waitForText('"after"');
});

t.test('8 concurrent 50 MB bodies stay within the server-wide body budget', async (t) => {
  // rule: body_budget_mb = 128 holds two 50 MB bodies; a frame that does not fit gets a STOMP ERROR and is closed
  const d = await daemon(t, { body_budget_mb: 128 });
  const pid = d.pid as number;
  const rssBefore = status(pid, 'VmRSS');
  const pad = 'x'.repeat(50 * 1024 * 1024);
  const peers = await Promise.all(Array.from({ length: 8 }, () => RawPeer.connect(d.port)));
  t.teardown(() => {
    for (const p of peers) p.destroy();
  });
  const frames = peers.map((_, i) =>
    sendFrame(`[{"jsonrpc": "2.0", "method": "Host.ping2", "params": {"pad": "${pad}"}, "id": "big-${i}"}]`, `q${i}`),
  );
  peers.forEach((p, i) => {
    p.write(subscribe(`q${i}`));
    p.write(frames[i] as Buffer);
  });
  await Promise.all(
    peers.map((p) =>
      waitUntil(() => p.frames.length > 0 || p.isClosed, {
        timeoutMs: 60_000,
        what: 'an answer',
        wakeOn: { emitter: p.socket, events: ['data', 'close'] },
      }),
    ),
  );
  const answered = peers.filter((p, i) => p.frames[0]?.command === 'MESSAGE' && p.received.includes(`"big-${i}"`));
  const refused = peers.filter(
    (p) => p.frames[0]?.command === 'ERROR' && p.frames[0].body.toString().includes('server-wide budget'),
  );
  t.equal(answered.length + refused.length, 8, `${answered.length} answered, ${refused.length} refused with an ERROR`);
  t.ok(answered.length >= 1 && answered.length <= 4, 'some fit, the rest did not');
  const peak = status(pid, 'VmHWM');
  // a body in flight costs up to three times its size (bytes, UTF-16-free string, parsed value): 128 MB budget
  t.ok(peak - rssBefore < 3 * 128 + 64, `vdsmd peak RSS ${peak.toFixed(0)} MB (${rssBefore.toFixed(0)} MB before)`);
  // the budget is given back: one more 50 MB request fits now
  const again = await RawPeer.connect(d.port);
  t.teardown(() => again.destroy());
  again.write(subscribe('qa'));
  again.write(
    sendFrame(`[{"jsonrpc": "2.0", "method": "Host.ping2", "params": {"pad": "${pad}"}, "id": "again"}]`, 'qa'),
  );
  await again.waitForText('"again"', 30_000);
});

/** Opens a connection from `localAddress`, sends CONNECT, resolves with what the server said first. */
function attempt(port: number, localAddress: string): Promise<{ socket: Socket; admitted: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let text = '';
    socket.on('error', () => {});
    socket.once('connect', () => socket.write('CONNECT\naccept-version:1.2\n\n\0'));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\0')) resolve({ socket, admitted: text.startsWith('CONNECTED'), text });
    });
    socket.once('close', () => {
      if (!text.includes('\0'))
        reject(new Error(`closed without a frame from ${localAddress}: ${JSON.stringify(text)}`));
    });
  });
}

t.test('20,000 idle sessions cannot lock out the engine (limits configured low to fit the machine)', async (t) => {
  // rule: max_connections_per_peer = 1000, max_connections = 1500; at the total, a peer holding fewer than 8
  // connections evicts the least active one of the busiest peer. The machine's open-files limit is 20,000 for
  // this test process and vdsmd alike, so the real-size limits (4000 / 1000 under 20,000) are scaled down.
  const d = await daemon(t, { max_connections: 1500, max_connections_per_peer: 1000 });
  const held: Socket[] = [];
  t.teardown(() => {
    for (const s of held) s.destroy();
  });
  const tally = { admitted: new Map<string, number>(), peer: 0, total: 0 };
  const flood = async (from: string, n: number) => {
    for (let done = 0; done < n; done += 500) {
      const results = await Promise.all(Array.from({ length: Math.min(500, n - done) }, () => attempt(d.port, from)));
      for (const r of results) {
        if (r.admitted) {
          held.push(r.socket);
          tally.admitted.set(from, (tally.admitted.get(from) ?? 0) + 1);
          continue;
        }
        if (r.text.includes('Too many connections from this address')) tally.peer++;
        else if (r.text.includes('Too many connections to this host')) tally.total++;
        r.socket.destroy();
      }
    }
  };
  await flood('127.0.0.1', 10_000);
  await flood('127.0.0.3', 10_000);
  t.equal(tally.admitted.get('127.0.0.1'), 1000, 'the first flooding peer holds its 1000');
  t.equal(tally.admitted.get('127.0.0.3'), 500, 'the second fills the total');
  t.equal(tally.peer + tally.total, 18_500, `refused with a STOMP ERROR: ${tally.peer} per peer, ${tally.total} total`);
  t.ok(tally.total > 0 && tally.peer > 0, 'both limits applied');

  const real = await RawPeer.connect(d.port, '127.0.0.1', { localAddress: '127.0.0.2' });
  t.teardown(() => real.destroy());
  real.write(`${subscribe('jms.topic.vdsm_responses')}CONNECT\naccept-version:1.2\nheart-beat:10000,10000\n\n\0`);
  real.write(sendFrame(ping('engine-1'), 'jms.topic.vdsm_responses'));
  await real.waitForText('"engine-1"', 10_000);
  t.pass('the engine from another address is served while 1500 idle sessions are held');
  const logs = d
    .log()
    .split('\n')
    .filter((l) => l.includes('connection refused: limit reached')).length;
  t.ok(logs >= 1 && logs < 100, `${logs} log lines for ${tally.peer + tally.total} refusals (rate limited)`);
});

t.test('a session without heart-beats is closed after the idle timeout; busy or beating ones are not', async (t) => {
  const endpoint = new TrivialEndpoint();
  const { port } = await startTestServer(t, endpoint, { limits: { idleTimeoutMs: 400 } });
  const idle = await RawPeer.connect(port);
  const beating = await RawPeer.connect(port);
  const busy = await RawPeer.connect(port);
  t.teardown(() => {
    for (const p of [idle, beating, busy]) p.destroy();
  });
  idle.write('CONNECT\naccept-version:1.2\nheart-beat:0,24000\n\n\0');
  beating.write('CONNECT\naccept-version:1.2\nheart-beat:1000,0\n\n\0');
  const beat = setInterval(() => beating.write('\n'), 200);
  t.teardown(() => clearInterval(beat));
  busy.write(`${subscribe('bq')}`);
  busy.write(sendFrame(JSON.stringify({ jsonrpc: '2.0', method: 'Test.hold', id: 'h' }), 'bq'));
  const started = Date.now();
  await idle.waitClosed(5000);
  t.ok(Date.now() - started >= 350, 'closed after about the idle timeout');
  t.match(idle.received.toString(), /ERROR\n.*\n\nConnection idle too long/, 'with an ERROR saying why');
  await new Promise((r) => setTimeout(r, 600));
  t.notOk(beating.isClosed, 'a heart-beating session stays');
  t.notOk(busy.isClosed, 'a session with a request in flight stays');
  endpoint.release();
  await busy.waitForText('"h"');
  await busy.waitClosed(5000);
  t.pass('and once its request is answered, the idle rule applies again');
});

t.test('a request whose id is nested 100,000 deep is answered with that id', async (t) => {
  const api = apiDispatcher({ config: testConfig(), logging: quietLogging() });
  api.setReady(true);
  t.teardown(() => api.close());
  const { port } = await startTestServer(t, api);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  const id = `${'['.repeat(100_000)}"deep"${']'.repeat(100_000)}`;
  peer.write(subscribe('q'));
  peer.write(sendFrame(`{"jsonrpc": "2.0", "method": "Host.ping2", "params": {}, "id": ${id}}`, 'q'));
  await peer.waitForFrames(1, 10_000);
  const body = peer.frames[0]?.body.toString() ?? '';
  t.equal(body, `{"jsonrpc":"2.0","id":${id},"result":true}`, 'the reply echoes the id as it came');
});

t.test('WebSocket clients get the same batch limit and body budget', async (t) => {
  const config = testConfig((c) => {
    (c.rpc as unknown as Record<string, unknown>).body_budget_mb = 1;
  });
  const api = apiDispatcher({ config, logging: quietLogging() });
  api.setReady(true);
  t.teardown(() => api.close());
  const { port, server } = await startTestServer(t, api, { config });
  t.equal(server.budget.limit, 1024 * 1024, 'the budget comes from [rpc] body_budget_mb');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  t.teardown(() => ws.terminate());
  await new Promise((r) => ws.once('open', r));
  const messages: string[] = [];
  ws.on('message', (d: Buffer) => messages.push(d.toString()));
  const batch = Array.from({ length: 101 }, (_, i) => `{"jsonrpc":"2.0","method":"Host.ping2","params":{},"id":${i}}`);
  ws.send(`[${batch.join(',')}]`);
  await waitUntil(() => messages.length === 1, {
    timeoutMs: 5000,
    what: 'the batch error',
    wakeOn: { emitter: ws, events: ['message'] },
  });
  t.match(JSON.parse(messages[0] ?? ''), { id: null, error: { code: -32600, message: /batch of more than 100/ } });
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.send(`[{"jsonrpc":"2.0","method":"Host.ping2","params":{"pad":"${'x'.repeat(2 * 1024 * 1024)}"},"id":"big"}]`);
  t.equal(await closed, 1013, 'a message over the budget closes with 1013 (try again later)');
});
