import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { notifyReady, sdNotify } from '../src/sd-notify.js';

// Node cannot bind AF_UNIX datagram sockets, so a python3 one-shot receiver plays systemd here.
async function receiveOne(socketPath: string, send: () => void): Promise<string> {
  const script = [
    'import socket,sys',
    's=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)',
    `s.bind(sys.argv[1])`,
    'print("bound",flush=True)',
    's.settimeout(10)',
    'sys.stdout.write(s.recv(4096).decode())',
  ].join('\n');
  return await new Promise((resolve, reject) => {
    const child = execFile('python3', ['-c', script, socketPath], { timeout: 15_000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.replace(/^bound\n/, ''));
    });
    child.stdout?.once('data', () => send());
  });
}

t.test('without NOTIFY_SOCKET nothing is sent', async (t) => {
  const saved = process.env.NOTIFY_SOCKET;
  delete process.env.NOTIFY_SOCKET;
  t.equal(sdNotify('READY=1'), false);
  if (saved !== undefined) process.env.NOTIFY_SOCKET = saved;
});

t.test('READY=1 and STATUS reach the notify socket', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sdnotify-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'notify.sock');
  process.env.NOTIFY_SOCKET = path;
  const got = await receiveOne(path, () => t.equal(notifyReady('serving'), true));
  delete process.env.NOTIFY_SOCKET;
  t.equal(got, 'READY=1\nSTATUS=serving');
});

t.test('a bad NOTIFY_SOCKET is a clear error', async (t) => {
  process.env.NOTIFY_SOCKET = 'relative/path';
  t.throws(() => sdNotify('READY=1'), /NOTIFY_SOCKET/);
  delete process.env.NOTIFY_SOCKET;
});
