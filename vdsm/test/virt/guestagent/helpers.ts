/**
 * Test helpers for the guest agent channel: the QEMU end of a `<channel type='unix'><source mode='bind'>` (a real
 * UNIX socket server that accepts vdsmd), a relay that joins vdsmd and a real agent process the way QEMU's
 * virtio-serial chardev does, and condition waits with deadlines.
 */

import { EventEmitter, once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Logging } from '@vdsm-ts/common/logging';
import { waitUntil } from '@vdsm-ts/testing/wait-until';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A Logging whose lines are kept for assertions. */
export function capturedLogging(level: 'debug' | 'info' = 'debug'): {
  logging: Logging;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logging = new Logging({ name: 'vdsmd', level }, stream);
  return {
    logging,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export type Line = { __name__: string } & Record<string, unknown>;

/** QEMU's end of the channel: listens, accepts vdsmd's connection, records every line vdsmd sends. */
export class ChannelPeer extends EventEmitter {
  readonly received: Line[] = [];
  accepted = 0;
  #server: Server;
  #client: Socket | undefined;
  #buffer = '';

  private constructor(readonly path: string) {
    super();
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async listen(t: Teardown, path: string): Promise<ChannelPeer> {
    const peer = new ChannelPeer(path);
    peer.#server.listen(path);
    await once(peer.#server, 'listening');
    t.teardown(() => peer.close());
    return peer;
  }

  #accept(socket: Socket): void {
    this.#client?.destroy();
    this.#client = socket;
    this.#buffer = '';
    this.accepted++;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        this.received.push(JSON.parse(line) as Line);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.#client === socket) this.#client = undefined;
    });
    this.emit('accept');
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  waitAccepted(count: number): Promise<number> {
    return waitUntil(() => (this.accepted >= count && this.connected ? this.accepted : undefined), {
      timeoutMs: 10_000,
      what: `${count} accepts`,
    });
  }

  /** Waits for a line vdsmd sent, at or after index `from`. */
  waitLine(name: string, from = 0, where: (l: Line) => boolean = () => true): Promise<Line> {
    return waitUntil(() => this.received.slice(from).find((l) => l.__name__ === name && where(l)), {
      timeoutMs: 10_000,
      what: `vdsmd to send ${name}`,
    });
  }

  names(): string[] {
    return this.received.map((l) => l.__name__);
  }

  write(data: string | Buffer): void {
    if (this.#client === undefined) throw new Error('vdsmd is not connected');
    this.#client.write(data);
  }

  send(message: Line): void {
    this.write(`${JSON.stringify(message)}\n`);
  }

  /** QEMU went away with this connection (the VM stopped). */
  dropClient(): void {
    this.#client?.destroy();
    this.#client = undefined;
  }

  async close(): Promise<void> {
    this.dropClient();
    if (this.#server.listening) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * What QEMU does between the host socket and the guest's virtio port: vdsmd connects on `hostPath`, the agent on
 * `agentPath`; bytes flow both ways, and host bytes wait while no agent has the port open.
 */
export class ChannelRelay {
  #host: Socket | undefined;
  #agent: Socket | undefined;
  #toAgent: Buffer[] = [];
  readonly #servers: Server[] = [];

  private constructor(
    readonly hostPath: string,
    readonly agentPath: string,
  ) {}

  static async listen(t: Teardown, dir: string): Promise<ChannelRelay> {
    const relay = new ChannelRelay(join(dir, 'host.sock'), join(dir, 'agent.sock'));
    const host = createServer((s) => relay.#acceptHost(s));
    const agent = createServer((s) => relay.#acceptAgent(s));
    relay.#servers.push(host, agent);
    host.listen(relay.hostPath);
    agent.listen(relay.agentPath);
    await Promise.all([once(host, 'listening'), once(agent, 'listening')]);
    t.teardown(() => relay.close());
    return relay;
  }

  #acceptHost(socket: Socket): void {
    this.#host?.destroy();
    this.#host = socket;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (this.#agent !== undefined) this.#agent.write(chunk);
      else this.#toAgent.push(chunk);
    });
    socket.on('close', () => {
      if (this.#host === socket) this.#host = undefined;
    });
  }

  #acceptAgent(socket: Socket): void {
    this.#agent?.destroy();
    this.#agent = socket;
    socket.on('error', () => {});
    for (const chunk of this.#toAgent.splice(0)) socket.write(chunk);
    socket.on('data', (chunk: Buffer) => this.#host?.write(chunk));
    socket.on('close', () => {
      if (this.#agent === socket) this.#agent = undefined;
    });
  }

  async close(): Promise<void> {
    this.#host?.destroy();
    this.#agent?.destroy();
    await Promise.all(
      this.#servers.map((s) => (s.listening ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)),
    );
  }
}
