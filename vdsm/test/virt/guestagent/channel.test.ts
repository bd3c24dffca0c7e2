/**
 * GuestAgentChannel over real UNIX sockets: a server plays QEMU's end of the channel and replays agent transcripts,
 * recorded and hostile. Nothing is mocked; waits are on conditions with deadlines.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { GuestAgentChannel, type GuestAgentChannelOptions } from '../../../src/virt/guestagent/index.js';
import { ChannelPeer, capturedLogging } from './helpers.js';

const TRANSCRIPT = readFileSync(
  new URL('../../../../test/virt/guestagent/transcripts/linux-agent-v3.jsonl', import.meta.url),
  'latin1',
);
const VM_ID = '3a1e7e1c-5a3f-4e43-9d2b-6f1d0f4c8e21';
const FAST = { retryInitialMs: 20, retryMaxMs: 200 };
const HEARTBEAT = (apiVersion?: number) =>
  `${JSON.stringify({
    __name__: 'heartbeat',
    'free-ram': '256',
    'memory-stat': { mem_total: 1048576, mem_unused: 262144, mem_free: 300000, mem_buffers: 1, mem_cached: 2 },
    ...(apiVersion === undefined ? {} : { apiVersion }),
  })}\n`;

function channel(
  t: { teardown(fn: () => unknown): void },
  socketPath: string,
  extra: Partial<GuestAgentChannelOptions> = {},
): { ch: GuestAgentChannel; logs: () => Record<string, unknown>[] } {
  const { logging, lines } = capturedLogging();
  const ch = new GuestAgentChannel({
    vmId: VM_ID,
    socketPath,
    logger: logging.get('virt.guestagent'),
    ...extra,
    timing: { ...FAST, ...extra.timing },
  });
  t.teardown(() => ch.stop());
  return { ch, logs: lines };
}

t.test('connects, advertises API 3, negotiates, and reports the recorded agent', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, `${VM_ID}.ovirt-guest-agent.0`));
  const { ch } = channel(t, peer.path, { memSizeMiB: 1024 });
  const versions: number[] = [];
  ch.on('apiVersion', (v) => versions.push(v));
  t.notOk(ch.isResponsive(), 'not responsive before the agent says anything');
  t.equal(await ch.shutdown({ delaySeconds: 0, message: 'x', reboot: false }), false);
  ch.start();
  await peer.waitAccepted(1);
  t.same(await peer.waitLine('refresh'), { __name__: 'refresh', apiVersion: 3 }, 'refresh {apiVersion: 3} on connect');

  peer.write(TRANSCRIPT);
  await waitUntil(() => ch.counters.messages >= 29, { timeoutMs: 10_000, what: 'the transcript' });
  t.same(versions, [3], 'first heartbeat 0 (no change), second 3');
  t.same(await peer.waitLine('api-version'), { __name__: 'api-version', apiVersion: 3 });
  t.equal(peer.names().filter((n) => n === 'api-version').length, 1, 'announced once');
  t.equal(ch.apiVersion, 3);
  t.ok(ch.isResponsive());
  t.equal(ch.guestStatus(), 'Up');
  const s = ch.stats();
  t.equal(s.guestName, 'vm');
  t.equal(s.guestIPs, '192.0.2.2');
  t.equal(s.memUsage, '0', 'free-ram above the VM memory size clamps at 0');
  t.same(Object.keys(ch.diskMapping()), ['20166422148376022']);
  t.same(ch.counters.refused, {});
  t.equal(ch.counters.disconnects, 0);
});

t.test('memUsage from free-ram and the VM memory size; zero once heartbeats stop', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'mem.sock'));
  const { ch } = channel(t, peer.path, { memSizeMiB: 1024, timing: { heartbeatTimeoutMs: 300 } });
  ch.start();
  await peer.waitAccepted(1);
  t.equal(ch.stats().memUsage, '0', 'no heartbeat yet');
  peer.write(HEARTBEAT(0));
  await waitUntil(() => ch.guestStatus() === 'Up', { timeoutMs: 10_000, what: 'a heartbeat' });
  t.equal(ch.stats().memUsage, '75', '100 - 256/1024*100');
  t.same(ch.stats().memoryStats, {
    mem_total: '1048576',
    mem_unused: '262144',
    mem_buffers: '1',
    mem_cached: '2',
    mem_free: '262144',
  });
  await waitUntil(() => ch.stats().memUsage === '0', {
    timeoutMs: 10_000,
    what: 'memUsage to fall back to 0',
  });
  t.pass('memUsage 0 without a heartbeat for heartbeatTimeoutMs');
});

t.test('a stored API version: the first heartbeat (0) resets it, the next one (3) is announced again', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'ver.sock'));
  const { ch } = channel(t, peer.path, { apiVersion: 3 });
  const versions: number[] = [];
  ch.on('apiVersion', (v) => versions.push(v));
  ch.start();
  await peer.waitAccepted(1);
  peer.write(HEARTBEAT(0));
  await waitUntil(() => versions.length === 1, { timeoutMs: 10_000, what: 'version 0' });
  t.equal(ch.apiVersion, 0);
  peer.write(HEARTBEAT(3));
  await peer.waitLine('api-version');
  t.same(versions, [0, 3]);
  peer.write(HEARTBEAT());
  await waitUntil(() => versions.length === 3, { timeoutMs: 10_000, what: 'an old agent' });
  t.same(versions, [0, 3, 0], 'a heartbeat without apiVersion disables versioning');
  t.equal(peer.names().filter((n) => n === 'api-version').length, 1, 'going to 0 is silent');
});

t.test('hostile agent output is counted and logged; the channel stays up and keeps working', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'hostile.sock'));
  const { ch, logs } = channel(t, peer.path, { timing: { maxLineBytes: 64 * 1024 } });
  ch.start();
  await peer.waitAccepted(1);
  // An oversized line in many pieces, then garbage of every kind, then one good message.
  const big = Buffer.alloc(16 * 1024, 0x41);
  for (let i = 0; i < 20; i++) peer.write(big);
  peer.write('\n');
  peer.write(
    Buffer.concat([
      Buffer.from('{"__name__":"host-name","name":"bad'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('utf"}\n'),
    ]),
  );
  peer.write('{"__name__": "fqdn", "fqdn": \n');
  peer.write('"just a string"\n');
  peer.write('{"no":"name"}\n');
  peer.write('{"__name__":"format-disk","now":true}\n');
  peer.write('{"__name__":"heartbeat","free-ram":"many"}\n');
  for (let i = 0; i < 100; i++) peer.write('}{\n');
  peer.write('{"__name__":"fqdn","fqdn":"still.here\\u0007"}\n');
  await waitUntil(() => ch.stats().guestFQDN === 'still.here\ufffd', {
    timeoutMs: 10_000,
    what: 'the good message',
  });
  t.same(ch.counters.refused, {
    GA_ERR_LINE_TOO_LONG: 1,
    GA_ERR_BAD_UTF8: 1,
    GA_ERR_BAD_JSON: 101,
    GA_ERR_NOT_OBJECT: 1,
    GA_ERR_NO_NAME: 1,
    GA_ERR_UNKNOWN_NAME: 1,
    GA_ERR_BAD_ARGS: 1,
  });
  t.equal(ch.counters.disconnects, 0, 'never disconnected');
  t.ok(ch.connected);
  t.equal(ch.stats().guestName, 'bad\ufffd\ufffdutf', 'invalid UTF-8 decoded with replacement');
  t.equal(ch.guestStatus(), undefined, 'a heartbeat with bad arguments does not count');
  const warned = logs().filter(
    (l) => l.msg === 'guest agent input ignored' && l.level === 40 && l.code === 'GA_ERR_BAD_JSON',
  );
  t.same(
    warned.map((l) => l.count),
    [1, 2, 4, 8, 16, 32, 64],
    'repeated refusals are logged at warn on powers of two only',
  );
  t.equal(logs().find((l) => l.code === 'GA_ERR_LINE_TOO_LONG')?.vmId, VM_ID, 'log lines name the VM');
  peer.send({ __name__: 'host-name', name: 'recovered' });
  await waitUntil(() => ch.stats().guestName === 'recovered', {
    timeoutMs: 10_000,
    what: 'a later message',
  });
});

t.test('the peer vanishing mid-line: the half line is forgotten, the channel reconnects and refreshes', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'vanish.sock'));
  const { ch } = channel(t, peer.path);
  const reasons: string[] = [];
  ch.on('disconnected', (r) => reasons.push(r));
  ch.start();
  await peer.waitAccepted(1);
  peer.send({ __name__: 'host-name', name: 'first' });
  peer.write('{"__name__":"host-name","name":"hal');
  await waitUntil(() => ch.stats().guestName === 'first', {
    timeoutMs: 10_000,
    what: 'the first message',
  });
  peer.dropClient();
  await peer.waitAccepted(2);
  await waitUntil(() => (peer.received.filter((l) => l.__name__ === 'refresh').length === 2 ? true : undefined), {
    timeoutMs: 10_000,
    what: 'refresh',
  });
  t.same(reasons, ['closed']);
  peer.write('f"}\n{"__name__":"host-name","name":"second"}\n');
  await waitUntil(() => ch.stats().guestName === 'second', {
    timeoutMs: 10_000,
    what: 'the second message',
  });
  t.equal(ch.counters.refused.GA_ERR_BAD_JSON, 1, 'the tail of the old line is garbage on its own');
  t.equal(ch.counters.connects, 2);
});

t.test('starts before QEMU exists, connects when it appears, reconnects after QEMU goes away', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const path = join(dir, 'late.sock');
  const { ch } = channel(t, path);
  ch.start();
  await waitUntil(() => ch.counters.connects === 0 && !ch.connected, {
    timeoutMs: 10_000,
    what: 'not connected',
  });
  let peer = await ChannelPeer.listen(t, path);
  await peer.waitAccepted(1);
  t.equal(ch.counters.connects, 1, 'connected once the socket appeared');
  peer.send({ __name__: 'host-name', name: 'one' });
  await waitUntil(() => ch.stats().guestName === 'one', { timeoutMs: 10_000, what: 'data' });
  await peer.close();
  await waitUntil(() => !ch.connected, { timeoutMs: 10_000, what: 'the disconnect' });
  peer = await ChannelPeer.listen(t, path);
  await peer.waitAccepted(1);
  await peer.waitLine('refresh');
  t.equal(ch.counters.connects, 2, 'reconnected to the new QEMU');
  ch.stop();
  await peer.close();
  const attempts = ch.counters.connects;
  // The marker: a second channel that retries every 2 x retryMaxMs. Its first attempt fails at once (the socket is
  // gone; a unix connect is decided in the call), so it connects to the new QEMU one full period later. A running
  // channel retries within retryMaxMs, so had the stopped one kept trying, it would have been accepted first.
  const { ch: marker } = channel(t, path, {
    timing: { retryInitialMs: 2 * FAST.retryMaxMs, retryMaxMs: 2 * FAST.retryMaxMs },
  });
  marker.start();
  peer = await ChannelPeer.listen(t, path);
  await peer.waitAccepted(1);
  await peer.waitLine('refresh');
  t.equal(marker.counters.connects, 1, 'the marker channel is in');
  t.equal(peer.accepted, 1, 'and it is the only one: a stopped channel does not reconnect');
  t.equal(ch.counters.connects, attempts);
});

t.test('commands: shutdown, reboot, desktop commands and echo; nothing is sent to an unresponsive agent', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'cmd.sock'));
  const { ch } = channel(t, peer.path, { timing: { responsiveMs: 500 } });
  ch.start();
  await peer.waitAccepted(1);
  peer.write(HEARTBEAT(0));
  await waitUntil(() => ch.isResponsive(), { timeoutMs: 10_000, what: 'responsive' });

  t.equal(await ch.shutdown({ delaySeconds: 30, message: 'Maintenance – back soon', reboot: false }), true);
  t.same(await peer.waitLine('shutdown'), {
    __name__: 'shutdown',
    timeout: 30,
    message: 'Maintenance – back soon',
    reboot: 'False',
  });
  t.equal(await ch.shutdown({ delaySeconds: 1.9, message: 'r', reboot: true }), true);
  t.same(await peer.waitLine('shutdown', 0, (l) => l.reboot === 'True'), {
    __name__: 'shutdown',
    timeout: 1,
    message: 'r',
    reboot: 'True',
  });
  await t.rejects(ch.shutdown({ delaySeconds: -1, message: '', reboot: false }), RangeError);
  t.equal(await ch.lockScreen(), true);
  t.equal(await ch.logoff(), true);
  t.equal(await ch.refresh(), true);
  await peer.waitLine('log-off');
  t.same(peer.names().slice(-3), ['lock-screen', 'log-off', 'refresh']);

  const echoed = ch.echo({ ping: 'pong' });
  const sent = await peer.waitLine('echo');
  t.equal(sent.ping, 'pong');
  peer.send(sent);
  t.same(await echoed, { ping: 'pong' }, 'echo resolves with what the agent sent back');
  t.equal(await ch.echo({}, 50), undefined, 'no reply: undefined after the timeout');

  await waitUntil(() => !ch.isResponsive(), {
    timeoutMs: 5000,
    what: 'the agent to become unresponsive',
  });
  const before = peer.received.length;
  t.equal(await ch.shutdown({ delaySeconds: 0, message: 'x', reboot: false }), false);
  t.equal(await ch.lockScreen(), false);
  t.equal(await ch.echo(), undefined);
  t.equal(peer.received.length, before, 'nothing sent');
  t.equal(ch.stats().session, 'Unknown');
  t.equal(ch.guestStatus(), undefined);
});

t.test('a responsive agent whose socket is gone: shutdown reports false', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'gone.sock'));
  const { ch } = channel(t, peer.path, { timing: { retryInitialMs: 5_000, retryMaxMs: 5_000 } });
  ch.start();
  await peer.waitAccepted(1);
  peer.write(HEARTBEAT(0));
  await waitUntil(() => ch.isResponsive(), { timeoutMs: 10_000, what: 'responsive' });
  await peer.close();
  await waitUntil(() => !ch.connected, { timeoutMs: 10_000, what: 'the disconnect' });
  t.ok(ch.isResponsive(), 'still within the responsiveness window');
  t.equal(await ch.shutdown({ delaySeconds: 0, message: 'x', reboot: false }), false);
});

t.test('lifecycle events: API 3 only; before_* waits for the completion, after_* is sent as is', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'life.sock'));
  const { ch } = channel(t, peer.path);
  ch.start();
  await peer.waitAccepted(1);
  peer.write(HEARTBEAT(0));
  await waitUntil(() => ch.isResponsive(), { timeoutMs: 10_000, what: 'responsive' });
  t.equal(await ch.lifecycleEvent('before_migration'), false, 'API 0: not sent');
  t.notOk(peer.names().includes('lifecycle-event'));
  peer.write(HEARTBEAT(3));
  await peer.waitLine('api-version');

  const done = ch.lifecycleEvent('before_migration');
  const sent = await peer.waitLine('lifecycle-event');
  t.equal(sent.type, 'before_migration');
  t.type(sent.reply_id, 'string');
  peer.send({ __name__: 'completion', reply_id: 'someone-else', done: true });
  peer.send({ __name__: 'completion', reply_id: sent.reply_id, done: true });
  t.equal(await done, true, 'completed by the reply naming it');

  t.equal(await ch.lifecycleEvent('after_migration', { failure: true }), true);
  t.same(await peer.waitLine('lifecycle-event', 0, (l) => l.type === 'after_migration'), {
    __name__: 'lifecycle-event',
    type: 'after_migration',
    failure: true,
  });
  t.equal(await ch.lifecycleEvent('before_hibernation', { replyTimeoutMs: 50 }), false, 'no completion in time');
  t.same(ch.counters.refused, {}, 'completion messages are understood');
});
