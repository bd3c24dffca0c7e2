/**
 * The virt layer at scale, vdsmd as a separate process on a test-driver host file with 1000 running domains that
 * carry ovirt-vm metadata (so vdsmd recovers them all at start):
 *  - virt.recovery.1000: time from process start to serving with 1000 VMs recovered (baseline: start with none)
 *  - virt.getAllVmStats.1000.p50/p99: Host.getAllVmStats end to end over STOMP, client parse included
 *    (baseline: JSON.stringify + JSON.parse of the same body in this process, the floor of any server)
 *  - virt.getAllVmStats.1000.bytes: reply body size
 *  - vdsmd.rss.1000vms: resident memory with 1000 VMs (baseline: vdsmd with none)
 *  - virt.create-to-up: VM.create call to the Up event, median of 50, on test:///default
 *    (baseline: libvirt's own defineXML + create of the same XML from this process); virt.create-to-up.qemu: the
 *    same with a diskless guest on qemu:///system, median of 5 (skipped when libvirtd is unreachable)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@vdsm-ts/native/libvirt/index';
import { freeLoopbackPort as freePort } from '@vdsm-ts/testing/free-port';
import { execa, type ResultPromise } from 'execa';
import { VdsmClient } from '../src/client/index.js';

const VDSMD = fileURLToPath(new URL('../src/bin/vdsmd.js', import.meta.url));
const VMS = 1000;
const STATS_CALLS = Number(process.env.BENCH_CALLS ?? 200);
const CREATES = 50;
const OVIRT_VM_NS = 'http://ovirt.org/vm/1.0';

function emit(bench: string, value: number, unit: string, baseline?: string, ratio?: number): void {
  const line: Record<string, unknown> = { bench, value: Math.round(value * 100) / 100, unit };
  if (baseline !== undefined && ratio !== undefined) {
    line.baseline = baseline;
    line.ratio = Math.round(ratio * 1000) / 1000;
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

function domainXml(i: number, type: string, uuid = randomUUID()): string {
  return `<domain type='${type}'><name>bench-${i}</name><uuid>${uuid}</uuid>
  <metadata><ovirt-vm:vm xmlns:ovirt-vm='${OVIRT_VM_NS}'><ovirt-vm:clusterVersion>4.7</ovirt-vm:clusterVersion><ovirt-vm:startTime type='float'>${Date.now() / 1000}</ovirt-vm:startTime><ovirt-vm:device mac_address='56:6f:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}'><ovirt-vm:network>ovirtmgmt</ovirt-vm:network></ovirt-vm:device></ovirt-vm:vm></metadata>
  <memory unit='KiB'>1048576</memory><currentMemory unit='KiB'>1048576</currentMemory><vcpu>2</vcpu><os><type>hvm</type></os><features><acpi/></features>
  <devices><disk type='file' device='disk'><source file='/guest/bench-${i}.img'/><target dev='vda' bus='virtio'/></disk>
  <interface type='network'><mac address='56:6f:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}'/><source network='default'/><target dev='vnet${i}'/></interface>
  <graphics type='vnc' port='${5900 + i}' autoport='no'><listen type='address' address='127.0.0.1'/></graphics></devices>`;
}

function hostFile(vms: number): string {
  const parts = [
    '<node><cpu><mhz>2400</mhz><model>x86_64</model><active>8</active><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>2</threads></cpu><memory>67108864</memory>',
  ];
  for (let i = 0; i < vms; i++) {
    parts.push(
      `${domainXml(i, 'test')}<test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>1</test:runstate></domain>`,
    );
  }
  parts.push('</node>');
  return parts.join('\n');
}

interface Daemon {
  readonly client: VdsmClient;
  readonly pid: number;
  readonly startMs: number;
  stop(): Promise<void>;
}

async function startDaemon(dir: string, uri: string): Promise<Daemon> {
  const port = await freePort();
  const conf = join(dir, `vdsm-${port}.conf`);
  await writeFile(
    conf,
    `[vars]\nssl = false\nlibvirt_uri = ${uri}\nvm_sample_interval = 15\n[logging]\nlevel = warn\n[addresses]\nmanagement_ip = 127.0.0.1\nmanagement_port = ${port}\n`,
  );
  const begun = performance.now();
  const daemon: ResultPromise = execa('node', [VDSMD, '--config', conf], {
    reject: false,
    stdin: 'ignore',
    env: { NOTIFY_SOCKET: '' },
  });
  for (;;) {
    try {
      const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false });
      try {
        await client.call('Host.ping2');
      } catch (err) {
        await client.close();
        throw err;
      }
      return {
        client,
        pid: daemon.pid as number,
        startMs: performance.now() - begun,
        stop: async () => {
          await client.close();
          daemon.kill('SIGTERM');
          await daemon;
        },
      };
    } catch {
      if (daemon.exitCode !== null) throw new Error('vdsmd exited');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** A diskless guest: QEMU starts and idles in its firmware; nothing to boot, so only start-up is measured. */
function idleGuestXml(name: string, uuid: string, type: string): string {
  return `<domain type='${type}'><name>${name}</name><uuid>${uuid}</uuid><metadata><ovirt-vm:vm xmlns:ovirt-vm='${OVIRT_VM_NS}'><ovirt-vm:clusterVersion>4.7</ovirt-vm:clusterVersion></ovirt-vm:vm></metadata><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><features><acpi/></features><devices/></domain>`;
}

/** The same comparison on qemu:///system (real QEMU processes, TCG here), when libvirtd is reachable. */
async function createToUpOnQemu(dir: string): Promise<void> {
  const runs = 5;
  let conn: Connection;
  try {
    conn = await Connection.open({ uri: 'qemu:///system' });
  } catch {
    process.stderr.write('qemu:///system unreachable: skipping virt.create-to-up.qemu\n');
    return;
  }
  const raw: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const name = `vdsm-bench-raw-${randomUUID().slice(0, 8)}`;
      const t0 = performance.now();
      const dom = await conn.defineXML(idleGuestXml(name, randomUUID(), 'qemu'));
      await dom.create();
      raw.push(performance.now() - t0);
      await dom.destroy();
      await dom.undefine();
    }
  } finally {
    await conn.close();
  }
  const daemon = await startDaemon(dir, 'qemu:///system');
  const up: number[] = [];
  try {
    const waiting = new Map<string, () => void>();
    daemon.client.subscribeEvents((method, params) => {
      const id = method.split('|')[3] ?? '';
      if ((params[id] as { status?: string } | undefined)?.status === 'Powering up') waiting.get(id)?.();
    });
    await daemon.client.call('Host.ping2');
    for (let i = 0; i < runs; i++) {
      const uuid = randomUUID();
      const started = new Promise<void>((resolve) => waiting.set(uuid, resolve));
      const t0 = performance.now();
      await daemon.client.call('VM.create', {
        vmID: uuid,
        vmParams: { xml: idleGuestXml(`vdsm-bench-${uuid.slice(0, 8)}`, uuid, 'kvm') },
      });
      await started;
      up.push(performance.now() - t0);
      await daemon.client.call('VM.destroy', { vmID: uuid });
    }
  } finally {
    await daemon.stop();
  }
  const v = median(up);
  const b = median(raw);
  emit('virt.create-to-up.qemu', v, 'ms', 'libvirt defineXML+create (qemu:///system)', v / b);
  emit('virt.create-to-up.qemu.overhead', v - b, 'ms');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vdsm-virt-bench-'));
  try {
    const nodeFile = join(dir, 'host.xml');
    await writeFile(nodeFile, hostFile(VMS));

    const empty = await startDaemon(dir, 'test:///default');
    await new Promise((r) => setTimeout(r, 500));
    const idleRss = rssMb(empty.pid);

    // create-to-Up through vdsmd vs libvirt's own define + create (same driver, same XML shape)
    const upTimes: number[] = [];
    const waiting = new Map<string, () => void>();
    empty.client.subscribeEvents((method, params) => {
      const id = method.split('|')[3] ?? '';
      if ((params[id] as { status?: string } | undefined)?.status === 'Powering up') waiting.get(id)?.();
    });
    await empty.client.call('Host.ping2');
    for (let i = 0; i < CREATES; i++) {
      const uuid = randomUUID();
      const xml = `${domainXml(i, 'kvm', uuid)}</domain>`;
      const up = new Promise<void>((resolve) => waiting.set(uuid, resolve));
      const t0 = performance.now();
      await empty.client.call('VM.create', { vmID: uuid, vmParams: { xml } });
      await up;
      upTimes.push(performance.now() - t0);
      await empty.client.call('VM.destroy', { vmID: uuid });
    }
    await empty.stop();
    const conn = await Connection.open({ uri: 'test:///default' });
    const libvirtTimes: number[] = [];
    for (let i = 0; i < CREATES; i++) {
      const xml = `${domainXml(i, 'test')}</domain>`;
      const t0 = performance.now();
      const dom = await conn.defineXML(xml);
      await dom.create();
      libvirtTimes.push(performance.now() - t0);
      await dom.destroy();
      await dom.undefine();
    }
    await conn.close();
    const up = median(upTimes);
    const raw = median(libvirtTimes);
    emit('virt.create-to-up', up, 'ms', 'libvirt defineXML+create', up / raw);
    emit('virt.create-to-up.overhead', up - raw, 'ms');

    await createToUpOnQemu(dir);

    const full = await startDaemon(dir, `test://${nodeFile}`);
    try {
      const list = await full.client.call<unknown[]>('Host.getVMList', { onlyUUID: true });
      if (list.length !== VMS) throw new Error(`expected ${VMS} recovered VMs, got ${list.length}`);
      emit(`virt.recovery.${VMS}`, full.startMs, 'ms', 'vdsmd start with no VMs', full.startMs / empty.startMs);
      // Measure full records: wait for the sampler's first cycle (its fields are in every running VM's record).
      for (let i = 0; i < 300; i++) {
        const first = (await full.client.call<Array<Record<string, unknown>>>('Host.getAllVmStats', {}))[0];
        if (first !== undefined && 'network' in first) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const latencies: number[] = [];
      let body = '';
      for (let i = 0; i < STATS_CALLS + 10; i++) {
        const t0 = performance.now();
        const stats = await full.client.call<unknown[]>('Host.getAllVmStats', {});
        const ms = performance.now() - t0;
        if (i >= 10) latencies.push(ms);
        if (stats.length !== VMS) throw new Error(`expected ${VMS} stats, got ${stats.length}`);
        if (i === 0) body = JSON.stringify(stats);
      }
      const floor: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        JSON.parse(JSON.stringify(JSON.parse(body)));
        floor.push(performance.now() - t0);
      }
      latencies.sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const base = median(floor);
      emit(`virt.getAllVmStats.${VMS}.p50`, p50, 'ms', 'JSON parse+stringify of the body', p50 / base);
      emit(`virt.getAllVmStats.${VMS}.p99`, percentile(latencies, 99), 'ms');
      emit(`virt.getAllVmStats.${VMS}.bytes`, Buffer.byteLength(body), 'bytes');
      const rss = rssMb(full.pid);
      emit(`vdsmd.rss.${VMS}vms`, rss, 'MB', 'vdsmd with no VMs', rss / idleRss);
      // On test:/// the fake hypervisor lives inside the client process: measure what it alone costs.
      const holder = execa(
        'node',
        [
          '--input-type=module',
          '-e',
          `import { Connection } from '@vdsm-ts/native/libvirt/index'; const c = await Connection.open({ uri: 'test://${nodeFile}' }); await c.listAllDomains(); await c.getAllDomainStats(); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`,
        ],
        { cwd: fileURLToPath(new URL('..', import.meta.url)), reject: false, stdin: 'ignore' },
      );
      await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
      const driverRss = rssMb(holder.pid as number);
      holder.kill('SIGTERM');
      await holder;
      emit(
        `vdsmd.rss.${VMS}vms.own`,
        rss - driverRss,
        'MB',
        'node + in-process test driver with the same domains',
        rss / driverRss,
      );
    } finally {
      await full.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
