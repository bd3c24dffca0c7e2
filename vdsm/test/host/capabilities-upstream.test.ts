// Host.getCapabilities as the engine gets it: a real vdsmd on qemu:///system (strict mode checks the reply
// against the schema), its keys compared one by one with upstream's caps.py list (upstream-keys.ts), and the
// facts the engine decides on (RNG sources, HBAs, memory reservations, packages) compared with the host.

import { access, readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { startVdsmdProcess } from '@vdsm-ts/testing/vdsmd-process';
import t from 'tap';
import { VdsmClient } from '../../src/client/index.js';
import { systemLibvirtSkip } from '../system-libvirt.js';
import { CONDITIONAL_CAPABILITY_KEYS, UPSTREAM_CAPABILITY_KEYS } from './upstream-keys.js';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const skip = await systemLibvirtSkip();

t.test('Host.getCapabilities on qemu:///system, key by key with upstream', { skip }, async (t) => {
  const daemon = await startVdsmdProcess({
    config: { vars: { libvirt_uri: 'qemu:///system', host_mem_reserve: 512, extra_mem_reserve: 100 } },
    startTimeoutMs: 60_000,
  });
  t.teardown(() => daemon.stop());
  const client = await VdsmClient.connect({ host: '127.0.0.1', port: daemon.port, tls: false, reconnect: false });
  t.teardown(() => client.close());
  const caps = await client.call<Record<string, unknown>>('Host.getCapabilities', {}, { timeoutMs: 60_000 });

  const upstream = new Set<string>(UPSTREAM_CAPABILITY_KEYS);
  const extra = Object.keys(caps).filter((k) => !upstream.has(k));
  t.same(extra, [], 'no key upstream does not send');
  for (const key of UPSTREAM_CAPABILITY_KEYS) {
    if (CONDITIONAL_CAPABILITY_KEYS.has(key)) continue;
    t.ok(key in caps, `${key} is reported`);
  }
  const hasDmi = (await exists('/sys/class/dmi/id/product_uuid')) || (await exists('/etc/vdsm/vdsm.id'));
  t.equal('uuid' in caps, hasDmi, hasDmi ? 'uuid from DMI or vdsm.id' : 'no DMI here: no uuid (upstream: null)');
  t.notOk('connector_info' in caps, 'no os-brick: no connector_info (as upstream)');

  // the engine makes a host NonOperational when its cluster's required RNG source is missing
  const rng = caps.rngSources as string[];
  t.equal(rng.includes('random'), await exists('/dev/random'), 'random when /dev/random exists');
  t.ok(rng.includes('random'), 'a required RNG source (random) is present');
  t.equal(rng.includes('hwrng'), await exists('/dev/hwrng'), 'hwrng when /dev/hwrng exists');
  t.notOk(rng.includes('urandom'), 'urandom is never reported (engine <= 4.0)');

  const initiator = await readFile('/etc/iscsi/initiatorname.iscsi', 'utf8').then(
    (text) => /^InitiatorName=(.*)$/m.exec(text)?.[1]?.trim() ?? '',
    () => '',
  );
  t.equal(caps.ISCSIInitiatorName, initiator, 'the initiator name of open-iscsi, or empty');
  t.same(caps.HBAInventory, {
    iSCSI: initiator === '' ? [] : [{ InitiatorName: initiator }],
    FC: (await exists('/sys/class/fc_host')) ? (caps.HBAInventory as { FC: unknown[] }).FC : [],
  });

  t.equal(caps.reservedMem, '612', 'reservedMem = host_mem_reserve + extra_mem_reserve, as a string');
  t.equal(caps.guestOverhead, '65');
  for (const key of ['cpuCores', 'cpuThreads', 'cpuSockets', 'memSize', 'reservedMem'])
    t.match(caps[key], /^\d+$/, `${key}: a digit string, as upstream sends it`);
  t.equal(caps.liveSnapshot, 'true');
  t.equal(caps.liveMerge, 'true');
  t.equal(caps.netConfigDirty, 'False');
  t.equal(caps.kvmEnabled, (await exists('/dev/kvm')) ? 'true' : 'false');
  t.ok([-1, 0, 1].includes(caps.kdumpStatus as number), 'kdumpStatus: -1, 0 or 1');
  const packages = caps.packages2 as Record<string, { version: string; release: string }>;
  t.equal(`${packages.kernel?.version}-${packages.kernel?.release}`, release(), 'kernel: the running one, split');
  for (const name of ['libvirt', 'qemu-kvm', 'vdsm']) t.ok(packages[name]?.version, `packages2.${name}`);
  t.ok((caps.clusterLevels as string[]).includes('4.6'));
  t.equal(caps.lastClientIface, 'lo', 'reached on loopback');
  t.notMatch(daemon.log(), /does not fit the schema/, 'the reply fits the schema');
});
