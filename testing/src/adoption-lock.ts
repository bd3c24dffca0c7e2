/**
 * A host-wide lock over "a vdsmd adopts the domains of a real libvirt". Every vdsmd that starts on qemu:///system
 * recovers every vdsm domain it finds there, whoever created it, and from then on reports their stops as its own
 * (and persists that exit record). A test that needs its domains unwatched for a while (a guest destroyed while its
 * vdsmd was away) holds this lock for that window; every vdsmd start on a real libvirt holds it until recovery is
 * done, so no other test's vdsmd can adopt the domains in between. The lock is an abstract unix socket: the kernel
 * frees it when its holder dies, so a crashed test leaves nothing stale. Re-entrant within one process.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

const LOCK_ADDRESS = '\0vdsm-ts-test-libvirt-adoption';

let holder: { server: Server; waiters: Set<Socket>; count: number } | undefined;
let acquiring: Promise<void> | undefined;

function tryListen(): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(undefined);
      else reject(err);
    });
    server.listen({ path: LOCK_ADDRESS }, () => resolve(server));
  });
}

/** Resolves once the current holder lets go (it closes every waiter's connection), dies, or `ms` pass. */
async function waitForRelease(ms: number): Promise<void> {
  const socket = connect({ path: LOCK_ADDRESS });
  socket.on('error', () => undefined);
  const timer = setTimeout(() => socket.destroy(), ms);
  await once(socket, 'close');
  clearTimeout(timer);
}

async function acquire(deadline: number): Promise<void> {
  for (;;) {
    const server = await tryListen();
    if (server !== undefined) {
      const waiters = new Set<Socket>();
      server.on('connection', (s) => {
        s.on('error', () => undefined);
        s.unref();
        waiters.add(s);
        s.once('close', () => waiters.delete(s));
      });
      server.unref();
      holder = { server, waiters, count: 0 };
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('another test kept the libvirt adoption lock past the deadline');
    await waitForRelease(left);
  }
}

/** Takes the lock (waiting up to `timeoutMs` for another process to release it); resolves with its release. */
export async function holdAdoptionLock(timeoutMs = 240_000): Promise<() => Promise<void>> {
  while (holder === undefined) {
    acquiring ??= acquire(Date.now() + timeoutMs).finally(() => {
      acquiring = undefined;
    });
    await acquiring;
  }
  const held = holder;
  held.count++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--held.count > 0) return;
    holder = undefined;
    // Unbind first, then wake the waiters, so they find the address free.
    const closed = once(held.server, 'close');
    held.server.close();
    for (const s of held.waiters) s.destroy();
    await closed;
  };
}
