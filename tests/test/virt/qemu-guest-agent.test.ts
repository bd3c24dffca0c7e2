import { join } from 'node:path';
import { engineDomainXml } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t, { type Test } from 'tap';
import { makeGuestRunDir, realGuestSkip } from '../../src/fixtures/guest-run.js';
import { prepareAgentGuestRun } from '../guest-agent/agent-guest-run.js';
import { TOOLS_SERIAL } from '../guest-agent/guest-image.js';

type Stats = Record<string, unknown>;

t.test('qemu-guest-agent through vdsmd', { skip: await realGuestSkip(t) }, realGuestTests);

async function realGuestTests(t: Test): Promise<void> {
  const runDir = await makeGuestRunDir('vdsm-ts-qga-rpc-');
  t.teardown(runDir.remove);

  await t.test('qemu-guest-agent facts in VM.getStats, guest Up through it', async (t) => {
    const { image, network, vdsmd, call, vmId, name, serialLog, disk, tools, mac } = await prepareAgentGuestRun(
      t,
      runDir.path,
      'vdsm-qga-rpc',
    );
    const xml = engineDomainXml({
      name,
      uuid: vmId,
      memoryMiB: 256,
      boot: { kernel: image.kernel, initrd: image.initrd, ip: network.guestCidr, hostname: name },
      serial: { type: 'file', path: serialLog },
      nics: [{ mac, source: { type: 'bridge', bridge: network.bridge } }],
      disks: [
        { path: disk, target: 'vda' },
        { path: tools, target: 'vdb', serial: TOOLS_SERIAL, readonly: true },
      ],
      qemuGuestAgentSocket: join(runDir.path, `${vmId}.org.qemu.guest_agent.0`),
    });
    const started = performance.now();
    await call('VM.create', { vmID: vmId, vmParams: { vmId, xml } });
    let last: Stats = {};
    const stats = await waitUntil(
      async () => {
        last = (await call<Stats[]>('VM.getStats', { vmID: vmId }))[0] ?? {};
        const apps = Array.isArray(last.appsList) ? (last.appsList as string[]) : [];
        return apps.some((a) => a.startsWith('qemu-guest-agent-')) && last.guestCPUCount !== undefined
          ? last
          : undefined;
      },
      // Well under the poller's 60 s pause after its first (failed) query: the connect event must end the pause.
      {
        timeoutMs: 50_000,
        intervalMs: 500,
        what: 'VM.getStats to carry the qemu-guest-agent facts',
        retryOnError: true,
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nlast VM.getStats: ${JSON.stringify(last)}`);
    });
    t.comment(`VM.create -> qemu-guest-agent facts in VM.getStats ${Math.round(performance.now() - started)} ms`);
    t.match(vdsmd.log(), /qemu-guest-agent query failed; pausing/, 'the query before the agent was up paused polling');
    t.equal(stats.status, 'Up', 'the working qemu-guest-agent makes the guest Up');
    t.equal(stats.guestName, name);
    t.equal(stats.guestOs, image.version, 'guestOs: the kernel release');
    t.match(stats.guestOsInfo, { type: 'linux', arch: 'x86_64', kernel: image.version });
    t.equal(stats.guestCPUCount, 1);
    t.match(stats.netIfaces, [{ name: 'eth0', hw: mac, inet: [network.guestIp] }]);
    t.match(stats.appsList, [`kernel-${image.version}`, /^qemu-guest-agent-/]);
    t.match(stats, { vmId, vmName: name, monitorResponse: '0' }, 'the rest of the record is there too');

    await call('VM.destroy', { vmID: vmId });
    t.notOk((await call<string[]>('Host.getVMList', { onlyUUID: true })).includes(vmId));
  });
}
