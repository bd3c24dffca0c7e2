import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import {
  encodeFrame,
  FrameDecoder,
  MAX_REQUEST_BYTES,
  PROTOCOL_VERSION,
  type Response,
} from '@vdsm-ts/supervdsm-protocol/protocol';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { clientFor, startDaemon } from './helpers.js';

/** A raw connection that sends bytes and collects decoded responses. */
class Raw {
  readonly responses: Response[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(64 << 20);
  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      for (const body of this.decoder.push(c)) this.responses.push(JSON.parse(body.toString()) as Response);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }
  static async open(path: string): Promise<Raw> {
    const socket = connect(path);
    await once(socket, 'connect');
    return new Raw(socket);
  }
  sendBody(body: string | Buffer): void {
    const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(b.length);
    this.socket.write(Buffer.concat([header, b]));
  }
  async next(): Promise<Response> {
    const n = this.responses.length;
    await waitUntil(() => this.responses.length > n || this.closed, { timeoutMs: 5000, what: 'a response' });
    const r = this.responses[n];
    if (r === undefined) throw new Error('connection closed without a response');
    return r;
  }
}

t.test('frame decoder: every split of a stream yields the same frames; oversized headers throw', async (t) => {
  const frames = [
    encodeFrame({ v: 1, id: 1, op: 'ping', params: {} }),
    encodeFrame({ id: 2, ok: true, result: { ü: 'ünïcode' } }),
  ];
  const stream = Buffer.concat(frames);
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new FrameDecoder(1024);
    const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
    t.same(
      out.map((b) => JSON.parse(b.toString())),
      frames.map((f) => JSON.parse(f.subarray(4).toString())),
      `cut at ${cut}`,
    );
  }
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1025);
  t.throws(() => new FrameDecoder(1024).push(header), { name: 'FrameTooLargeError', length: 1025, limit: 1024 });
});

t.test('protocol errors are answered with codes and never stop the daemon', async (t) => {
  const d = await startDaemon(t);
  const raw = await Raw.open(d.socket);
  t.teardown(() => raw.socket.destroy());

  raw.sendBody('{"v":1,"id":1,');
  t.match(await raw.next(), { id: null, ok: false, error: { code: 'BAD_REQUEST' } }, 'bad JSON');
  raw.sendBody('[1,2]');
  t.match(await raw.next(), { id: null, ok: false, error: { code: 'BAD_REQUEST' } }, 'not an object');
  raw.sendBody(JSON.stringify({ v: 1, id: -4, op: 'ping', params: {} }));
  t.match(await raw.next(), { id: null, ok: false, error: { code: 'BAD_REQUEST' } }, 'bad id');
  raw.sendBody(JSON.stringify({ v: 99, id: 2, op: 'ping', params: {} }));
  t.match(await raw.next(), { id: 2, ok: false, error: { code: 'VERSION_MISMATCH' } }, 'wrong version');
  raw.sendBody(JSON.stringify({ v: PROTOCOL_VERSION, id: 3, op: 'rm_rf', params: {} }));
  t.match(await raw.next(), { id: 3, ok: false, error: { code: 'UNKNOWN_OPERATION' } }, 'unknown op');
  raw.sendBody(JSON.stringify({ v: PROTOCOL_VERSION, id: 4, op: 'toString', params: {} }));
  t.match(await raw.next(), { id: 4, ok: false, error: { code: 'UNKNOWN_OPERATION' } }, 'prototype names are not ops');
  raw.sendBody(JSON.stringify({ v: PROTOCOL_VERSION, id: 5, op: 'ping', params: { extra: 1 } }));
  t.match(await raw.next(), { id: 5, ok: false, error: { code: 'INVALID_PARAMS' } }, 'unknown param');
  raw.sendBody(JSON.stringify({ v: PROTOCOL_VERSION, id: 6, op: 'ping', params: {} }));
  t.match(await raw.next(), { id: 6, ok: true, result: { version: PROTOCOL_VERSION } }, 'same connection still works');

  // A length header over the limit: refused and the connection closed before the body is read.
  const huge = Buffer.alloc(4);
  huge.writeUInt32BE(MAX_REQUEST_BYTES + 1);
  raw.socket.write(huge);
  t.match(await raw.next(), { id: null, ok: false, error: { code: 'BAD_REQUEST', message: /exceeds the limit/ } });
  await waitUntil(() => raw.closed, { timeoutMs: 10_000, what: 'the oversized connection to close' });

  const client = clientFor(t, d.socket);
  t.match(await client.ops.ping({}), { version: PROTOCOL_VERSION }, 'daemon still serves');
});

t.test('bad input is refused with INVALID_PARAMS before anything runs', async (t) => {
  const d = await startDaemon(t);
  const client = clientFor(t, d.socket);
  const bad: Array<[string, () => Promise<unknown>]> = [
    ['mount outside the repository', () => client.ops.mount({ spec: '/tmp', target: '/etc/x', vfsType: 'bind' })],
    ['mount through ..', () => client.ops.mount({ spec: '/tmp', target: `${d.repository}/../x`, vfsType: 'bind' })],
    [
      'mount spec like a flag',
      () => client.ops.mount({ spec: '-oremount', target: `${d.repository}/a`, vfsType: 'ext4' }),
    ],
    [
      'mount option with a comma',
      () => client.ops.mount({ spec: '/dev/x', target: `${d.repository}/a`, vfsType: 'ext4', options: ['ro,exec'] }),
    ],
    ['device path with shell characters', () => client.ops.lvmVgs({ devices: ['/dev/loop0;reboot'] })],
    [
      'VG name with shell characters',
      () => client.ops.lvmVgCreate({ devices: ['/dev/loop0'], vg: 'vg$(reboot)', pvs: ['/dev/loop0'] }),
    ],
    ['LV name with LVM syntax', () => client.ops.lvmLvRemove({ devices: ['/dev/loop0'], vg: 'vg', lv: '@tag' })],
    ['VG name ..', () => client.ops.lvmVgRemove({ devices: ['/dev/loop0'], vg: '..' })],
    ['tag with a space', () => client.ops.lvmChangeTags({ devices: ['/dev/loop0'], vg: 'vg', add: ['a b'] })],
    ['PV outside the device scope', () => client.ops.lvmPvCreate({ devices: ['/dev/loop0'], pvs: ['/dev/loop1'] })],
    ['device that is not a block device', () => client.ops.lvmPvs({ devices: ['/dev/null'] })],
    ['device outside /dev', () => client.ops.lvmPvs({ devices: ['/etc/passwd'] })],
    ['interface name too long', () => client.ops.netAddBridge({ name: 'a-very-long-bridge-name' })],
    ['interface name with a slash', () => client.ops.netDelLink({ name: '../lo' })],
    ['missing netns', () => client.ops.netLinks({ netns: 'no-such-ns-here' })],
    ['bad CIDR', () => client.ops.netAddAddress({ name: 'lo', cidr: '10.0.0.1/33' })],
    ['bad portal', () => client.ops.iscsiDiscover({ portal: '127.0.0.1:3260;id' })],
    ['bad IQN', () => client.ops.iscsiLuns({ portal: '127.0.0.1', iqn: 'iqn.x$(id)' })],
    ['setuid mode', () => client.ops.setOwnership({ path: `${d.repository}/f`, uid: 0, gid: 0, mode: 0o4755 })],
    ['ksm with nothing to do', () => client.ops.ksmTune({})],
    ['wrong param type', () => client.ops.hugepagesSet({ sizeKiB: 2048, count: '1' as unknown as number })],
  ];
  for (const [what, call] of bad) {
    await t.rejects(call(), { name: 'SupervdsmError', code: 'INVALID_PARAMS' }, what);
  }
  t.match(d.stderr(), /"op":"mount".*"outcome":"error".*"code":"INVALID_PARAMS"/, 'refused changes are audited');
});

t.test('requests run concurrently and each is cut at its timeout', async (t) => {
  // A portal that accepts and never says a word: iscsi-ls waits forever on its login.
  const blackhole = createServer((s) => s.on('error', () => {}));
  blackhole.listen(0, '127.0.0.1');
  await once(blackhole, 'listening');
  t.teardown(() => blackhole.close());
  const port = (blackhole.address() as { port: number }).port;
  const d = await startDaemon(t);
  const client = clientFor(t, d.socket);

  const started = Date.now();
  let pingedAt = 0;
  const hang = client.ops.iscsiDiscover({ portal: `127.0.0.1:${port}` }, { timeoutMs: 1500 });
  const ping = client.ops.ping({}).then(() => {
    pingedAt = Date.now();
  });
  const err = await hang.then(
    () => null,
    (e: unknown) => e,
  );
  await ping;
  const elapsed = Date.now() - started;
  t.ok(err instanceof SupervdsmError && err.code === 'TIMEOUT', `hung op failed with TIMEOUT (${String(err)})`);
  t.ok(elapsed >= 1400, `not before its timeout (${elapsed} ms)`);
  t.ok(pingedAt > 0 && pingedAt - started < elapsed, 'ping answered while the hung op was running');
  // The command itself is killed, not left behind.
  await waitUntil(async () => !(await processRunning(`127.0.0.1:${port}`)), {
    timeoutMs: 8000,
    what: 'iscsi-ls to be killed',
  });
  t.pass('the timed-out command was killed');
});

async function processRunning(needle: string): Promise<boolean> {
  const { readdir } = await import('node:fs/promises');
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('iscsi-ls') && cmd.includes(needle)) return true;
  }
  return false;
}
