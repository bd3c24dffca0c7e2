/**
 * VmSampler against a real QEMU guest under qemu:///system (TCG): after two cycles the guest has real CPU rates,
 * its NIC counters grow with traffic from a network namespace, its disk was read at boot, and the device details
 * (MAC, NIC model speed, imageID, balloon) come from the live domain XML.
 */

import { randomUUID } from 'node:crypto';
import { stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logging } from '@vdsm-ts/common/logging';
import { engineDomainXml, randomMac, toTcgDomainXml } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { HypervisorConnection } from '@vdsm-ts/vdsm/virt/hypervisor-connection';
import { type SampledVmStats, VmSampler } from '@vdsm-ts/vdsm/virt/sampling/index';
import t from 'tap';
import { ensureGuestImage } from '../../src/fixtures/guest-image.js';
import { BOOT_MARKER } from '../../src/fixtures/guest-init.js';
import { createGuestNetwork } from '../../src/fixtures/guest-net.js';
import {
  makeGuestRunDir,
  realGuestSkip,
  removeDomain,
  virsh,
  waitForSerialLine,
} from '../../src/fixtures/guest-run.js';

const BOOT_TIMEOUT_MS = 90_000;

t.test('sampling a real guest', { skip: await realGuestSkip(t) }, async (t) => {
  const runDir = await makeGuestRunDir('vdsm-ts-sampling-');
  t.teardown(runDir.remove);
  const image = await ensureGuestImage();
  const network = await createGuestNetwork();
  t.teardown(network.remove);

  const name = `vdsm-sampling-${randomUUID().slice(0, 8)}`;
  const uuid = randomUUID();
  const mac = randomMac();
  const imageID = randomUUID();
  const serialLog = join(runDir.path, `${name}.serial.log`);
  const disk = join(runDir.path, `${name}-vda.img`);
  await writeFile(disk, '');
  await truncate(disk, 16 * 1024 * 1024);
  const xmlFile = join(runDir.path, `${name}.xml`);
  await writeFile(
    xmlFile,
    toTcgDomainXml(
      engineDomainXml({
        name,
        uuid,
        boot: { kernel: image.kernel, initrd: image.initrd, ip: network.guestCidr, hostname: name },
        serial: { type: 'file', path: serialLog },
        nics: [{ mac, source: { type: 'bridge', bridge: network.bridge } }],
        disks: [
          {
            path: disk,
            target: 'vda',
            ids: { poolID: randomUUID(), domainID: randomUUID(), imageID, volumeID: randomUUID() },
          },
        ],
      }),
    ),
  );
  t.teardown(() => removeDomain(name));
  await virsh(['define', xmlFile]);
  await virsh(['start', name]);
  await waitForSerialLine(serialLog, BOOT_MARKER, BOOT_TIMEOUT_MS);

  // the daemon's own connection object, as vdsmd wires it
  const logging = new Logging({ name: 'vdsmd', level: 'warn', pretty: false });
  const hv = new HypervisorConnection({ uri: 'qemu:///system', logger: logging.get('virt') });
  await hv.connect();
  t.teardown(() => hv.close());
  const sampler = new VmSampler({ hypervisor: hv, intervalSeconds: 15, logger: logging.get('virt.sampling') });

  await sampler.sampleNow();
  const first = sampler.statsFor(uuid) as unknown as SampledVmStats | undefined;
  t.ok(first, 'the guest is in the first bulk sample');
  if (first === undefined) return;
  t.equal(first.cpuActual, false, 'no rates from one sample');
  t.ok(Number(first.cpuUsage) > 0, `cumulative CPU time ${first.cpuUsage} ns`);
  const nic = Object.values(first.network)[0];
  t.equal(nic?.macAddr, mac, 'MAC from the live domain XML');
  t.equal(nic?.speed, '1000', 'virtio NIC at 1000 Mb/s');
  t.match(nic?.name, /^vnet\d+$/, 'keyed by the host tap device');

  // traffic from the namespace to the guest between the two cycles
  let answered = 0;
  await waitUntil(async () => ((await network.pingGuest()) && ++answered >= 5 ? true : undefined), {
    retryOnError: true,
    intervalMs: 100,
    timeoutMs: 30_000,
    what: 'five answered pings',
  });
  await sampler.sampleNow();
  const second = sampler.statsFor(uuid) as unknown as SampledVmStats;
  t.not(second, first, 'rebuilt by the second cycle');
  t.equal(second.cpuActual, true, 'rates after two cycles');
  const busy = Number(second.cpuUser) + Number(second.cpuSys);
  t.ok(busy > 0, `the TCG guest used CPU: cpuUser ${second.cpuUser} % + cpuSys ${second.cpuSys} %`);
  t.match(second.cpuUser, /^\d+\.\d\d$/);
  const nic2 = second.network[nic?.name ?? ''];
  t.ok(Number(nic2?.rx) > Number(nic?.rx), `rx grew ${nic?.rx} -> ${nic2?.rx} bytes`);
  t.ok(Number(nic2?.tx) > Number(nic?.tx), `tx grew ${nic?.tx} -> ${nic2?.tx} bytes`);
  t.ok((nic2?.sampleTime ?? 0) > (nic?.sampleTime ?? 0), 'sampleTime advances');
  const vda = second.disks.vda;
  t.ok(Number(vda?.readOps) > 0, `the guest kernel read its disk (${vda?.readOps} reads)`);
  t.equal(vda?.imageID, imageID, 'imageID from the ovirt-vm metadata');
  t.equal(vda?.apparentsize, String(16 * 1024 * 1024), 'apparentsize: the size of the sparse disk file');
  t.equal(vda?.truesize, String((await stat(disk)).blocks * 512), 'truesize: what it occupies on the host');
  t.match(vda?.readRate, /^\d+(\.\d+)?(e[+-]\d+)?$/);
  t.equal(second.vcpuCount, '1');
  t.equal(second.monitorResponse, '0');
  t.match(second.balloonInfo, { balloon_max: String(192 * 1024), balloon_min: String(192 * 1024) });
  t.ok(Number(second.elapsedTime) >= 0);
  t.comment(`one VM's stats: ${sampler.statsJsonFor(uuid)}`);
});
