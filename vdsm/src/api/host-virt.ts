/** Host verbs about the VMs this host runs (the virt layer's answers); bound only when the virt layer exists. */
import type { BulkIoTunePolicyMap } from '../schema/api-types.generated.js';
import type { Handlers } from './handler.js';
import { type VmDeps, vmManager } from './vm.js';

export const HOST_VIRT_HANDLERS = {
  // Each VM's domain XML as vdsmd last read it (upstream API.py dumpxmls: vm.domain.xml).
  'Host.dumpxmls': (deps, params) => vmManager(deps).domainXmls(params.vmList),
  'Host.getAllVmIoTunePolicies': async (deps) => {
    const policies: BulkIoTunePolicyMap = await vmManager(deps).ioTunePolicies();
    return policies;
  },
} as const satisfies Handlers<VmDeps>;
