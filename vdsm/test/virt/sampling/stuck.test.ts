/**
 * A bulk-stats call stuck in libvirt: the real libvirtd behind a Unix-socket relay we can stall. The cycle times out
 * after half the interval, no second call is piled on while the first is stuck, the VM is flagged unresponsive
 * (monitorResponse "-1") and sampling resumes once the call comes back.
 */

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Connection } from '@vdsm-ts/native/libvirt/index';
import { LIBVIRT_SOCKET, startLibvirtRelay } from '@vdsm-ts/testing/libvirt-relay';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import pino from 'pino';
import t from 'tap';
import { VmSampler } from '../../../src/virt/sampling/index.js';

// A diskless TCG guest: QEMU runs SeaBIOS, a real running domain at almost no cost.
function guestXml(name: string, uuid: string): string {
  return `<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='virtio'/></devices></domain>`;
}

const unavailable = existsSync(LIBVIRT_SOCKET) ? undefined : `${LIBVIRT_SOCKET} is missing: libvirtd is not running`;
if (unavailable !== undefined && process.env.CI === 'true') throw new Error(unavailable);

t.test(
  'a stuck bulk call times out, is not piled on, and sampling resumes',
  { skip: unavailable ?? false },
  async (t) => {
    const relay = await startLibvirtRelay(t, 'vdsm-sampling-relay-');

    const direct = await Connection.open({ uri: 'qemu:///system' });
    t.teardown(() => direct.close());
    const name = `vdsmts-stuck-${randomUUID().slice(0, 8)}`;
    const uuid = randomUUID();
    const dom = await direct.createXML(guestXml(name, uuid));
    t.teardown(() => dom.destroy().catch(() => undefined));

    const hv = await Connection.open({ uri: relay.uri });
    let hvClosed = false;
    t.teardown(() => (hvClosed ? undefined : hv.close().catch(() => undefined)));
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    // 6 s interval: a call still inside libvirt after 3 s has timed out (generous: the machine is shared)
    const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 6, logger, unresponsiveAfterSeconds: 2 });

    await sampler.sampleNow();
    t.equal(sampler.lastCycle.failures, 0);
    t.equal(sampler.statsFor(uuid)?.monitorResponse, '0', 'the guest is sampled');

    // stall: nothing moves through the relay in either direction
    relay.stall();
    await sampler.sampleNow();
    t.equal(sampler.lastCycle.failures, 1);
    t.match(String(sampler.lastCycle.lastError), /took longer than 3000 ms/, 'the cycle timed out');
    await sampler.sampleNow();
    t.match(
      String(sampler.lastCycle.lastError),
      /previous bulk stats call has not returned/,
      'no second call while the first is stuck',
    );
    t.equal(sampler.statsFor(uuid)?.monitorResponse, '-1', 'stats older than 2 s: monitor unresponsive');
    t.equal(lines.filter((l) => l.level === 40).length, 1, 'one warning for the failure streak');

    // the stuck call returns; the next cycles sample again
    relay.resume();
    await waitUntil(
      async () => {
        await sampler.sampleNow();
        return sampler.lastCycle.failures === 0;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'a cycle without failures once the stuck call is back' },
    );
    t.equal(sampler.lastCycle.failures, 0, 'sampling resumed');
    t.equal(sampler.statsFor(uuid)?.monitorResponse, '0', 'responsive again');
    t.ok(Number(sampler.statsFor(uuid)?.cpuUsage) > 0, 'with real counters');
    hvClosed = true;
    await hv.close();
  },
);
