/**
 * The oVirt guest agent in a real guest (the tiny TCG guest with the host's node and the agent bundle) talking to
 * vdsmd's GuestAgentChannel over the virtio-serial port and QEMU's channel socket: the guest's host name, its
 * address on a bridge, memory figures against its own /proc/meminfo, disk usage and serial mapping. The same guest
 * runs qemu-guest-agent, which QemuGuestAgentPoller reads through libvirt. Then a shutdown with a message through the
 * oVirt agent powers the guest off.
 */

import { randomUUID } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logging } from '@vdsm-ts/common/logging';
import { Connection } from '@vdsm-ts/native/libvirt/index';
import { engineDomainXml, randomMac, toTcgDomainXml } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { GuestAgentChannel, QemuGuestAgentPoller } from '@vdsm-ts/vdsm/virt/guestagent/index';
import t, { type Test } from 'tap';
import { BOOT_MARKER } from '../../src/fixtures/guest-init.js';
import { createGuestNetwork } from '../../src/fixtures/guest-net.js';
import {
  makeGuestRunDir,
  realGuestSkip,
  removeDomain,
  virsh,
  waitForDomainState,
  waitForSerialLine,
} from '../../src/fixtures/guest-run.js';
import {
  ensureAgentGuest,
  GA_POWEROFF_MARKER,
  GUEST_OS_NAME,
  GUEST_OS_VERSION_ID,
  MEMINFO_MARKER,
  serialTail,
  TOOLS_MOUNT,
  TOOLS_SERIAL,
  toolsDf,
} from './guest-image.js';

const MEMORY_MIB = 384;
const BOOT_TIMEOUT_MS = 120_000;
const AGENT_TIMEOUT_MS = 120_000;
const SHUTDOWN_TIMEOUT_MS = 60_000;
/** How far the agent's MemFree may be from the guest's console reading taken within a few seconds of it. */
const MEM_FREE_TOLERANCE_KIB = 24 * 1024;

t.test('oVirt guest agent in a real guest', { skip: await realGuestSkip(t) }, realGuestTests);

/** The newest meminfo line the guest printed, as KiB numbers. */
async function lastMeminfo(serialLog: string): Promise<Record<string, number> | undefined> {
  const lines = (await readFile(serialLog, 'utf8')).split(/\r?\n/).filter((l) => l.startsWith(MEMINFO_MARKER));
  const last = lines.at(-1);
  if (last === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const [, key, value] of last.matchAll(/(\w+)=(\d+)/g)) out[key as string] = Number(value);
  return out;
}

async function realGuestTests(t: Test): Promise<void> {
  const runDir = await makeGuestRunDir('vdsm-ts-ga-');
  t.teardown(runDir.remove);
  const logging = new Logging({ name: 'e2e', level: 'warn', pretty: false });

  await t.test('GuestAgentChannel and the agent in a real guest', async (t) => {
    const buildStart = performance.now();
    const { image, makeToolsDisk } = await ensureAgentGuest();
    t.comment(`guest image with the agents ${image.key} ready in ${Math.round(performance.now() - buildStart)} ms`);
    const network = await createGuestNetwork();
    t.teardown(network.remove);

    const vmId = randomUUID();
    const name = `vdsm-ga-${vmId.slice(0, 8)}`;
    const serialLog = join(runDir.path, `${name}.serial.log`);
    t.teardown(async () => {
      if (t.passing()) return;
      process.stderr.write(`--- ${name} serial console, last lines ---\n${await serialTail(serialLog)}\n`);
    });
    const disk = join(runDir.path, `${name}-vda.img`);
    await writeFile(disk, '');
    await truncate(disk, 8 * 1024 * 1024);
    const tools = join(runDir.path, `${name}-tools.img`);
    await makeToolsDisk(tools);
    // Upstream matches drives by the first 20 characters of the image UUID in the serial the guest reports.
    const serial = randomUUID().slice(0, 20);
    const mac = randomMac();
    const socketPath = join(runDir.path, `${vmId}.ovirt-guest-agent.0`);
    const xmlFile = join(runDir.path, `${name}.xml`);
    await writeFile(
      xmlFile,
      toTcgDomainXml(
        engineDomainXml({
          name,
          uuid: vmId,
          memoryMiB: MEMORY_MIB,
          boot: { kernel: image.kernel, initrd: image.initrd, ip: network.guestCidr, hostname: name },
          serial: { type: 'file', path: serialLog },
          nics: [{ mac, source: { type: 'bridge', bridge: network.bridge } }],
          disks: [
            { path: disk, target: 'vda', serial },
            { path: tools, target: 'vdb', serial: TOOLS_SERIAL, readonly: true },
          ],
          guestAgentSocket: socketPath,
          qemuGuestAgentSocket: join(runDir.path, `${vmId}.org.qemu.guest_agent.0`),
        }),
      ),
    );
    t.teardown(() => removeDomain(name));
    await virsh(['define', xmlFile]);

    // The channel starts before QEMU exists, as it may in vdsmd: it retries until the socket appears.
    const channel = new GuestAgentChannel({
      vmId,
      socketPath,
      logger: logging.get('virt.guestagent'),
      memSizeMiB: MEMORY_MIB,
      timing: { retryInitialMs: 100, retryMaxMs: 1000 },
    });
    t.teardown(() => channel.stop());
    const versions: number[] = [];
    channel.on('apiVersion', (v) => versions.push(v));
    channel.start();

    const started = performance.now();
    await virsh(['start', name]);
    await waitForSerialLine(serialLog, BOOT_MARKER, BOOT_TIMEOUT_MS);
    const bootMs = performance.now() - started;
    const firstMessage = await waitUntil(async () => (channel.counters.messages > 0 ? performance.now() : undefined), {
      retryOnError: true,
      intervalMs: 100,
      timeoutMs: AGENT_TIMEOUT_MS,
      what: 'the first message from the agent',
    });
    const stats = await waitUntil(
      async () => {
        const s = channel.stats();
        return channel.apiVersion === 3 &&
          s.guestOsInfo !== undefined &&
          s.disksUsage !== undefined &&
          s.memoryStats !== undefined &&
          s.guestCPUCount !== -1
          ? s
          : undefined;
      },
      {
        retryOnError: true,
        intervalMs: 100,
        timeoutMs: AGENT_TIMEOUT_MS,
        what: 'API 3 data, disks usage, memory and CPU count from the agent',
      },
    );
    const allMs = performance.now() - started;
    t.comment(
      `virsh start -> boot marker ${Math.round(bootMs)} ms, -> first agent message ${Math.round(firstMessage - started)} ms, -> full report at API 3 ${Math.round(allMs)} ms`,
    );

    t.same(versions, [3], 'API version negotiated to 3');
    t.equal(channel.guestStatus(), 'Up');
    t.ok(channel.isResponsive());
    t.same(channel.counters.refused, {}, 'the agent sent nothing vdsmd refused');
    t.equal(stats.guestName, name, 'guestName is the guest host name');
    t.equal(stats.guestFQDN, name, 'guestFQDN');
    t.equal(stats.guestOs, image.version, 'guestOs is the guest kernel release');
    t.match(stats.guestOsInfo, { type: 'linux', arch: 'x86_64', kernel: image.version });
    t.equal(stats.guestCPUCount, 1);
    t.equal(stats.username, 'None', 'nobody is logged in');

    const eth0 = (stats.netIfaces as { name: string; hw: string; inet: string[] }[]).find((i) => i.name === 'eth0');
    t.same(eth0?.hw, mac, 'eth0 reports the MAC from the domain XML');
    t.same(eth0?.inet, [network.guestIp], 'eth0 reports the address on the bridge');
    t.equal(stats.guestIPs, network.guestIp);
    t.ok(await network.pingGuest(), 'and the guest answers on that address');

    // Disk usage of the tools disk (ext4) against the guest's own df.
    const df = await toolsDf(serialLog);
    t.ok(df !== undefined, 'the guest printed df for the tools disk');
    const opt = (stats.disksUsage as Record<string, string>[]).find((d) => d.path === TOOLS_MOUNT);
    t.same(
      opt,
      { path: TOOLS_MOUNT, fs: 'ext4', total: String((df?.total ?? 0) * 1024), used: String((df?.used ?? 0) * 1024) },
      "disksUsage has the ext4 tools disk with df's size and use, in bytes as strings",
    );
    t.same(channel.diskMapping()[TOOLS_SERIAL], { name: '/dev/vdb' }, 'the tools disk serial maps to /dev/vdb');
    t.same(channel.diskMapping()[serial], { name: '/dev/vda' }, 'the disk serial maps to /dev/vda');

    // Memory: the next heartbeat against the guest's own /proc/meminfo printed at about the same time.
    const beats = channel.counters.messages;
    await waitUntil(async () => channel.counters.messages > beats + 1, {
      retryOnError: true,
      intervalMs: 100,
      timeoutMs: 30_000,
      what: 'another heartbeat',
    });
    const mem = channel.stats().memoryStats as Record<string, string>;
    const meminfo = await lastMeminfo(serialLog);
    t.ok(meminfo !== undefined, 'the guest printed /proc/meminfo');
    t.equal(Number(mem.mem_total), meminfo?.MemTotal, 'mem_total is the guest MemTotal (KiB)');
    const freeDiff = Math.abs(Number(mem.mem_unused) - (meminfo?.MemFree ?? 0));
    t.ok(
      freeDiff <= MEM_FREE_TOLERANCE_KIB,
      `mem_unused within ${MEM_FREE_TOLERANCE_KIB} KiB of MemFree (off by ${freeDiff})`,
    );
    t.equal(mem.mem_free, mem.mem_unused, 'mem_free is reported as MemFree, like upstream');
    t.ok(
      Math.abs(Number(mem.mem_cached) - (meminfo?.Cached ?? 0)) <= MEM_FREE_TOLERANCE_KIB,
      'mem_cached matches Cached',
    );
    const memUsage = Number(channel.stats().memUsage);
    t.ok(memUsage > 0 && memUsage < 100, `memUsage ${memUsage}% of ${MEMORY_MIB} MiB`);
    t.comment(
      `guest memory: MemTotal ${meminfo?.MemTotal} KiB, MemFree ${meminfo?.MemFree} KiB; agent mem_unused ${mem.mem_unused} KiB, memUsage ${memUsage}%`,
    );

    t.same(await channel.echo({ from: 'vdsm-ts' }), { from: 'vdsm-ts' }, 'echo round trip through the guest');

    // qemu-guest-agent in the same guest, read through libvirt.
    const conn = await Connection.open({ uri: 'qemu:///system' });
    t.teardown(() => conn.close());
    const poller = new QemuGuestAgentPoller({
      vmId,
      domain: await conn.lookupByUUID(vmId),
      logger: logging.get('virt.qga'),
      intervalSeconds: 1,
      failureBackoffSeconds: 2,
    });
    t.teardown(() => poller.stop());
    const qgaStart = performance.now();
    poller.start();
    const qga = await waitUntil(
      async () => {
        const s = poller.stats();
        return s.guestOsInfo !== undefined && s.netIfaces !== undefined && s.guestCPUCount !== undefined
          ? s
          : undefined;
      },
      { retryOnError: true, intervalMs: 100, timeoutMs: 60_000, what: 'qemu-guest-agent facts through libvirt' },
    );
    t.comment(
      `qemu-guest-agent: poller start -> facts ${Math.round(performance.now() - qgaStart)} ms, agent ${poller.caps?.version}`,
    );
    t.ok(poller.isWorking());
    t.equal(qga.guestName, name, 'QGA guestName');
    t.equal(qga.guestFQDN, name, 'QGA guestFQDN is the host name');
    t.equal(qga.guestOs, image.version, 'QGA guestOs is the kernel release');
    t.same(qga.guestOsInfo, {
      type: 'linux',
      arch: 'x86_64',
      kernel: image.version,
      distribution: GUEST_OS_NAME,
      version: GUEST_OS_VERSION_ID,
      codename: '',
    });
    t.match(qga.netIfaces, [{ name: 'eth0', hw: mac, inet: [network.guestIp] }], 'QGA netIfaces');
    t.equal(qga.guestIPs, '', 'QGA leaves guestIPs empty, like upstream');
    t.equal(qga.guestCPUCount, 1, 'QGA online vCPUs');
    t.same(qga.appsList, [`kernel-${image.version}`, `qemu-guest-agent-${poller.caps?.version}`]);
    // qemu-ga counts blocks reserved for root out of the total (used + available), unlike df and the oVirt agent.
    t.same(
      (qga.disksUsage as Record<string, string>[]).find((d) => d.path === TOOLS_MOUNT),
      {
        path: TOOLS_MOUNT,
        fs: 'ext4',
        total: String(((df?.used ?? 0) + (df?.available ?? 0)) * 1024),
        used: String((df?.used ?? 0) * 1024),
      },
      'QGA disksUsage of the tools disk',
    );
    // No QGA disk mapping here: qemu-ga reads disk serials from the udev database, and this guest runs no udev.
    t.same(qga.guestTimezone, { offset: 0, zone: 'UTC' });
    t.equal(qga.username, '', 'nobody logged in');
    poller.stop();

    const message = 'vdsm-ts e2e: powering off';
    const shutdownStart = performance.now();
    t.equal(await channel.shutdown({ delaySeconds: 0, message, reboot: false }), true, 'sent to a responsive agent');
    t.match(
      await waitForSerialLine(serialLog, GA_POWEROFF_MARKER, SHUTDOWN_TIMEOUT_MS),
      `${GA_POWEROFF_MARKER} -h +0 ${message}`,
    );
    const final = await waitForDomainState(name, /^shut off/, SHUTDOWN_TIMEOUT_MS);
    t.comment(`shutdown: command to shut off ${Math.round(performance.now() - shutdownStart)} ms`);
    t.equal(final, 'shut off (shutdown)', 'the agent powered the guest off');
    await waitUntil(async () => !channel.connected, {
      retryOnError: true,
      intervalMs: 100,
      timeoutMs: 10_000,
      what: 'the channel to see QEMU go',
    });
    t.pass('the channel saw QEMU go away');
  });
}
