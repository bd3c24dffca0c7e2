/**
 * What both guest-agent-through-vdsmd tests set up before their domain XML: the agent guest image, a bridge, a vdsmd
 * on qemu:///system, the VM's name and files (empty system disk, tools disk, serial log), and on failure the tails of
 * the serial console and of vdsmd's log.
 */
import { randomUUID } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomMac } from '@vdsm-ts/testing/domain-xml';
import type { Test } from 'tap';
import { createGuestNetwork, type GuestNetwork } from '../../src/fixtures/guest-net.js';
import { removeDomain } from '../../src/fixtures/guest-run.js';
import { startVdsmd, type VirtVdsmd } from '../virt/vdsmd.js';
import { type AgentGuest, ensureAgentGuest, serialTail } from './guest-image.js';

export interface AgentGuestRun {
  readonly image: AgentGuest['image'];
  readonly network: GuestNetwork;
  readonly vdsmd: VirtVdsmd;
  call<T>(method: string, params: Record<string, unknown>): Promise<T>;
  readonly vmId: string;
  readonly name: string;
  readonly serialLog: string;
  /** An empty 8 MiB system disk. */
  readonly disk: string;
  /** The read-only disk with node, the agent and qemu-ga. */
  readonly tools: string;
  readonly mac: string;
}

export async function prepareAgentGuestRun(t: Test, runDir: string, namePrefix: string): Promise<AgentGuestRun> {
  const { image, makeToolsDisk } = await ensureAgentGuest();
  const network = await createGuestNetwork();
  t.teardown(network.remove);
  const vdsmd = await startVdsmd(runDir);
  t.teardown(() => vdsmd.stop());

  const vmId = randomUUID();
  const name = `${namePrefix}-${vmId.slice(0, 8)}`;
  t.teardown(() => removeDomain(name));
  const serialLog = join(runDir, `${name}.serial.log`);
  t.teardown(async () => {
    if (t.passing()) return;
    process.stderr.write(`--- ${name} serial console, last lines ---\n${await serialTail(serialLog)}\n`);
    process.stderr.write(`--- vdsmd log, last lines ---\n${vdsmd.log().split('\n').slice(-40).join('\n')}\n`);
  });
  const disk = join(runDir, `${name}-vda.img`);
  await writeFile(disk, '');
  await truncate(disk, 8 * 1024 * 1024);
  const tools = join(runDir, `${name}-tools.img`);
  await makeToolsDisk(tools);
  return {
    image,
    network,
    vdsmd,
    call: (method, params) => vdsmd.client.call(method, params),
    vmId,
    name,
    serialLog,
    disk,
    tools,
    mac: randomMac(),
  };
}
