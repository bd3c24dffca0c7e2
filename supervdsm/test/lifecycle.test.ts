import { once } from 'node:events';
import { lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa, execaNode } from 'execa';
import t from 'tap';
import { clientFor, SUPERVDSMD, spawnDaemon, startDaemon, tempDir, writeConf } from './helpers.js';

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

t.test('socket is root:kvm 0660; SIGTERM exits 0 and removes it', async (t) => {
  const d = await startDaemon(t);
  const st = await stat(d.socket);
  t.ok(st.isSocket(), 'a socket');
  t.equal(st.mode & 0o777, 0o660, 'mode 0660');
  t.equal(st.uid, 0, 'owned by root');
  const kvm = Number(
    (await import('node:child_process')).execFileSync('getent', ['group', 'kvm']).toString().split(':')[2],
  );
  t.equal(st.gid, kvm, 'group kvm');
  t.equal(await d.stop(), 0, 'exit 0');
  t.notOk(await exists(d.socket), 'socket removed');
  t.match(d.stderr(), /supervdsmd stopped/);
});

t.test('tells systemd READY=1 once it listens (sd_notify)', async (t) => {
  const dir = await tempDir(t, 'svdsm-');
  const notify = join(dir, 'notify.sock');
  // socat stands in for systemd's notification socket and prints each datagram.
  const receiver = execa('socat', ['-u', `UNIX-RECV:${notify}`, 'STDOUT'], {
    reject: false,
    buffer: false,
    timeout: 60_000,
  });
  t.teardown(() => receiver.kill('SIGKILL'));
  let got = '';
  receiver.stdout?.on('data', (b: Buffer) => {
    got += b.toString();
  });
  await waitUntil(() => exists(notify), { timeoutMs: 10_000, what: 'the notify socket' });
  const d = await startDaemon(t, { dir, env: { NOTIFY_SOCKET: notify } });
  await waitUntil(() => got.includes('READY=1'), { timeoutMs: 10_000, what: 'READY=1' });
  t.match(got, `STATUS=listening on ${d.socket}`);
  t.ok((await stat(d.socket)).isSocket(), 'the socket exists when READY=1 arrives');
});

t.test('--socket overrides the configured path', async (t) => {
  const dir = await tempDir(t, 'svdsm-');
  const { conf, repository } = await writeConf(dir);
  const socket = join(dir, 'other.sock');
  const d = await spawnDaemon(t, { dir, conf, socket, repository, args: ['--socket', socket] });
  t.ok((await stat(socket)).isSocket());
  t.match(await clientFor(t, socket).ops.ping({}), { version: 1 });
  await d.stop();
});

t.test('a live socket makes a second daemon fail clearly; a stale one is replaced', async (t) => {
  const d = await startDaemon(t);
  const second = await execaNode(SUPERVDSMD, ['--config', d.conf], { nodeOptions: [], reject: false, timeout: 30_000 });
  t.equal(second.exitCode, 1, 'second daemon exits 1');
  t.match(second.stderr, /another supervdsmd is serving .*svdsm\.sock/);
  t.match(await clientFor(t, d.socket).ops.ping({}), { pid: d.child.pid }, 'the first one still serves');

  // SIGKILL leaves the socket file behind, with nobody listening.
  d.child.kill('SIGKILL');
  await d.child;
  t.ok(await exists(d.socket), 'stale socket left by a killed daemon');
  const again = await spawnDaemon(t, { ...d, args: [] });
  t.match(await clientFor(t, d.socket).ops.ping({}), { pid: again.child.pid }, 'replacement serves');
  await again.stop();
});

t.test('a path that is not a socket is not replaced', async (t) => {
  const dir = await tempDir(t, 'svdsm-');
  const { conf, socket } = await writeConf(dir);
  await mkdir(join(dir, 'run'), { recursive: true });
  await writeFile(socket, 'precious');
  const r = await execaNode(SUPERVDSMD, ['--config', conf], { nodeOptions: [], reject: false, timeout: 30_000 });
  t.equal(r.exitCode, 1);
  t.match(r.stderr, /exists and is not a socket/);
});

t.test('client: calls in flight fail with CONNECTION when the daemon dies; the next call reconnects', async (t) => {
  const blackhole = createServer((s) => s.on('error', () => {}));
  blackhole.listen(0, '127.0.0.1');
  await once(blackhole, 'listening');
  t.teardown(() => blackhole.close());
  const port = (blackhole.address() as { port: number }).port;

  const d = await startDaemon(t);
  const client = clientFor(t, d.socket, 15_000);
  const first = await client.ops.ping({});
  const hanging = client.ops.iscsiDiscover({ portal: `127.0.0.1:${port}` }, { timeoutMs: 20_000 });
  d.child.kill('SIGKILL');
  await t.rejects(hanging, { name: 'SupervdsmError', code: 'CONNECTION' }, 'pending call fails with CONNECTION');

  // The call starts while nothing listens (the daemon takes a while to start): the client keeps retrying.
  const retried = client.ops.ping({});
  const again = await spawnDaemon(t, { ...d, args: [] });
  const second = await retried;
  t.not(second.pid, first.pid, 'answered by the restarted daemon');
  t.equal(second.pid, again.child.pid);
  await again.stop();
});

t.test('client: no daemon at all fails with CONNECTION after its connect timeout', async (t) => {
  const dir = await tempDir(t, 'svdsm-');
  const client = clientFor(t, join(dir, 'nothing.sock'), 300);
  const err = await client.ops.ping({}).catch((e: unknown) => e);
  t.ok(err instanceof SupervdsmError && err.code === 'CONNECTION', String(err));
});

t.test('audit: a change is logged with its params, caller and outcome', async (t) => {
  const d = await startDaemon(t);
  const client = clientFor(t, d.socket);
  const file = join(d.repository, 'image');
  await writeFile(file, 'data');
  await client.ops.setOwnership({ path: file, uid: 36, gid: 36, mode: 0o640 });
  const st = await stat(file);
  t.same([st.uid, st.gid, st.mode & 0o777], [36, 36, 0o640], 'ownership and mode changed');
  await waitUntil(() => d.stderr().includes('"op":"setOwnership"'), { timeoutMs: 10_000, what: 'audit line' });
  const line = d
    .stderr()
    .split('\n')
    .find((l) => l.includes('"op":"setOwnership"'));
  const entry = JSON.parse(line ?? '{}') as Record<string, unknown>;
  t.match(entry, {
    module: 'audit',
    audit: true,
    op: 'setOwnership',
    params: { path: file, uid: 36, gid: 36, mode: 0o640 },
    peer: { uid: 0, pid: process.pid },
    outcome: 'ok',
  });
  await client.ops.ping({});
  t.notMatch(d.stderr(), /"op":"ping"/, 'read-only calls are not audited');
});
