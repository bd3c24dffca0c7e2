/**
 * A Unix-socket relay in front of the system libvirtd that the test controls: cutting it is libvirtd going away
 * for the clients that connected through it, stalling it is a libvirtd that stops answering. Clients connect with
 * `uri` (`qemu+unix:///system?socket=...`).
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Teardown } from './teardown.js';
import { tempDir } from './temp-storage.js';

export type { Teardown } from './teardown.js';

export const LIBVIRT_SOCKET = '/var/run/libvirt/libvirt-sock';

export interface LibvirtRelay {
  readonly uri: string;
  /** Destroys every connection through the relay so far; later ones pass again. */
  cut(): void;
  /** Stops moving bytes both ways on the current connections. */
  stall(): void;
  resume(): void;
}

export async function startLibvirtRelay(t: Teardown, prefix: string): Promise<LibvirtRelay> {
  const dir = await tempDir(t, prefix);
  const path = join(dir, 'relay.sock');
  let sockets: Socket[] = [];
  const relay = createServer((client) => {
    const upstream = connect(LIBVIRT_SOCKET);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    sockets.push(client, upstream);
  });
  relay.listen(path);
  await once(relay, 'listening');
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    relay.close();
  });
  return {
    uri: `qemu+unix:///system?socket=${path}`,
    cut: () => {
      const current = sockets;
      sockets = [];
      for (const socket of current) socket.destroy();
    },
    stall: () => {
      for (const socket of sockets) socket.pause();
    },
    resume: () => {
      for (const socket of sockets) socket.resume();
    },
  };
}
