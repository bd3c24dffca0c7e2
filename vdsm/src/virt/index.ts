/**
 * The virt service as the API and main.ts see it: one hypervisor connection, the VM manager, the bulk-stats sampler
 * and guest agent channels, started together (connect, subscribe, recover) and stopped together (guests keep running).
 */
import type { Config } from '@vdsm-ts/common/config';
import type { Logging } from '@vdsm-ts/common/logging';
import type { DrivePreparer } from './drives.js';
import { ovirtGuestAgentFactory, qemuGuestAgentFactory } from './guest-agents.js';
import { HypervisorConnection } from './hypervisor-connection.js';
import { type KvmSupport, kvmSupport } from './kvm-support.js';
import { VmSampler } from './sampling/index.js';
import type { VmTiming } from './vm/vm.js';
import { VmManager } from './vm-manager.js';

export type { DrivePreparer } from './drives.js';
export { HypervisorConnection } from './hypervisor-connection.js';
export { type KvmSupport, kvmSupport, probeKvm } from './kvm-support.js';
export { type CreateResult, type VmCounts, VmManager } from './vm-manager.js';

export interface VirtOptions {
  readonly config: Config;
  readonly logging: Logging;
  /** Where `|virt|VM_status|` events go (the RPC server's publisher once it runs). */
  readonly publish: (method: string, params: Readonly<Record<string, unknown>>) => void;
  readonly timing?: Partial<VmTiming>;
  /** Storage's side of VM.create: prepares the drives that name oVirt images (main.ts wires it to storage). */
  readonly drives?: DrivePreparer;
}

export interface VirtService {
  readonly hypervisor: HypervisorConnection;
  readonly sampler: VmSampler;
  /** Defined once start() resolved. */
  readonly vms: VmManager | undefined;
  readonly kvm: KvmSupport | undefined;
  /** Connects to libvirt, recovers running VMs, starts sampling. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createVirt(o: VirtOptions): VirtService {
  const log = o.logging.get('virt');
  const hypervisor = new HypervisorConnection({ uri: o.config.vars.libvirt_uri, logger: log });
  const sampler = new VmSampler({
    hypervisor,
    intervalSeconds: o.config.vars.vm_sample_interval,
    logger: o.logging.get('virt.sampling'),
  });
  const agentLog = o.logging.get('virt.guestagent');
  let vms: VmManager | undefined;
  let kvm: KvmSupport | undefined;
  return {
    hypervisor,
    sampler,
    get vms() {
      return vms;
    },
    get kvm() {
      return kvm;
    },
    async start() {
      kvm = await kvmSupport(o.config.vars.fake_kvm_support);
      log.info({ usable: kvm.usable, useTcg: kvm.useTcg, reason: kvm.reason }, 'KVM support');
      await hypervisor.connect();
      const manager = new VmManager({
        hypervisor,
        logger: log,
        kvm,
        sampler,
        publish: o.publish,
        agentFactory: ovirtGuestAgentFactory(agentLog),
        qgaFactory: qemuGuestAgentFactory(agentLog),
        repository: o.config.irs.repository,
        ...(o.drives === undefined ? {} : { drives: o.drives }),
        timing: { guestEventMs: o.config.vars.vm_guest_event_timeout * 1000, ...o.timing },
      });
      await manager.start();
      vms = manager;
      sampler.start();
    },
    async stop() {
      sampler.stop();
      await vms?.stop();
      await hypervisor.close();
    },
  };
}
