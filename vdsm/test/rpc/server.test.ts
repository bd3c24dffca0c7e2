import { once } from 'node:events';
import { connect } from 'node:net';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import WebSocket from 'ws';
import { notifyTime, startRpcServer } from '../../src/rpc/server/index.js';
import { apiDispatcher } from '../api/api-dispatcher.js';
import { quietLogging, RawPeer, startTestServer, TrivialEndpoint, testConfig } from './helpers.js';

const REPLY_Q = '4b0f1c2e-9a7d-4c55-8e21-6f3a9d0b7c11';
const SUB_ID = 'd3a6e9f0-1b2c-4d5e-8f70-a1b2c3d4e5f6';
const REQ_ID = '8c0f3e52-6a1b-4a39-9d7e-3b0c6f1e2a44';
const CONNECT = 'CONNECT\naccept-version:1.2\nheart-beat:0,24000\n\n\0';
const SUBSCRIBE = `SUBSCRIBE\ndestination:${REPLY_Q}\nack:auto\nid:${SUB_ID}\n\n\0`;
const PING_BODY = `[{"jsonrpc": "2.0", "method": "Host.ping2", "params": {}, "id": "${REQ_ID}"}]`;
const SEND = `SEND\ndestination:jms.topic.vdsm_requests\ncontent-type:application/json\nreply-to:${REPLY_Q}\ncontent-length:104\n\n${PING_BODY}\0`;
const CONNECTED = 'CONNECTED\nversion:1.2\nheart-beat:24000,0\n\n\0';
const REPLY = `MESSAGE\ndestination:${REPLY_Q}\ncontent-type:application/json\nsubscription:${SUB_ID}\ncontent-length:80\n\n{"jsonrpc": "2.0", "id": "${REQ_ID}", "result": true}\0`;

function send(destination: string, body: string, extra = ''): string {
  return `SEND\ndestination:${destination}\n${extra}content-length:${Buffer.byteLength(body)}\n\n${body}\0`;
}
function subscribe(destination: string, id: string): string {
  return `SUBSCRIBE\ndestination:${destination}\nack:auto\nid:${id}\n\n\0`;
}
function request(method: string, id: unknown, params: unknown = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params, id });
}

/** Proves that everything sent before has been handled: a ping round trip on the same connection. */
async function barrier(peer: RavPeerLike, queue: string, id = 'barrier'): Promise<void> {
  peer.write(send('jms.topic.vdsm_requests', request('Host.ping2', id), `reply-to:${queue}\n`));
  await peer.waitForText(`"${id}"`);
}
type RavPeerLike = Pick<RawPeer, 'write' | 'waitForText'>;

/** Waits (polling each turn of the event loop, with a deadline) until the endpoint holds `n` requests. */
async function untilHeld(endpoint: TrivialEndpoint, n: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (endpoint.heldCount < n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} held requests`);
    await new Promise((r) => setImmediate(r));
  }
}

t.test('section 3: the vdsm-client Host.ping2 exchange, byte for byte', async (t) => {
  const { port } = await startTestServer(t);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write(CONNECT + SUBSCRIBE);
  await peer.waitForText(CONNECTED);
  t.equal(peer.received.toString(), CONNECTED);
  peer.write(SEND);
  await peer.waitForText(REPLY);
  t.equal(peer.received.toString(), CONNECTED + REPLY, 'exactly CONNECTED then the MESSAGE');
});

t.test('section 3 through the real API endpoint (apiDispatcher)', async (t) => {
  const config = testConfig();
  const logging = quietLogging();
  const api = apiDispatcher({ config, logging });
  t.teardown(() => api.close());
  const { port } = await startTestServer(t, api);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write(CONNECT + SUBSCRIBE + SEND);
  await peer.waitForFrames(2);
  const reply = peer.frames[1];
  t.equal(reply?.command, 'MESSAGE');
  t.match(
    JSON.parse(reply?.body.toString() ?? ''),
    { id: REQ_ID, error: { code: 99 } },
    'code 99 until ready (quirk 11)',
  );
  api.setReady(true);
  peer.write(SEND);
  await peer.waitForFrames(3);
  const body = peer.frames[2]?.body.toString() ?? '';
  t.same(JSON.parse(body), { jsonrpc: '2.0', id: REQ_ID, result: true });
  // the endpoint owns the JSON text; the frame around it must be byte-exact
  const frame = `MESSAGE\ndestination:${REPLY_Q}\ncontent-type:application/json\nsubscription:${SUB_ID}\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`;
  t.equal(
    peer.received.subarray(peer.received.length - Buffer.byteLength(frame)).toString(),
    frame,
    'byte-exact frame',
  );
});

t.test(
  'quirk 1 (changed): a reply goes to every subscription of its reply-to on the requesting connection only',
  async (t) => {
    const { port } = await startTestServer(t);
    const a = await RawPeer.connect(port);
    const b = await RawPeer.connect(port);
    t.teardown(() => {
      a.destroy();
      b.destroy();
    });
    a.write(subscribe('shared', 'sub-a1') + subscribe('shared', 'sub-a2'));
    b.write(subscribe('shared', 'sub-b') + subscribe('jms.topic', 'prefix-b'));
    await barrier(b, 'shared', 'b-ready');
    a.write(send('jms.topic.vdsm_requests', request('Test.echo', 'x1', { v: 1 }), 'reply-to:shared\n'));
    await a.waitForFrames(2);
    t.same(
      a.frames.map((f) => [f.headers.get('subscription'), f.headers.get('destination')]),
      [
        ['sub-a1', 'shared'],
        ['sub-a2', 'shared'],
      ],
      'each of the requester subscriptions on the reply-to, with its own id',
    );
    await barrier(b, 'shared', 'b-after');
    t.notOk(b.received.includes('"x1"'), 'the other connection got neither the reply nor the SEND');
    t.equal(b.frames.length, 2, 'b got only its own two barrier replies');
  },
);

t.test('quirk 2: without reply-to the reply is dropped', async (t) => {
  const endpoint = new TrivialEndpoint();
  const { port } = await startTestServer(t, endpoint);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write(subscribe('jms.topic.vdsm_responses', 's1') + subscribe('q', 's2'));
  peer.write(send('jms.topic.vdsm_requests', request('Host.ping2', 'lost')));
  await barrier(peer, 'q');
  t.equal(endpoint.handled.length, 2, 'both requests ran');
  t.notOk(peer.received.includes('"lost"'), 'no reply anywhere, not even on jms.topic.vdsm_responses');
});

t.test('quirk 3 (fixed): equal ids from two clients do not cross replies', async (t) => {
  const endpoint = new TrivialEndpoint();
  const { port } = await startTestServer(t, endpoint);
  const a = await RawPeer.connect(port);
  const b = await RawPeer.connect(port);
  t.teardown(() => {
    a.destroy();
    b.destroy();
  });
  a.write(
    subscribe('qa', '1') + send('jms.topic.vdsm_requests', request('Test.hold', 7, { from: 'a' }), 'reply-to:qa\n'),
  );
  b.write(
    subscribe('qb', '1') + send('jms.topic.vdsm_requests', request('Test.hold', 7, { from: 'b' }), 'reply-to:qb\n'),
  );
  await untilHeld(endpoint, 2);
  t.equal(endpoint.heldCount, 2);
  endpoint.release();
  await a.waitForFrames(1);
  await b.waitForFrames(1);
  t.match(JSON.parse(a.frames[0]?.body.toString() ?? ''), { id: 7, result: { from: 'a' } });
  t.match(JSON.parse(b.frames[0]?.body.toString() ?? ''), { id: 7, result: { from: 'b' } });
});

t.test('quirk 4: accept-version must be exactly 1.2; ERROR in the body, socket stays open', async (t) => {
  const { port } = await startTestServer(t);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  const error = 'ERROR\ncontent-length:19\n\nVersion unsupported\0';
  peer.write('CONNECT\naccept-version:1.1,1.2\n\n\0');
  await peer.waitForText(error);
  peer.write('CONNECT\nhost:x\n\n\0');
  await peer.waitForFrames(2);
  t.equal(peer.received.toString(), error + error, 'missing accept-version too; no message header (quirk 7)');
  peer.write('CONNECT\naccept-version:1.2\n\n\0');
  await peer.waitForText('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
  t.notOk(peer.isClosed);
});

t.test('quirk 5: heart-beats are swapped, clamped to 1000 ms, and silence hangs up', async (t) => {
  const { port } = await startTestServer(t);
  const beats = await RawPeer.connect(port);
  t.teardown(() => beats.destroy());
  beats.write('CONNECT\naccept-version:1.2\nheart-beat:0,10\n\n\0');
  const connected = 'CONNECTED\nversion:1.2\nheart-beat:1000,0\n\n\0';
  await beats.waitForText(`${connected}\n`, 5000);
  t.equal(beats.received.toString(), `${connected}\n`, 'a bare LF after 1 s of server silence');

  const silent = await RawPeer.connect(port);
  t.teardown(() => silent.destroy());
  silent.write('CONNECT\naccept-version:1.2\nheart-beat:5,junk\n\n\0');
  await silent.waitForText('heart-beat:0,1000\n');
  const started = Date.now();
  await silent.waitClosed(5000);
  t.ok(Date.now() - started >= 900, 'closed after about 1 s without input');

  const odd = await RawPeer.connect(port);
  t.teardown(() => odd.destroy());
  odd.write('CONNECT\naccept-version:1.2\nheart-beat:7000\n\n\0');
  await odd.waitForText('heart-beat:0,0\n', 5000);
  t.pass('a heart-beat without a comma is 0,0');
});

t.test(
  'quirk 6: unknown commands, decode errors, SEND without destination, DISCONNECT without receipt close',
  async (t) => {
    const { port } = await startTestServer(t);
    const cases = [
      ['STOMP', 'CONNECT\naccept-version:1.2\n\n\0STOMP\naccept-version:1.2\n\n\0'],
      ['ACK', 'SUBSCRIBE\ndestination:a\nid:1\n\n\0ACK\nid:1\n\n\0'],
      ['BEGIN', 'SUBSCRIBE\ndestination:a\nid:1\n\n\0BEGIN\ntransaction:1\n\n\0'],
      ['decode error', 'SUBSCRIBE\ndestination:a:b\nid:1\n\n\0'],
      ['SEND without destination', 'SEND\ncontent-length:2\n\n{}\0'],
      ['DISCONNECT without receipt', 'DISCONNECT\n\n\0'],
      ['MESSAGE from a client', 'MESSAGE\ndestination:x\n\n\0'],
    ];
    for (const [name, wire] of cases) {
      const peer = await RawPeer.connect(port);
      peer.write(wire as string);
      await peer.waitClosed();
      t.notOk(peer.received.includes('ERROR'), `${name}: closed without ERROR`);
    }
  },
);

t.test(
  'quirk 7: DISCONNECT with receipt gets RECEIPT and the connection stays; other receipts are ignored',
  async (t) => {
    const { port } = await startTestServer(t);
    const peer = await RawPeer.connect(port);
    t.teardown(() => peer.destroy());
    peer.write('SUBSCRIBE\ndestination:q\nid:1\nreceipt:no\n\n\0DISCONNECT\nreceipt:r-1\n\n\0');
    await peer.waitForText('RECEIPT\nreceipt-id:r-1\n\n\0');
    t.equal(peer.received.toString(), 'RECEIPT\nreceipt-id:r-1\n\n\0');
    await barrier(peer, 'q');
    t.notOk(peer.isClosed);
  },
);

t.test('quirk 8 (changed): SEND to anything but a request queue gets an ERROR and reaches nobody', async (t) => {
  const { port } = await startTestServer(t);
  const peer = await RawPeer.connect(port);
  const other = await RawPeer.connect(port);
  t.teardown(() => {
    peer.destroy();
    other.destroy();
  });
  other.write(subscribe('somebody', 's'));
  await barrier(other, 'somebody');
  const refused =
    'ERROR\ncontent-length:74\n\nDestination does not accept messages from clients (only request queues do)\0';
  peer.write(send('nobody.here', '{}'));
  await peer.waitForText(refused);
  peer.write(subscribe('mine', 's') + send('mine', 'hello') + send('somebody', 'hello'));
  await peer.waitForFrames(3);
  t.same(
    peer.frames.map((f) => f.command),
    ['ERROR', 'ERROR', 'ERROR'],
    'not even to its own subscription, nor another client',
  );
  await barrier(peer, 'mine');
  await barrier(other, 'somebody', 'again');
  t.notOk(other.received.includes('hello'), 'the subscriber of that destination got nothing');
  t.notOk(peer.isClosed, 'the connection stays open');
});

t.test('quirk 9: CONNECT is optional and pipelined frames in one write are all served', async (t) => {
  const endpoint = new TrivialEndpoint();
  const { port } = await startTestServer(t, endpoint);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write(
    subscribe('q', 's') +
      send('jms.topic.vdsm_requests', request('Host.ping2', 'p1'), 'reply-to:q\novirtCorrelationId:flow-9\n') +
      send('jms.topic.vdsm_irs_requests', request('Host.ping2', 'p2'), 'reply-to:q\n') +
      send('jms.topic.vdsm_requests.sub', request('Host.ping2', 'p3'), 'reply-to:q\n'),
  );
  await peer.waitForFrames(3);
  t.same(
    peer.frames.map((f) => JSON.parse(f.body.toString()).id),
    ['p1', 'p2', 'p3'],
    'both request queues and <queue>.* are requests',
  );
  t.equal(endpoint.handled[0]?.context.flowId, 'flow-9', 'ovirtCorrelationId is the flow id');
  t.equal(endpoint.handled[0]?.context.transport, 'stomp');
});

t.test(
  'quirk 10 (fixed): a batch of two gets an array; an id-less request gets nothing and harms nothing',
  async (t) => {
    const { port } = await startTestServer(t);
    const peer = await RawPeer.connect(port);
    t.teardown(() => peer.destroy());
    const batch = `[${request('Host.ping2', 'b1')}, ${request('Host.ping2', 'b2')}]`;
    peer.write(subscribe('q', 's') + send('jms.topic.vdsm_requests', batch, 'reply-to:q\n'));
    await peer.waitForFrames(1);
    t.same(
      JSON.parse(peer.frames[0]?.body.toString() ?? '').map((r: { id: string }) => r.id),
      ['b1', 'b2'],
    );
    peer.write(
      send('jms.topic.vdsm_requests', JSON.stringify({ jsonrpc: '2.0', method: 'Host.ping2' }), 'reply-to:q\n'),
    );
    await barrier(peer, 'q');
    t.equal(peer.frames.length, 2, 'only the barrier reply came');
  },
);

t.test('quirk 13: detection needs 11 bytes within the timeout; a leading LF or STOMP fails it', async (t) => {
  const { port } = await startTestServer(t, new TrivialEndpoint(), { detectTimeoutMs: 300 });
  for (const [name, wire] of [
    ['leading LF', '\nCONNECT\naccept-version:1.2\n\n\0'],
    ['STOMP', 'STOMP\naccept-version:1.2\n\n\0'],
    ['garbage', 'HELLO WORLD, how are you'],
    ['too short', 'SEND\n'],
  ]) {
    const peer = await RawPeer.connect(port);
    peer.write(wire as string);
    await peer.waitClosed();
    t.equal(peer.received.length, 0, `${name}: closed without a word`);
  }
});

t.test('SUBSCRIBE / UNSUBSCRIBE errors', async (t) => {
  const { port } = await startTestServer(t);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write('SUBSCRIBE\nid:1\n\n\0');
  await peer.waitForText('Missing destination or subscription id header');
  peer.write(subscribe('q', '1') + subscribe('q2', '1'));
  await peer.waitForText('Subscription id already exists');
  peer.write('UNSUBSCRIBE\n\n\0');
  await peer.waitForText('Missing id header');
  peer.write('UNSUBSCRIBE\nid:unknown\n\n\0UNSUBSCRIBE\nid:1\n\n\0');
  peer.write(subscribe('q3', '1'));
  await barrier(peer, 'q3');
  t.same(
    peer.frames.map((f) => f.command),
    ['ERROR', 'ERROR', 'ERROR', 'MESSAGE'],
    'unknown id ignored; the id is free again after UNSUBSCRIBE',
  );
});

t.test('oversized frames close the connection; others are not disturbed', async (t) => {
  const { port } = await startTestServer(t, new TrivialEndpoint(), { limits: { maxFrameSize: 4096 } });
  const good = await RawPeer.connect(port);
  const bad = await RawPeer.connect(port);
  t.teardown(() => {
    good.destroy();
    bad.destroy();
  });
  good.write(subscribe('q', 's'));
  bad.write(`SEND\ndestination:jms.topic.vdsm_requests\ncontent-length:100000\n\n${'x'.repeat(5000)}`);
  await bad.waitClosed();
  const endless = await RawPeer.connect(port);
  endless.write(`SEND\ndestination:jms.topic.vdsm_requests\n\n${'y'.repeat(10000)}`);
  await endless.waitClosed();
  await barrier(good, 'q');
  t.pass('the other client still gets replies');
});

t.test('half-closed socket: replies still arrive, then the server closes', async (t) => {
  const endpoint = new TrivialEndpoint();
  const { port } = await startTestServer(t, endpoint);
  const peer = await RawPeer.connect(port, '127.0.0.1', { allowHalfOpen: true });
  t.teardown(() => peer.destroy());
  peer.write(subscribe('q', 's') + send('jms.topic.vdsm_requests', request('Test.hold', 'h'), 'reply-to:q\n'));
  peer.socket.end();
  await untilHeld(endpoint, 1);
  endpoint.release();
  await peer.waitForText('"h"');
  await peer.waitClosed();
  t.pass('reply delivered after the client half-closed');
});

t.test('a client that vanishes mid-request harms nobody', async (t) => {
  const endpoint = new TrivialEndpoint();
  const { port, server } = await startTestServer(t, endpoint);
  const gone = await RawPeer.connect(port);
  gone.write(
    subscribe('gone-q', 's') + send('jms.topic.vdsm_requests', request('Test.hold', 'g'), 'reply-to:gone-q\n'),
  );
  await untilHeld(endpoint, 1);
  gone.destroy();
  await gone.waitClosed();
  const other = await RawPeer.connect(port);
  t.teardown(() => other.destroy());
  endpoint.release();
  other.write(subscribe('q2', 's'));
  await barrier(other, 'q2');
  t.equal(server.connectionCount(), 1);
});

t.test('slow reader: pipelined requests while not reading all get answered once it reads', async (t) => {
  const { port } = await startTestServer(t, new TrivialEndpoint(), {
    limits: { highWaterMark: 4096, maxInFlight: 8 },
  });
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.socket.pause();
  const n = 3000;
  let wire = subscribe('q', 's');
  for (let i = 0; i < n; i++) wire += send('jms.topic.vdsm_requests', request('Host.ping2', i), 'reply-to:q\n');
  peer.write(wire);
  peer.socket.resume();
  await peer.waitForFrames(n, 20000);
  t.equal(peer.frames.length, n);
  t.equal(JSON.parse(peer.frames[n - 1]?.body.toString() ?? '').id, n - 1, 'in order');
});

t.test('slow reader: a subscriber that never reads is dropped, others keep their events', async (t) => {
  const { port, server } = await startTestServer(t, new TrivialEndpoint(), {
    limits: { highWaterMark: 4096, maxBuffered: 256 * 1024 },
  });
  const stuck = await RawPeer.connect(port);
  const fine = await RawPeer.connect(port);
  t.teardown(() => {
    stuck.destroy();
    fine.destroy();
  });
  stuck.write(subscribe('jms.queue.events', 'e') + subscribe('sq', 's'));
  fine.write(subscribe('jms.queue.events', 'e') + subscribe('fq', 's'));
  await barrier(stuck, 'sq');
  await barrier(fine, 'fq');
  stuck.socket.pause();
  const payload = 'z'.repeat(64 * 1024);
  let sent = 0;
  // the kernel buffers several MB per socket before the server's own queue grows
  while (server.connectionCount() === 2 && sent < 2000) {
    server.events.publish('|test|big|', { payload, n: sent++ });
    await new Promise((r) => setImmediate(r));
  }
  t.equal(server.connectionCount(), 1, 'the server dropped the stuck client');
  await fine.waitForFrames(sent + 1, 20000);
  t.match(fine.frames[sent]?.body.toString() ?? '', `"n":${sent - 1},`, 'the other client got every event');
  t.ok(sent < 2000, `dropped after ${sent} events of 64 KiB`);
});

t.test('events: built once, notify_time from the monotonic clock, only to jms.queue.events subscribers', async (t) => {
  const { port, server } = await startTestServer(t);
  const sub = await RawPeer.connect(port);
  const other = await RawPeer.connect(port);
  t.teardown(() => {
    sub.destroy();
    other.destroy();
  });
  sub.write(subscribe('jms.queue.events', 'ev') + subscribe('q1', 's'));
  other.write(subscribe('jms.queue', 'prefix') + subscribe('q2', 's'));
  await barrier(sub, 'q1');
  await barrier(other, 'q2');
  const before = notifyTime();
  server.events.publish('|virt|VM_status|abc', { abc: { status: 'Up' } });
  await sub.waitForFrames(2);
  const ev = sub.frames[1];
  t.same(
    [...(ev?.headers ?? [])].map(([n]) => n),
    ['destination', 'content-type', 'subscription', 'content-length'],
  );
  t.equal(ev?.headers.get('destination'), 'jms.queue.events');
  t.equal(ev?.headers.get('subscription'), 'ev');
  const body = JSON.parse(ev?.body.toString() ?? '');
  t.same(Object.keys(body), ['jsonrpc', 'method', 'params']);
  t.equal(body.method, '|virt|VM_status|abc');
  t.same(Object.keys(body.params), ['abc', 'notify_time'], 'notify_time last');
  t.ok(body.params.notify_time >= before && before > 2147483647);
  await barrier(other, 'q2', 'again');
  t.notOk(other.received.includes('VM_status'), 'exact match only: a jms.queue subscriber gets no event');
});

t.test('WebSocket on the same port: JSON-RPC messages and pushed events; plain HTTP gets 501', async (t) => {
  const endpoint = new TrivialEndpoint();
  const { port, server } = await startTestServer(t, endpoint);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  t.teardown(() => ws.terminate());
  await once(ws, 'open');
  const messages: string[] = [];
  ws.on('message', (d: Buffer) => messages.push(d.toString()));
  ws.send(request('Host.ping2', 'w1'));
  await waitUntil(() => messages.length === 1, {
    timeoutMs: 5000,
    what: 'reply',
    wakeOn: { emitter: ws, events: ['message'] },
  });
  t.same(JSON.parse(messages[0] ?? ''), { jsonrpc: '2.0', id: 'w1', result: true });
  t.equal(endpoint.handled[0]?.context.transport, 'websocket');
  server.events.publish('|net|host_conn|no_id', {});
  await waitUntil(() => messages.length === 2, {
    timeoutMs: 5000,
    what: 'event',
    wakeOn: { emitter: ws, events: ['message'] },
  });
  t.match(JSON.parse(messages[1] ?? ''), { method: '|net|host_conn|no_id', params: { notify_time: Number } });

  const http = connect({ port, host: '127.0.0.1' });
  t.teardown(() => http.destroy());
  let text = '';
  http.on('data', (d) => {
    text += d.toString();
  });
  http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(http, 'close');
  t.match(text, /^HTTP\/1\.1 501 /);
});

t.test('500 concurrent connections, each with its own reply queue', async (t) => {
  const { port, server } = await startTestServer(t);
  const peers = await Promise.all(Array.from({ length: 500 }, () => RawPeer.connect(port)));
  t.teardown(() => {
    for (const p of peers) p.destroy();
  });
  peers.forEach((p, i) => {
    p.write(
      CONNECT + subscribe(`q${i}`, 's') + send('jms.topic.vdsm_requests', request('Host.ping2', i), `reply-to:q${i}\n`),
    );
  });
  await Promise.all(peers.map((p) => p.waitForFrames(2, 30000)));
  t.ok(
    peers.every((p, i) => JSON.parse(p.frames[1]?.body.toString() ?? '').id === i),
    'every connection got its own reply',
  );
  t.equal(server.connectionCount(), 500);
});

t.test('close() ends open connections and stops listening', async (t) => {
  const { port, server } = await startTestServer(t);
  const peer = await RawPeer.connect(port);
  peer.write(CONNECT);
  await peer.waitForText('CONNECTED');
  await server.close();
  await peer.waitClosed();
  const refused = connect({ port, host: '127.0.0.1' });
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  t.equal(err.code, 'ECONNREFUSED');
});

t.test('an endpoint that breaks its contract (throws) costs no reply and no crash', async (t) => {
  const inner = new TrivialEndpoint();
  const broken = {
    handle(body: string, context: Parameters<TrivialEndpoint['handle']>[1]) {
      if (body.includes('Test.throw')) throw new Error('synchronous bug');
      if (body.includes('Test.reject')) return Promise.reject(new Error('rejected'));
      return inner.handle(body, context);
    },
  };
  const { port } = await startTestServer(t, broken);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write(
    subscribe('q', 's') +
      send('jms.topic.vdsm_requests', request('Test.throw', 1), 'reply-to:q\n') +
      send('jms.topic.vdsm_requests', request('Test.reject', 2), 'reply-to:q\n'),
  );
  await barrier(peer, 'q');
  t.equal(peer.frames.length, 1, 'only the barrier reply');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  t.teardown(() => ws.terminate());
  await once(ws, 'open');
  ws.send(request('Test.throw', 3));
  ws.send(request('Host.ping2', 4));
  const [data] = (await once(ws, 'message')) as [Buffer];
  t.match(JSON.parse(data.toString()), { id: 4, result: true }, 'the WebSocket client is still served');
});

t.test('the default management_ip :: is dual stack (IPv4 clients welcome)', async (t) => {
  const server = await startRpcServer({
    config: testConfig((c) => {
      (c.addresses as unknown as Record<string, unknown>).management_ip = '::';
    }),
    logging: quietLogging(),
    endpoint: new TrivialEndpoint(),
  });
  t.teardown(() => server.close());
  const address = server.address();
  t.ok(address.address === '::' || address.address === '0.0.0.0', `listening on ${address.address}`);
  const peer = await RawPeer.connect(address.port, '127.0.0.1');
  t.teardown(() => peer.destroy());
  peer.write(CONNECT);
  await peer.waitForText(CONNECTED);
});

t.test('slow reader: a WebSocket client that never reads is dropped, the server goes on', async (t) => {
  const { port, server } = await startTestServer(t, new TrivialEndpoint(), {
    limits: { highWaterMark: 4096, maxBuffered: 256 * 1024 },
  });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  t.teardown(() => ws.terminate());
  await once(ws, 'open');
  const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  raw.pause();
  const payload = 'w'.repeat(64 * 1024);
  let sent = 0;
  while (server.connectionCount() === 1 && sent < 2000) {
    server.events.publish('|test|big|', { payload, n: sent++ });
    await new Promise((r) => setImmediate(r));
  }
  t.equal(server.connectionCount(), 0, `dropped after ${sent} events of 64 KiB`);
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write(CONNECT);
  await peer.waitForText(CONNECTED);
});

t.test('events are dropped, not queued, while the server is not ready', async (t) => {
  let ready = false;
  const { port, server } = await startTestServer(t, new TrivialEndpoint(), { isReady: () => ready });
  const peer = await RawPeer.connect(port);
  t.teardown(() => peer.destroy());
  peer.write(subscribe('jms.queue.events', 'ev') + subscribe('q', 's'));
  await barrier(peer, 'q');
  server.events.publish('|early|', {});
  ready = true;
  server.events.publish('|late|', {});
  await peer.waitForFrames(2);
  await barrier(peer, 'q', 'after');
  t.same(
    peer.frames.map((f) => JSON.parse(f.body.toString()).method ?? 'reply'),
    ['reply', '|late|', 'reply'],
    'only the event published once ready',
  );
});
