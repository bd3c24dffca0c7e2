/**
 * qemu-guest-agent through vdsmd: a tiny guest running Debian's qemu-ga on the org.qemu.guest_agent.0 channel (no
 * oVirt agent). vdsmd starts the poller with the VM; its first query fails (the agent is not up yet) and pauses
 * polling, libvirt's agent-connected event clears the pause, and the agent's facts reach VM.getStats; the working
 * agent makes the guest Up. VM.destroy stops it.
 */
import { randomUUID } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildGuestDomainXml, randomMac } from '../../src/fixtures/domain-xml.js';
import { createGuestNetwork } from '../../src/fixtures/guest-net.js';
import { makeGuestRunDir, realGuestSkip, removeDomain, waitFor } from '../../src/fixtures/guest-run.js';
import { ensureAgentGuest, serialTail, TOOLS_SERIAL } from '../guest-agent/guest-image.js';
import { startVdsmd } from './vdsmd.js';

type Stats = Record<string, unknown>;

t.test('qemu-guest-agent through vdsmd', { skip: await realGuestSkip(t) }, realGuestTests);

async function realGuestTests(t: Test): Promise<void> {
  const runDir = await makeGuestRunDir('vdsm-ts-qga-rpc-');
  t.teardown(runDir.remove);

  await t.test('qemu-guest-agent facts in VM.getStats, guest Up through it', async (t) => {
    const { image, makeToolsDisk } = await ensureAgentGuest();
    const network = await createGuestNetwork();
    t.teardown(network.remove);
    const vdsmd = await startVdsmd(runDir.path);
    t.teardown(() => vdsmd.stop());
    const call = <T>(method: string, params: Record<string, unknown>) => vdsmd.client.call<T>(method, params);

    const vmId = randomUUID();
    const name = `vdsm-qga-rpc-${vmId.slice(0, 8)}`;
    t.teardown(() => removeDomain(name));
    const serialLog = join(runDir.path, `${name}.serial.log`);
    t.teardown(async () => {
      if (t.passing()) return;
      process.stderr.write(`--- ${name} serial console, last lines ---\n${await serialTail(serialLog)}\n`);
      process.stderr.write(`--- vdsmd log, last lines ---\n${vdsmd.log().split('\n').slice(-40).join('\n')}\n`);
    });
    const disk = join(runDir.path, `${name}-vda.img`);
    await writeFile(disk, '');
    await truncate(disk, 8 * 1024 * 1024);
    const tools = join(runDir.path, `${name}-tools.img`);
    await makeToolsDisk(tools);
    const mac = randomMac();
    const xml = buildGuestDomainXml({
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
    const stats = await waitFor(
      async () => {
        last = (await call<Stats[]>('VM.getStats', { vmID: vmId }))[0] ?? {};
        const apps = Array.isArray(last.appsList) ? (last.appsList as string[]) : [];
        return apps.some((a) => a.startsWith('qemu-guest-agent-')) && last.guestCPUCount !== undefined
          ? last
          : undefined;
      },
      // Well under the poller's 60 s pause after its first (failed) query: the connect event must end the pause.
      { timeoutMs: 50_000, intervalMs: 500, what: 'VM.getStats to carry the qemu-guest-agent facts' },
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
