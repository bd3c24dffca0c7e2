import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { engineDomainXml } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t, { type Test } from 'tap';
import { makeGuestRunDir, realGuestSkip, waitForDomainState, waitForSerialLine } from '../../src/fixtures/guest-run.js';
import { prepareAgentGuestRun } from './agent-guest-run.js';
import { GA_POWEROFF_MARKER, MEMINFO_MARKER, TOOLS_MOUNT, TOOLS_SERIAL, toolsDf } from './guest-image.js';

const MEMORY_MIB = 384;
const AGENT_TIMEOUT_MS = 180_000;
const SHUTDOWN_TIMEOUT_MS = 90_000;

type Stats = Record<string, unknown>;

t.test('guest agent through vdsmd', { skip: await realGuestSkip(t) }, realGuestTests);

async function realGuestTests(t: Test): Promise<void> {
  const runDir = await makeGuestRunDir('vdsm-ts-ga-rpc-');
  t.teardown(runDir.remove);

  await t.test('VM.create, VM.getStats guest fields, VM.shutdown through the agent', async (t) => {
    const { image, network, call, vmId, name, serialLog, disk, tools, mac } = await prepareAgentGuestRun(
      t,
      runDir.path,
      'vdsm-ga-rpc',
    );
    // The engine's XML: type kvm (vdsmd falls back to TCG here), the agent channel QEMU binds.
    const xml = engineDomainXml({
      name,
      uuid: vmId,
      memoryMiB: MEMORY_MIB,
      boot: { kernel: image.kernel, initrd: image.initrd, ip: network.guestCidr, hostname: name },
      serial: { type: 'file', path: serialLog },
      nics: [{ mac, source: { type: 'bridge', bridge: network.bridge } }],
      disks: [
        { path: disk, target: 'vda', serial: vmId.slice(0, 20) },
        { path: tools, target: 'vdb', serial: TOOLS_SERIAL, readonly: true },
      ],
      guestAgentSocket: join(runDir.path, `${vmId}.ovirt-guest-agent.0`),
    });
    const started = performance.now();
    await call('VM.create', { vmID: vmId, vmParams: { vmId, xml } });

    const getStats = async (): Promise<Stats> => {
      const list = await call<Stats[]>('VM.getStats', { vmID: vmId });
      return list[0] ?? {};
    };
    let last: Stats = {};
    const stats = await waitUntil(
      async () => {
        last = await getStats();
        return last.guestOsInfo !== undefined && last.disksUsage !== undefined && last.status === 'Up'
          ? last
          : undefined;
      },
      {
        retryOnError: true,
        timeoutMs: AGENT_TIMEOUT_MS,
        intervalMs: 1000,
        what: 'VM.getStats to carry the agent report',
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nlast VM.getStats: ${JSON.stringify(last)}`);
    });
    t.comment(`VM.create -> guest fields in VM.getStats ${Math.round(performance.now() - started)} ms`);

    t.equal(stats.status, 'Up', 'the responsive agent makes the VM Up');
    t.equal(stats.guestName, name);
    t.equal(stats.guestFQDN, name);
    t.equal(stats.guestOs, image.version);
    t.match(stats.guestOsInfo, { type: 'linux', arch: 'x86_64', kernel: image.version });
    t.equal(stats.guestIPs, network.guestIp);
    t.match(stats.netIfaces, [{ name: 'eth0', hw: mac, inet: [network.guestIp] }]);
    t.equal(stats.username, 'None');
    t.type(stats.session, 'string');
    t.type(stats.appsList, Array);
    const df = await toolsDf(serialLog);
    t.same(
      (stats.disksUsage as Stats[]).find((d) => d.path === TOOLS_MOUNT),
      { path: TOOLS_MOUNT, fs: 'ext4', total: String((df?.total ?? 0) * 1024), used: String((df?.used ?? 0) * 1024) },
      'disksUsage has the guest ext4 filesystem as df sees it',
    );
    t.match(stats.memUsage, /^\d+$/, 'memUsage is a string percentage');
    const memTotal = /MemTotal=(\d+)/.exec(
      (await readFile(serialLog, 'utf8')).split('\n').find((l) => l.startsWith(MEMINFO_MARKER)) ?? '',
    )?.[1];
    t.ok(memTotal !== undefined, 'the guest printed its meminfo');

    const message = 'vdsm-ts: host maintenance';
    const shutdownStart = performance.now();
    await call('VM.shutdown', { vmID: vmId, delay: 0, message, reboot: false, timeout: 60, force: false });
    t.match(await waitForSerialLine(serialLog, GA_POWEROFF_MARKER, SHUTDOWN_TIMEOUT_MS), `-h +0 ${message}`);
    t.equal(await waitForDomainState(name, /^shut off/, SHUTDOWN_TIMEOUT_MS), 'shut off (shutdown)');
    const down = await waitUntil(
      async () => {
        const s = await getStats();
        return s.status === 'Down' ? s : undefined;
      },
      { retryOnError: true, timeoutMs: 30_000, intervalMs: 200, what: 'VM.getStats to say Down' },
    );
    t.comment(`VM.shutdown -> Down ${Math.round(performance.now() - shutdownStart)} ms`);
    // Upstream: a shutdown done by the oVirt guest agent is a shutdown from within the guest (reason 7);
    // only qemu-ga, ACPI and destroy record the admin (6).
    t.match(down, { status: 'Down', exitCode: 0 });
    t.match(
      down,
      { exitReason: 7, exitMessage: 'User shut down from within the guest' },
      'exit reason: shut down from within the guest',
    );
    await call('VM.destroy', { vmID: vmId });
  });
}
