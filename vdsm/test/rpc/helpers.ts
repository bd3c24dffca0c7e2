import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@vdsm-ts/common/config';
import { defaultConfig } from '@vdsm-ts/common/config';
import { silentLogging } from '@vdsm-ts/common/logging';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import type { JsonRpcEndpoint, RequestContext } from '../../src/rpc/endpoint.js';
import { type RpcServer, type RpcServerOptions, startRpcServer } from '../../src/rpc/server/index.js';
import type { StompFrame } from '../../src/rpc/stomp/frame.js';
import { FrameParser } from '../../src/rpc/stomp/frame-parser.js';

/** A raw TCP peer that records every byte it receives and can decode them as STOMP frames. */
export class RawPeer {
  private chunks: Buffer[] = [];
  readonly frames: StompFrame[] = [];
  isClosed = false;
  private readonly parser = new FrameParser((f) => this.frames.push(f));

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.parser.push(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.isClosed = true;
    });
  }

  static connect(
    port: number,
    host = '127.0.0.1',
    options: { allowHalfOpen?: boolean; localAddress?: string } = {},
  ): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        port,
        host,
        allowHalfOpen: options.allowHalfOpen ?? false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawPeer(socket));
      });
    });
  }

  /** Every byte received so far. */
  get received(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once the received bytes hold `text` (as latin1/utf8 string). */
  waitForText(text: string, timeoutMs = 5000): Promise<void> {
    return waitUntil(() => this.received.includes(text), {
      timeoutMs,
      what: JSON.stringify(text),
      wakeOn: { emitter: this.socket, events: ['data'] },
    }).then(() => undefined);
  }

  waitForFrames(n: number, timeoutMs = 5000): Promise<StompFrame[]> {
    return waitUntil(() => this.frames.length >= n, {
      timeoutMs,
      what: `${n} frames`,
      wakeOn: { emitter: this.socket, events: ['data'] },
    }).then(() => this.frames.slice(0, n));
  }

  waitClosed(timeoutMs = 5000): Promise<void> {
    return waitUntil(() => this.isClosed, {
      timeoutMs,
      what: 'the server to close',
      wakeOn: { emitter: this.socket, events: ['close'] },
    }).then(() => undefined);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Logs go nowhere (tests assert on behaviour, not on log lines). */
export const quietLogging = silentLogging;

/** A test config: plain TCP on a free loopback port. */
export function testConfig(patch: (c: Config) => void = () => {}): Config {
  const config = defaultConfig();
  const mutable = config as unknown as { vars: Record<string, unknown>; addresses: Record<string, unknown> };
  mutable.vars.ssl = false;
  mutable.addresses.management_ip = '127.0.0.1';
  mutable.addresses.management_port = 0;
  patch(config);
  return config;
}

/** Python json.dumps default style for the tiny objects the test endpoint writes. */
function pyJson(value: unknown): string {
  return JSON.stringify(value).replace(/","/g, '", "').replace(/":/g, '": ').replace(/,"/g, ', "');
}

export interface Handled {
  readonly body: string;
  readonly context: RequestContext;
}

/**
 * A trivial JSON-RPC endpoint defined for transport tests: Host.ping2 → true, Test.echo → its params,
 * Test.hold → answers when `release()` is called. Batches of one get a bare object, ≥2 an array, id-less nothing.
 */
export class TrivialEndpoint implements JsonRpcEndpoint {
  readonly handled: Handled[] = [];
  private held: Array<() => void> = [];

  async handle(body: string, context: RequestContext): Promise<string | undefined> {
    this.handled.push({ body, context });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return pyJson({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
    }
    const requests = Array.isArray(parsed) ? parsed : [parsed];
    const replies: unknown[] = [];
    for (const r of requests) {
      const req = r as { id?: unknown; method?: unknown; params?: unknown };
      if (req.id === undefined) continue;
      if (req.method === 'Test.hold') await new Promise<void>((resolve) => this.held.push(resolve));
      if (req.method === 'Host.ping2') replies.push({ jsonrpc: '2.0', id: req.id, result: true });
      else if (req.method === 'Test.echo' || req.method === 'Test.hold')
        replies.push({ jsonrpc: '2.0', id: req.id, result: req.params ?? null });
      else
        replies.push({
          jsonrpc: '2.0',
          id: req.id,
          error: { code: -32601, message: `no method ${String(req.method)}` },
        });
    }
    if (replies.length === 0) return undefined;
    return pyJson(Array.isArray(parsed) && replies.length > 1 ? replies : replies[0]);
  }

  get heldCount(): number {
    return this.held.length;
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const r of held) r();
  }
}

export async function startTestServer(
  t: { teardown(fn: () => unknown): void },
  endpoint: JsonRpcEndpoint = new TrivialEndpoint(),
  options: Partial<RpcServerOptions> = {},
): Promise<{ server: RpcServer; port: number }> {
  const server = await startRpcServer({ config: testConfig(), logging: quietLogging(), endpoint, ...options });
  t.teardown(() => server.close());
  return { server, port: server.address().port };
}

/** Runs scripts/make-dev-pki into `dir`; returns the PEM paths in VDSM's layout plus the client pair. */
export async function makeDevPki(dir: string): Promise<{
  key: string;
  cert: string;
  ca: string;
  clientKey: string;
  clientCert: string;
}> {
  const { execa } = await import('execa');
  const script = fileURLToPath(new URL('../../../../scripts/make-dev-pki', import.meta.url));
  await execa(script, [dir], { timeout: 60_000, maxBuffer: 1024 * 1024 });
  return {
    key: join(dir, 'keys/vdsmkey.pem'),
    cert: join(dir, 'certs/vdsmcert.pem'),
    ca: join(dir, 'certs/cacert.pem'),
    clientKey: join(dir, 'keys/clientkey.pem'),
    clientCert: join(dir, 'certs/clientcert.pem'),
  };
}
