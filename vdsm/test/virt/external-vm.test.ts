// An external VM on qemu:///system: a domain defined and started with virsh, without oVirt metadata, is reported by
// vdsmd (upstream recovery.py `_is_external_vm`), still after a vdsmd restart, and VM.destroy stops it but leaves its
// definition (upstream never undefines an external VM). The guest is a bare QEMU (TCG, no disk): it only has to run.

import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { startVdsmdProcess, type VdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execa } from 'execa';
import t from 'tap';
import { VdsmClient } from '../../src/client/index.js';
import { SYSTEM_URI, systemLibvirtSkip } from '../system-libvirt.js';

const URI = SYSTEM_URI;
const skip = await systemLibvirtSkip();

const virsh = (...args: string[]) => execa('virsh', ['-c', URI, ...args], { timeout: 60_000, reject: false });

t.test('an external domain is reported, and still after a vdsmd restart', { skip }, async (t) => {
  const dir = await tempDir(t, 'external-vm');
  const uuid = randomUUID();
  const name = `vdsm-ts-external-${uuid.slice(0, 8)}`;
  const file = join(dir, 'domain.xml');
  await writeFile(
    file,
    `<domain type="qemu"><name>${name}</name><uuid>${uuid}</uuid><memory unit="MiB">64</memory><vcpu>1</vcpu>` +
      '<os><type arch="x86_64">hvm</type></os><devices><memballoon model="none"/></devices></domain>',
  );
  t.teardown(async () => {
    await virsh('destroy', uuid);
    await virsh('undefine', uuid);
  });
  const defined = await virsh('define', file);
  t.equal(defined.exitCode, 0, defined.stderr);
  const started = await virsh('start', uuid);
  t.equal(started.exitCode, 0, started.stderr);

  let daemon = undefined as VdsmdProcess | undefined;
  let client = undefined as VdsmClient | undefined;
  t.teardown(async () => {
    client?.close();
    await daemon?.stop();
  });
  const start = async () => {
    daemon = await startVdsmdProcess({
      dir,
      startTimeoutMs: 60_000,
      config: { vars: { libvirt_uri: URI, fake_kvm_support: 'auto' } },
    });
    client = await VdsmClient.connect({ host: '127.0.0.1', port: daemon.port, tls: false, reconnect: false });
    return client;
  };
  const reported = async (c: VdsmClient) => {
    const list = await c.call<Array<{ vmId: string; status: string }>>('Host.getVMList', {});
    const stats = await c.call<Array<Record<string, unknown>>>('Host.getAllVmStats', {});
    return { listed: list.find((v) => v.vmId === uuid), stats: stats.find((s) => s.vmId === uuid) };
  };

  let c = await start();
  const first = await reported(c);
  t.match(first.listed, { vmId: uuid, status: 'Up' }, 'listed, Up');
  t.match(first.stats, { vmName: name, status: 'Up', vmJobs: {} }, 'with its stats');

  client?.close();
  await daemon?.stop();
  daemon = undefined;
  c = await start();
  const again = await reported(c);
  t.match(again.listed, { vmId: uuid, status: 'Up' }, 'still listed after the restart');
  t.match(again.stats, { vmName: name, status: 'Up' });
  const metadata = await virsh('metadata', uuid, 'http://ovirt.org/vm/1.0');
  t.not(metadata.exitCode, 0, 'vdsmd wrote no ovirt-vm metadata into it');

  t.equal(await c.call('VM.destroy', { vmID: uuid }), true);
  await waitUntil(async () => (await virsh('domstate', uuid)).stdout.trim() === 'shut off', {
    timeoutMs: 30_000,
    what: 'the domain stopped',
  });
  t.equal((await virsh('dominfo', uuid)).exitCode, 0, 'still defined: an external VM is never undefined');
  t.equal((await reported(c)).listed, undefined, 'and no longer listed');
  const log = (daemon as VdsmdProcess | undefined)?.log() ?? '';
  t.notMatch(log, /does not fit the schema/, 'no result failed its schema check');
});
