/**
 * A real vdsmd process for the virt end-to-end tests: plain TCP on a free loopback port, a config with the given
 * [vars], the client library connected and subscribed to events (kept in order, with waits on them).
 */
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VdsmClient } from '@vdsm-ts/vdsm/client/index';
import { execa } from 'execa';

const VDSMD = fileURLToPath(import.meta.resolve('@vdsm-ts/vdsm/bin/vdsmd'));
const START_TIMEOUT_MS = 60_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export interface VmStatusEvent {
  readonly vmId: string;
  readonly status: string;
  readonly record: Readonly<Record<string, unknown>>;
}

export interface VirtVdsmd {
  readonly client: VdsmClient;
  readonly port: number;
  /** Every `|virt|VM_status|` event received so far, in order. */
  readonly events: VmStatusEvent[];
  statuses(vmId: string): string[];
  /** Resolves with the first event (from now on, or already received when `seen` is true) matching. */
  waitForStatus(vmId: string, status: string, timeoutMs: number): Promise<VmStatusEvent>;
  log(): string;
  stop(): Promise<void>;
}

export async function startVdsmd(
  dir: string,
  vars: Readonly<Record<string, string>>,
  port?: number,
  /** `[irs] repository` */
  repository?: string,
): Promise<VirtVdsmd> {
  const listen = port ?? (await freePort());
  const conf = join(dir, `vdsm-${listen}.conf`);
  const lines = Object.entries({ ssl: 'false', ...vars }).map(([k, v]) => `${k} = ${v}`);
  const irs = repository === undefined ? [] : ['[irs]', `repository = ${repository}`];
  await writeFile(
    conf,
    ['[vars]', ...lines, ...irs, '[addresses]', 'management_ip = 127.0.0.1', `management_port = ${listen}`, ''].join(
      '\n',
    ),
  );
  const daemon = execa('node', [VDSMD, '--config', conf], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '' },
  });
  let seen = '';
  const onData = (chunk: Buffer) => {
    seen += chunk.toString();
    if (seen.length > 4 * 1024 * 1024) seen = seen.slice(-2 * 1024 * 1024);
  };
  daemon.stderr?.on('data', onData);
  daemon.stdout?.on('data', onData);
  const stopDaemon = async () => {
    daemon.kill('SIGTERM');
    await daemon;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`vdsmd did not serve within ${START_TIMEOUT_MS} ms:\n${seen}`)),
        START_TIMEOUT_MS,
      );
      const check = setInterval(() => {
        if (seen.includes('serving on')) {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        }
      }, 20);
      void daemon.then((r) => {
        clearTimeout(timer);
        clearInterval(check);
        reject(new Error(`vdsmd exited (${r.exitCode}):\n${seen}`));
      });
    });
  } catch (error) {
    await stopDaemon();
    throw error;
  }
  const client = await VdsmClient.connect({ host: '127.0.0.1', port: listen, tls: false, reconnect: false });
  const events: VmStatusEvent[] = [];
  const waiters = new Set<() => void>();
  client.subscribeEvents((method, params) => {
    const m = /^\|virt\|VM_status\|(.+)$/.exec(method);
    if (m?.[1] === undefined) return;
    const record = params[m[1]] as Record<string, unknown>;
    events.push({ vmId: m[1], status: String(record.status), record });
    for (const wake of waiters) wake();
  });
  // The subscription is a STOMP frame; a round trip makes sure the server has it before the test goes on.
  await client.call('Host.ping2');
  const waitForStatus = (vmId: string, status: string, timeoutMs: number): Promise<VmStatusEvent> =>
    new Promise((resolve, reject) => {
      const find = () => events.find((e) => e.vmId === vmId && e.status === status);
      const timer = setTimeout(() => {
        waiters.delete(wake);
        const got = events.filter((e) => e.vmId === vmId).map((e) => e.status);
        reject(new Error(`no ${status} event for ${vmId} within ${timeoutMs} ms (got ${got.join(' -> ')})`));
      }, timeoutMs);
      const wake = () => {
        const hit = find();
        if (hit === undefined) return;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(hit);
      };
      waiters.add(wake);
      wake();
    });
  return {
    client,
    port: listen,
    events,
    statuses: (vmId) => events.filter((e) => e.vmId === vmId).map((e) => e.status),
    waitForStatus,
    log: () => seen,
    stop: async () => {
      await client.close();
      await stopDaemon();
    },
  };
}
