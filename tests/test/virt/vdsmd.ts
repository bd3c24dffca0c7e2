/**
 * A real vdsmd process for the end-to-end tests on qemu:///system (TCG where KVM cannot run guests): plain TCP on a
 * free loopback port, a config with the given [vars], the client library connected and subscribed to events (kept
 * in order, with waits on them).
 */

import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { VdsmClient } from '@vdsm-ts/vdsm/client/index';

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
  vars: Readonly<Record<string, string>> = {},
  port?: number,
  /** `[irs] repository` */
  repository?: string,
): Promise<VirtVdsmd> {
  const daemon = await startVdsmdProcess({
    dir,
    ...(port === undefined ? {} : { port }),
    config: {
      vars: { libvirt_uri: 'qemu:///system', fake_kvm_support: 'auto', ...vars },
      ...(repository === undefined ? {} : { irs: { repository } }),
    },
  });
  const listen = daemon.port;
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
    log: daemon.log,
    stop: async () => {
      await client.close();
      await daemon.stop();
    },
  };
}
