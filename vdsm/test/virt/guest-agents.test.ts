// The guest agents wired into the VM layer on libvirt's test:///default: the oVirt agent's channel over a real UNIX
// socket (the test plays QEMU's end and the agent), and the qemu-guest-agent poller's life with the VM. No mocks.

import { join } from 'node:path';
import { uuidOf } from '@vdsm-ts/testing/domain-xml';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { ovirtGuestAgentFactory, qemuGuestAgentFactory } from '../../src/virt/guest-agents.js';
import { GuestAgentChannel, QemuGuestAgentPoller } from '../../src/virt/guestagent/index.js';
import { HypervisorConnection } from '../../src/virt/hypervisor-connection.js';
import type { KvmSupport } from '../../src/virt/kvm-support.js';
import { guestPart, mergeSampledAndGuest } from '../../src/virt/vm/stats.js';
import { VmManager } from '../../src/virt/vm-manager.js';
import { ChannelPeer } from './guestagent/helpers.js';
import { engineVmXml, silentLogger } from './helpers.js';

const KVM: KvmSupport = { usable: false, reason: 'test', useTcg: true, setting: 'auto' };

async function setup(t: { teardown(fn: () => unknown): void }) {
  const hypervisor = new HypervisorConnection({ uri: 'test:///default', logger: silentLogger() });
  await hypervisor.connect();
  const managers: VmManager[] = [];
  const make = async () => {
    const manager = new VmManager({
      hypervisor,
      logger: silentLogger(),
      kvm: KVM,
      publish: () => undefined,
      agentFactory: ovirtGuestAgentFactory(silentLogger()),
      qgaFactory: qemuGuestAgentFactory(silentLogger()),
      timing: { guestEventMs: 300 },
      shutdownTimeoutSeconds: 2,
    });
    await manager.start();
    managers.push(manager);
    return manager;
  };
  t.teardown(async () => {
    for (const m of managers) await m.stop();
    await hypervisor.close();
  });
  return { hypervisor, make };
}

const heartbeat = (apiVersion: number) =>
  `${JSON.stringify({ __name__: 'heartbeat', 'free-ram': '64', 'memory-stat': { mem_total: 131072 }, apiVersion })}\n`;

function withQgaChannel(xml: string, path: string): string {
  return xml.replace(
    '</devices>',
    `<channel type="unix"><source mode="bind" path="${path}"/><target type="virtio" name="org.qemu.guest_agent.0"/></channel></devices>`,
  );
}

t.test('the negotiated guest agent API version is kept in the metadata and survives a vdsmd restart', async (t) => {
  const { hypervisor, make } = await setup(t);
  const dir = await tempDir(t, 'vdsm-ga-');
  const peer = await ChannelPeer.listen(t, join(dir, 'ga.sock'));
  const xml = engineVmXml({ name: 'ga-api', channel: peer.path });
  const id = uuidOf(xml);
  const first = await make();
  await first.create(id, { xml });
  await waitUntil(() => first.get(id).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  await peer.waitAccepted(1);
  await peer.waitLine('refresh');
  peer.write(heartbeat(3));
  const domain = await hypervisor.lookupByUUID(id);
  const metadata = await waitUntil(
    async () => {
      const current = await domain.getOvirtMetadata();
      return /guestAgentAPIVersion/.test(current) ? current : undefined;
    },
    { timeoutMs: 5000, intervalMs: 10, what: 'guestAgentAPIVersion in the ovirt-vm metadata' },
  );
  t.match(metadata, /<guestAgentAPIVersion type="int">3<\/guestAgentAPIVersion>/, 'written to the ovirt-vm metadata');
  t.same(await peer.waitLine('api-version'), { __name__: 'api-version', apiVersion: 3 });

  await first.stop();
  const second = await make();
  const agent = second.get(id).agent;
  t.ok(agent instanceof GuestAgentChannel, 'the recovered VM has its agent channel again');
  t.equal((agent as GuestAgentChannel).apiVersion, 3, 'starting from the stored API version');
  await second.destroy(id, 0);
});

t.test('stats: balloon memoryStats win over the agent, agent memUsage unless "0", QGA fields override', (t) => {
  const sampled = {
    memUsage: '40',
    memoryStats: { mem_total: '1000', mem_unused: '500', mem_free: '600', swap_in: 0 },
    balloonInfo: {},
  };
  const ovirt = {
    memUsage: '75',
    memoryStats: { mem_total: '999', mem_unused: '1', mem_free: '2', mem_buffers: '7' },
    appsList: ['ovirt-guest-agent-1.0', 'kernel-6.1'],
    guestFQDN: 'a.example',
    username: 'alice',
  };
  const qga = { appsList: ['kernel-6.1', 'qemu-guest-agent-7.2'], guestFQDN: 'b.example' };
  const record: Record<string, unknown> = { vmId: 'x' };
  mergeSampledAndGuest(record, sampled, guestPart(ovirt, qga));
  t.same(record.memoryStats, { mem_total: '1000', mem_unused: '500', mem_free: '600', swap_in: 0, mem_buffers: '7' });
  t.equal(record.memUsage, '75', "the agent's memUsage (from free-ram) wins");
  t.same(record.appsList, ['ovirt-guest-agent-1.0', 'kernel-6.1', 'qemu-guest-agent-7.2'], 'application lists joined');
  t.equal(record.guestFQDN, 'b.example', 'qemu-guest-agent overrides key by key');
  t.equal(record.username, 'alice');

  const stale: Record<string, unknown> = {};
  mergeSampledAndGuest(stale, sampled, { ...ovirt, memUsage: '0' });
  t.equal(stale.memUsage, '40', 'memUsage "0" (no fresh heartbeat) falls back to the balloon');
  const noBalloon: Record<string, unknown> = {};
  mergeSampledAndGuest(noBalloon, { memUsage: '0', balloonInfo: {} }, ovirt);
  t.same(noBalloon.memoryStats, ovirt.memoryStats, "without balloon stats the agent's are reported");
  t.same(guestPart(undefined, qga), qga);
  t.same(guestPart(ovirt, undefined), ovirt);
  t.end();
});

t.test('the qemu-guest-agent poller runs while a VM with its channel is up and stops with it', async (t) => {
  const { make } = await setup(t);
  const manager = await make();
  const dir = await tempDir(t, 'vdsm-ga-');
  const withQga = withQgaChannel(engineVmXml({ name: 'qga-a' }), join(dir, 'qga-a.sock'));
  const alsoQga = withQgaChannel(engineVmXml({ name: 'qga-b' }), join(dir, 'qga-b.sock'));
  const without = engineVmXml({ name: 'qga-none' });
  for (const xml of [withQga, alsoQga, without]) await manager.create(uuidOf(xml), { xml });
  for (const xml of [withQga, alsoQga, without]) {
    await waitUntil(() => manager.get(uuidOf(xml)).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  }

  const a = manager.get(uuidOf(withQga));
  // Up is set before the live XML is read and the agents start.
  const pollerA = await waitUntil(() => a.qga, { timeoutMs: 5000, what: 'the poller' });
  t.ok(pollerA instanceof QemuGuestAgentPoller, 'a poller for the VM with org.qemu.guest_agent.0');
  t.ok((pollerA as QemuGuestAgentPoller).polling, 'polling');
  const plain = manager.get(uuidOf(without));
  // The live XML (it carries the running domain's id) is read before the agents start; it may have been read already.
  const isLive = () => /<domain\b[^>]*\sid=/.test(plain.description.xml);
  await waitUntil(isLive, { timeoutMs: 5000, what: 'the live XML read (agents start right after)' });
  await new Promise((r) => setImmediate(r));
  t.equal(plain.qga, undefined, 'none without the channel');
  t.match(manager.stats(a.id), { vmId: a.id, status: /Up|Powering up/ }, 'getStats with a (failing) poller');
  const record = manager.stats(a.id);
  const again = manager.stats(a.id);
  // (a new elapsed second also rebuilds it)
  t.ok(
    again === record ||
      !('elapsedTime' in again && 'elapsedTime' in record && again.elapsedTime === record.elapsedTime),
    'reused while the poller has nothing new',
  );
  pollerA.reset();
  t.not(manager.stats(a.id), record, 'rebuilt once the poller may report something new');

  await manager.destroy(a.id, 0);
  t.notOk((pollerA as QemuGuestAgentPoller).polling, 'stopped by VM.destroy');

  const b = manager.get(uuidOf(alsoQga));
  const pollerB = (await waitUntil(() => b.qga, { timeoutMs: 5000, what: 'the poller' })) as QemuGuestAgentPoller;
  t.ok(pollerB.polling);
  manager.shutdown(b.id, { reboot: false, force: false, timeout: 2 });
  await waitUntil(() => b.isDown(), { timeoutMs: 10_000, what: 'Down after VM.shutdown' });
  t.notOk(pollerB.polling, 'stopped when the VM went Down');
  t.equal(b.qga, undefined);
  await manager.destroy(b.id, 0);
  await manager.destroy(uuidOf(without), 0);
});
