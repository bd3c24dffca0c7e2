/** VM namespace handlers: thin wrappers over the VM manager (vdsm/src/virt). Verbs not listed answer "not implemented". */
import { VdsmError } from '../errors/vdsm-error.js';
import type { HotplugDiskParams, HotplugNicParams, VmDefinition, VmStatus } from '../schema/api-types.generated.js';
import type { Loose } from '../schema/types.js';
import type { VmStatus as VirtVmStatus } from '../virt/vm/status.js';
import type { VmManager } from '../virt/vm-manager.js';
import type { Handlers } from './handler.js';

/** What the handlers need: the VM manager once the virt layer has started (undefined while recovering). */
export interface VmDeps {
  readonly virt: { readonly vms: VmManager | undefined };
}

/** virt's status names and the schema's VmStatus are the same set (this fails to compile when they drift apart). */
type SameStatuses = [VirtVmStatus] extends [VmStatus] ? ([VmStatus] extends [VirtVmStatus] ? true : false) : false;
export const STATUS_NAMES_MATCH: SameStatuses = true;

/** The manager, or code 99 while vdsmd is still connecting to libvirt / recovering VMs. */
export function vmManager(deps: VmDeps): VmManager {
  const vms = deps.virt.vms;
  if (vms === undefined) throw new VdsmError('Recovering');
  return vms;
}

function shortDefinition(vms: VmManager, vmId: string): VmDefinition {
  return vms.definition(vmId);
}

export const VM_HANDLERS = {
  'VM.create': async (deps, params) => {
    const created = await vmManager(deps).create(params.vmID, params.vmParams);
    // statusTime as a string, as upstream's vm.status() and our VM stats send it
    const definition: VmDefinition = {
      vmId: created.vmId,
      vmName: created.vmName,
      status: 'WaitForLaunch',
      statusTime: String(created.statusTime),
      xml: created.xml,
    };
    return definition;
  },
  'VM.destroy': async (deps, params) => {
    await vmManager(deps).destroy(params.vmID, params.gracefulAttempts);
    return undefined;
  },
  'VM.shutdown': (deps, params) => {
    vmManager(deps).shutdown(params.vmID, {
      ...(params.delay === null ? {} : { delay: params.delay }),
      ...(params.message === null ? {} : { message: params.message }),
      ...(params.timeout === null ? {} : { timeout: params.timeout }),
      reboot: params.reboot,
      force: params.force,
    });
    return undefined;
  },
  // Upstream's bridge answers both with an empty vmList (Bridge.py VM_running_state_change_Ret).
  'VM.pause': async (deps, params) => {
    await vmManager(deps).pause(params.vmID);
    return { vmList: {} };
  },
  'VM.cont': async (deps, params) => {
    await vmManager(deps).cont(params.vmID);
    return { vmList: {} };
  },
  'VM.getMigrationStatus': (deps, params) => vmManager(deps).migrationStatus(params.vmID),
  'VM.getStats': (deps, params) => [vmManager(deps).stats(params.vmID)],
  'VM.setTicket': async (deps, params) => {
    const vms = vmManager(deps);
    await vms.setTicket(params.vmID, {
      password: params.password,
      ttl: params.ttl,
      existingConnAction: params.existingConnAction,
    });
    return undefined;
  },
  'VM.hotplugDisk': async (deps, params) => {
    const vms = vmManager(deps);
    await vms.hotplugDisk(params.vmID, hotplugArgs(params.params, 'drive'));
    return shortDefinition(vms, params.vmID);
  },
  'VM.hotunplugDisk': async (deps, params) => {
    const vms = vmManager(deps);
    await vms.hotunplugDisk(params.vmID, hotplugArgs(params.params, 'drive'));
    return shortDefinition(vms, params.vmID);
  },
  'VM.hotplugNic': async (deps, params) => {
    const vms = vmManager(deps);
    await vms.hotplugNic(params.vmID, hotplugArgs(params.params, 'nic'));
    return shortDefinition(vms, params.vmID);
  },
  'VM.hotunplugNic': async (deps, params) => {
    const vms = vmManager(deps);
    await vms.hotunplugNic(params.vmID, hotplugArgs(params.params, 'nic'));
    return shortDefinition(vms, params.vmID);
  },
  'VM.setBalloonTarget': async (deps, params) => {
    const vms = vmManager(deps);
    await vms.setBalloonTarget(params.vmID, params.target);
    return undefined;
  },
  'VM.setNumberOfCpus': async (deps, params) => {
    if (params.cpusets !== null && params.cpusets.length > 0) {
      throw new VdsmError('NotImplemented', 'VM.setNumberOfCpus with cpusets (CPU pinning) is not implemented');
    }
    const vms = vmManager(deps);
    await vms.setNumberOfCpus(params.vmID, params.numberOfCpus);
    return { ...shortDefinition(vms, params.vmID), smp: String(params.numberOfCpus) };
  },
  'VM.updateDevice': async (deps, params) => {
    const vms = vmManager(deps);
    const p: Readonly<Record<string, unknown>> = params.params;
    switch (p.deviceType) {
      case 'interface':
        await vms.updateNic(params.vmID, {
          ...(typeof p.alias === 'string' ? { alias: p.alias } : {}),
          ...(typeof p.linkActive === 'boolean' ? { linkActive: p.linkActive } : {}),
          ...(typeof p.network === 'string' ? { network: p.network } : {}),
        });
        break;
      case 'graphics':
        await vms.setTicket(params.vmID, {
          password: typeof p.password === 'string' ? p.password : '',
          ttl: typeof p.ttl === 'number' ? p.ttl : 0,
          existingConnAction: typeof p.existingConnAction === 'string' ? p.existingConnAction : 'disconnect',
          ...(typeof p.graphicsType === 'string' ? { graphicsType: p.graphicsType } : {}),
        });
        break;
      default:
        throw new VdsmError('NotImplemented', `VM.updateDevice for deviceType ${String(p.deviceType)}`);
    }
    return shortDefinition(vms, params.vmID);
  },
  'VM.snapshot': async (deps, params) => {
    await vmManager(deps).snapshot(params.vmID, {
      snapDrives: params.snapDrives,
      snapMemory: params.snapMemory,
    });
    return undefined;
  },
  'VM.setIoTune': async (deps, params) => {
    const vms = vmManager(deps);
    await vms.setIoTune(params.vmID, params.tunables);
    // upstream's doneCode (the overlay's return type of VM.setIoTune)
    return { code: 0, message: 'Done' };
  },
  'VM.getIoTune': (deps, params) => {
    const vms = vmManager(deps);
    return vms.ioTune(params.vmID);
  },
} as const satisfies Handlers<VmDeps>;

function hotplugArgs(
  params: Loose<HotplugDiskParams> | Loose<HotplugNicParams>,
  legacyKey: 'drive' | 'nic',
): { xml?: string; drive?: Readonly<Record<string, unknown>>; nic?: Readonly<Record<string, unknown>> } {
  if (typeof params.xml === 'string') return { xml: params.xml };
  const legacy = legacyKey === 'drive' ? 'drive' in params && params.drive : 'nic' in params && params.nic;
  if (typeof legacy === 'object' && legacy !== null) return { [legacyKey]: legacy };
  throw new VdsmError('MissingParameter', `params.xml or params.${legacyKey}`);
}
