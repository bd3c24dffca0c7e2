import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmClient, VdsmConnectionError, VdsmRpcError, VdsmTimeoutError } from '../../src/client/index.js';
import { startRpcServer } from '../../src/rpc/server/index.js';
import type { StompFrame } from '../../src/rpc/stomp/frame.js';
import { FrameParser } from '../../src/rpc/stomp/frame-parser.js';
import { quietLogging, startTestServer, TrivialEndpoint, testConfig } from '../rpc/helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const transport of ['stomp', 'websocket'] as const) {
  t.test(`${transport}: calls, errors, batches, flow id`, async (t) => {
    const endpoint = new TrivialEndpoint();
    const { port } = await startTestServer(t, endpoint);
    const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, transport, reconnect: false });
    t.teardown(() => client.close());
    t.equal(await client.call('Host.ping2'), true);
    t.same(await client.call('Test.echo', { a: [1, 'x'] }), { a: [1, 'x'] });
    const err = await client.call('Host.nope').catch((e: unknown) => e);
    t.type(err, VdsmRpcError);
    t.equal((err as VdsmRpcError).code, -32601);
    t.same(
      await client.batch([{ method: 'Host.ping2' }, { method: 'Host.nope' }, { method: 'Test.echo', params: [3] }]),
      [{ result: true }, { error: { code: -32601, message: 'no method Host.nope' } }, { result: [3] }],
      'batch results in call order',
    );
    t.same(await client.batch([{ method: 'Test.echo', params: { one: 1 } }]), [{ result: { one: 1 } }], 'batch of one');
    if (transport === 'stomp') {
      await client.call('Host.ping2', {}, { flowId: 'flow-42' });
      t.equal(endpoint.handled.at(-1)?.context.flowId, 'flow-42', 'flowId → ovirtCorrelationId');
    }
    const big = 'x'.repeat(4 * 1024 * 1024);
    t.equal(((await client.call('Test.echo', { big })) as { big: string }).big.length, big.length, '4 MiB each way');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call('Test.echo', { i })));
    t.same(
      results.map((r) => (r as { i: number }).i),
      Array.from({ length: 50 }, (_, i) => i),
      '50 concurrent calls matched by id',
    );
  });

  t.test(`${transport}: a call without a reply times out; the client stays usable`, async (t) => {
    const endpoint = new TrivialEndpoint();
    const { port } = await startTestServer(t, endpoint);
    const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, transport, reconnect: false });
    t.teardown(() => client.close());
    await t.rejects(client.call('Test.hold', {}, { timeoutMs: 100 }), VdsmTimeoutError);
    endpoint.release();
    t.equal(await client.call('Host.ping2'), true, 'a late reply for the timed-out call is ignored');
    const pending = t.rejects(
      client.call('Test.hold'),
      { name: 'VdsmConnectionError', message: 'client closed' },
      'close() fails pending calls',
    );
    await client.close();
    await pending;
    await t.rejects(client.call('Host.ping2'), VdsmConnectionError, 'no calls after close()');
    endpoint.release();
  });

  t.test(`${transport}: events`, async (t) => {
    const { port, server } = await startTestServer(t);
    const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, transport, reconnect: false });
    t.teardown(() => client.close());
    const got: Array<[string, Record<string, unknown>]> = [];
    const stop = client.subscribeEvents((method, params) => got.push([method, params]));
    await client.call('Host.ping2'); // the SUBSCRIBE went out before this SEND
    server.events.publish('|virt|VM_status|v1', { v1: { status: 'Up' } });
    await waitUntil(() => got.length === 1, {
      timeoutMs: 5000,
      what: 'the event',
      wakeOn: { emitter: client, events: ['event'] },
    });
    t.equal(got[0]?.[0], '|virt|VM_status|v1');
    t.match(got[0]?.[1], { v1: { status: 'Up' }, notify_time: Number });
    stop();
    await client.call('Host.ping2');
    server.events.publish('|virt|VM_status|v2', {});
    await client.call('Host.ping2');
    t.equal(got.length, 1, 'no more events after the handler was removed');
  });

  t.test(`${transport}: connection loss fails pending calls; reconnect with backoff restores service`, async (t) => {
    const endpoint = new TrivialEndpoint();
    const config = testConfig();
    const first = await startRpcServer({ config, logging: quietLogging(), endpoint });
    const port = first.address().port;
    const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, transport, timeoutMs: 10_000 });
    t.teardown(() => client.close());
    const held = client.call('Test.hold');
    const deadline = Date.now() + 5000;
    while (endpoint.heldCount === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    const disconnected = once(client, 'disconnected');
    await first.close();
    await t.rejects(held, VdsmConnectionError, 'pending call fails when the connection drops');
    await disconnected;
    endpoint.release();
    const patched = testConfig((c) => {
      (c.addresses as unknown as Record<string, unknown>).management_port = port;
    });
    const second = await startRpcServer({ config: patched, logging: quietLogging(), endpoint });
    t.teardown(() => second.close());
    const call = client.call('Host.ping2'); // waits for the reconnection
    t.equal(await call, true, 'served again after reconnecting');
    t.ok(client.isConnected);
  });
}

t.test('cannot connect → VdsmConnectionError in vdsm-client words', async (t) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  await t.rejects(VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false }), {
    name: 'VdsmConnectionError',
    message: `Connection to 127.0.0.1:${port} with use_tls=false failed: connect ECONNREFUSED 127.0.0.1:${port}`,
  });
});

t.test('wire framing is vdsm-client compatible', async (t) => {
  const frames: StompFrame[] = [];
  let peer: Socket | undefined;
  const server = createServer((socket) => {
    peer = socket;
    const parser = new FrameParser((f) => {
      frames.push(f);
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\nheart-beat:24000,0\n\n\0');
      if (f.command === 'SEND') {
        const id = JSON.parse(f.body.toString()).id;
        const body = JSON.stringify({ jsonrpc: '2.0', id, result: true });
        socket.write(`MESSAGE\ndestination:${f.headers.get('reply-to')}\ncontent-length:${body.length}\n\n${body}\0`);
      }
      if (f.command === 'DISCONNECT') socket.write(`RECEIPT\nreceipt-id:${f.headers.get('receipt')}\n\n\0`);
    });
    socket.on('data', (d: Buffer) => parser.push(d));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    peer?.destroy();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false });
  t.equal(await client.call('Host.ping2', {}, { flowId: 'f1' }), true);
  await client.close();
  const [connect, sub, send, unsub, disconnect] = frames;
  t.same(
    [...(connect?.headers ?? [])],
    [
      ['accept-version', '1.2'],
      ['heart-beat', '0,24000'],
    ],
  );
  t.same([...(sub?.headers.keys() ?? [])], ['destination', 'ack', 'id']);
  t.match(sub?.headers.get('destination'), UUID, 'reply queue is a random UUID');
  t.match(sub?.headers.get('id'), UUID);
  t.equal(sub?.headers.get('ack'), 'auto');
  t.same(
    [...(send?.headers.keys() ?? [])],
    ['destination', 'content-type', 'reply-to', 'ovirtCorrelationId', 'content-length'],
  );
  t.equal(send?.headers.get('destination'), 'jms.topic.vdsm_requests');
  t.equal(send?.headers.get('reply-to'), sub?.headers.get('destination'));
  t.equal(send?.headers.get('content-length'), String(send?.body.length));
  t.match(JSON.parse(send?.body.toString() ?? ''), { jsonrpc: '2.0', method: 'Host.ping2', params: {}, id: UUID });
  t.equal(unsub?.command, 'UNSUBSCRIBE');
  t.equal(unsub?.headers.get('id'), sub?.headers.get('id'));
  t.equal(disconnect?.command, 'DISCONNECT');
});
