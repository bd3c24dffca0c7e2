/**
 * Broker isolation (issue #14 item 3): a client sees only its own replies and the server's events. Upstream's
 * broker forwards every SEND to every matching subscription, so any client could read VM.setTicket passwords or
 * forge VM_status events; ours does not, while vdsm-client's and the engine's ways of subscribing keep working.
 */
import t from 'tap';
import { apiDispatcher } from '../api/api-dispatcher.js';
import { quietLogging, RawPeer, startTestServer, testConfig } from './helpers.js';

const REQUESTS = 'jms.topic.vdsm_requests';
const EVENTS = 'jms.queue.events';
const ENGINE_REPLIES = 'jms.topic.vdsm_responses';

function send(destination: string, body: string, extra = ''): string {
  return `SEND\ndestination:${destination}\ncontent-type:application/json\n${extra}content-length:${Buffer.byteLength(body)}\n\n${body}\0`;
}
function subscribe(destination: string, id: string): string {
  return `SUBSCRIBE\ndestination:${destination}\nack:auto\nid:${id}\n\n\0`;
}
function request(method: string, id: string, params: unknown = {}): string {
  return JSON.stringify([{ jsonrpc: '2.0', method, params, id }]);
}
/** Everything this peer sent before has been handled once its own ping comes back. */
async function barrier(peer: RawPeer, queue: string, id: string): Promise<void> {
  peer.write(send(REQUESTS, request('Host.ping2', id), `reply-to:${queue}\n`));
  await peer.waitForText(`"${id}"`);
}

async function apiServer(t: { teardown(fn: () => unknown): void }) {
  const api = apiDispatcher({ config: testConfig(), logging: quietLogging() });
  api.setReady(true);
  t.teardown(() => api.close());
  return startTestServer(t, api);
}

const PASSWORD = 's3cret-ticket-password';

t.test("a third client reads nothing of another's VM.setTicket request or its reply", async (t) => {
  const { port } = await apiServer(t);
  const client = await RawPeer.connect(port);
  const spy = await RawPeer.connect(port);
  t.teardown(() => {
    client.destroy();
    spy.destroy();
  });
  const replyQueue = '4b0f1c2e-9a7d-4c55-8e21-6f3a9d0b7c11';
  // every way in a client might try: wildcards, prefixes, the request queue, the other client's reply queue,
  // the engine's fallback reply destination
  const traps = ['jms', 'jms.topic', REQUESTS, `${REQUESTS}.>`, '>', '*', '#', 'jms.#', replyQueue, ENGINE_REPLIES];
  spy.write(`CONNECT\naccept-version:1.2\n\n\0${traps.map((d, i) => subscribe(d, `trap-${i}`)).join('')}`);
  await barrier(spy, replyQueue, 'spy-ready');
  const spyFramesBefore = spy.frames.length;

  client.write(`CONNECT\naccept-version:1.2\nheart-beat:0,24000\n\n\0${subscribe(replyQueue, 'mine')}`);
  const setTicket = request('VM.setTicket', 'ticket-1', {
    vmID: '0f5a2c1e-7d3b-4e8a-9c6f-1b2d3e4f5a6b',
    password: PASSWORD,
    ttl: 120,
    existingConnAction: 'disconnect',
    params: {},
  });
  client.write(send(REQUESTS, setTicket, `reply-to:${replyQueue}\n`));
  await client.waitForText('"ticket-1"');
  t.equal(client.frames.filter((f) => f.command === 'MESSAGE').length, 1, 'the requester got its reply');

  await barrier(spy, replyQueue, 'spy-after');
  const seen = spy.frames.slice(spyFramesBefore);
  t.same(
    seen.map((f) => JSON.parse(f.body.toString()).id),
    ['spy-after'],
    'the spy got its own barrier reply and nothing else',
  );
  t.notOk(spy.received.includes(PASSWORD), 'the password never reached the spy');
  t.notOk(spy.received.includes('ticket-1'), 'nor the reply to it');
});

t.test('a forged VM_status event SENT by a client reaches nobody; real events still do', async (t) => {
  const { port, server } = await apiServer(t);
  const forger = await RawPeer.connect(port);
  const engine = await RawPeer.connect(port);
  t.teardown(() => {
    forger.destroy();
    engine.destroy();
  });
  engine.write(subscribe(ENGINE_REPLIES, 'replies') + subscribe(EVENTS, 'events'));
  forger.write(subscribe(EVENTS, 'events') + subscribe('fq', 'r'));
  await barrier(engine, ENGINE_REPLIES, 'engine-ready');
  await barrier(forger, 'fq', 'forger-ready');
  const vmId = '11111111-2222-3333-4444-555555555555';
  const forged = JSON.stringify({
    jsonrpc: '2.0',
    method: `|virt|VM_status|${vmId}`,
    params: { [vmId]: { status: 'Down', exitCode: 1, exitMessage: 'forged' }, notify_time: 1 },
  });
  for (const destination of [EVENTS, 'jms.queue', ENGINE_REPLIES]) forger.write(send(destination, forged));
  await forger.waitForFrames(4);
  t.same(
    forger.frames.slice(1).map((f) => f.command),
    ['ERROR', 'ERROR', 'ERROR'],
    'each forged SEND is refused with an ERROR',
  );
  await barrier(engine, ENGINE_REPLIES, 'engine-after');
  t.notOk(engine.received.includes('forged'), 'the engine got no forged event');
  t.notOk(forger.received.includes('"exitMessage"'), 'nor did the forger itself');

  server.events.publish(`|virt|VM_status|${vmId}`, { [vmId]: { status: 'Up' } });
  await engine.waitForText('"status":"Up"');
  await forger.waitForText('"status":"Up"');
  t.pass('server events reach every jms.queue.events subscriber');
});

t.test("two engines on jms.topic.vdsm_responses each get only their own replies (upstream's reply-to)", async (t) => {
  const { port } = await apiServer(t);
  const engines = await Promise.all([RawPeer.connect(port), RawPeer.connect(port)]);
  t.teardown(() => {
    for (const e of engines) e.destroy();
  });
  engines.forEach((e, i) => {
    // the engine's order: SUBSCRIBE first, then CONNECT, then requests with its correlation id
    e.write(
      subscribe(ENGINE_REPLIES, `r${i}`) +
        subscribe(EVENTS, `e${i}`) +
        `CONNECT\naccept-version:1.2\nhost:engine${i}\nheart-beat:10000,10000\n\n\0`,
    );
  });
  for (let n = 0; n < 20; n++) {
    engines.forEach((e, i) => {
      e.write(
        send(REQUESTS, request('Host.ping2', `e${i}-${n}`), `reply-to:${ENGINE_REPLIES}\novirtCorrelationId:f${n}\n`),
      );
    });
  }
  await Promise.all(engines.map((e, i) => e.waitForText(`"e${i}-19"`)));
  await Promise.all(engines.map((e, i) => barrier(e, ENGINE_REPLIES, `e${i}-last`)));
  engines.forEach((e, i) => {
    const ids = e.frames.filter((f) => f.command === 'MESSAGE').map((f) => String(JSON.parse(f.body.toString()).id));
    t.equal(ids.length, 21, `engine ${i}: 21 replies`);
    t.ok(
      ids.every((id) => id.startsWith(`e${i}-`)),
      `engine ${i}: only its own`,
    );
  });
});

t.test('a request whose reply-to this connection has not subscribed gets its reply dropped', async (t) => {
  const { port } = await apiServer(t);
  const owner = await RawPeer.connect(port);
  const sender = await RawPeer.connect(port);
  t.teardown(() => {
    owner.destroy();
    sender.destroy();
  });
  owner.write(subscribe('owner-q', 's'));
  await barrier(owner, 'owner-q', 'owner-ready');
  sender.write(subscribe('sender-q', 's'));
  sender.write(send(REQUESTS, request('Host.ping2', 'aimed-at-owner'), 'reply-to:owner-q\n'));
  await barrier(sender, 'sender-q', 'sender-after');
  await barrier(owner, 'owner-q', 'owner-after');
  t.notOk(owner.received.includes('aimed-at-owner'), "a reply-to naming another client's queue reaches nobody");
  t.notOk(sender.received.includes('aimed-at-owner'), 'and not the sender, which has no subscription there');
});
