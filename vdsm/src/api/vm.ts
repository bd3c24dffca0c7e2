/** VM namespace handlers: thin wrappers over the VM manager (vdsm/src/virt). Verbs not listed answer "not implemented". */
import { VdsmError } from '../errors/vdsm-error.js';
import type { VmManager } from '../virt/vm-manager.js';
import { type HandlerTable, implement } from './handler.js';
import type {
  HotplugDiskParams,
  HotplugNicParams,
  VmDefinition,
  VmDiskDeviceTuneParams,
  VmStats,
} from './schema/api-types.generated.js';

/** What the handlers need: the VM manager once the virt layer has started (undefined while recovering). */
export interface VmDeps {
  readonly virt: { readonly vms: VmManager | undefined };
}

/** The manager, or code 99 while vdsmd is still connecting to libvirt / recovering VMs. */
export function vmManager(deps: VmDeps): VmManager {
  const vms = deps.virt.vms;
  if (vms === undefined) throw new VdsmError('Recovering');
  return vms;
}

/** Our records are plain dictionaries with upstream's field names; the schema types them as unions of interfaces. */
function asStats(record: Readonly<Record<string, unknown>>): VmStats {
  return record as VmStats;
}

function shortDefinition(vms: VmManager, vmId: string): VmDefinition {
  return vms.definition(vmId);
}

export function vmHandlers(deps: VmDeps): HandlerTable {
  return new Map([
    implement('VM.create', async (params) => {
      const created = await vmManager(deps).create(params.vmID, params.vmParams as Readonly<Record<string, unknown>>);
      const definition: VmDefinition = { vmId: created.vmId, vmName: created.vmName, status: 'WaitForLaunch' };
      return { ...definition, statusTime: created.statusTime, xml: created.xml } as VmDefinition;
    }),
    implement('VM.destroy', async (params) => {
      await vmManager(deps).destroy(params.vmID, params.gracefulAttempts);
      return undefined;
    }),
    implement('VM.shutdown', (params) => {
      vmManager(deps).shutdown(params.vmID, {
        ...(params.delay === null ? {} : { delay: params.delay }),
        ...(params.message === null ? {} : { message: params.message }),
        ...(params.timeout === null ? {} : { timeout: params.timeout }),
        reboot: params.reboot,
        force: params.force,
      });
      return undefined;
    }),
    implement('VM.pause', async (params) => {
      const vms = vmManager(deps);
      await vms.pause(params.vmID);
      return shortDefinition(vms, params.vmID);
    }),
    implement('VM.cont', async (params) => {
      const vms = vmManager(deps);
      await vms.cont(params.vmID);
      return shortDefinition(vms, params.vmID);
    }),
    implement('VM.getStats', (params) => [asStats(vmManager(deps).stats(params.vmID))]),
    implement('VM.setTicket', async (params) => {
      const vms = vmManager(deps);
      await vms.setTicket(params.vmID, {
        password: params.password,
        ttl: params.ttl,
        existingConnAction: params.existingConnAction,
      });
      return undefined;
    }),
    implement('VM.hotplugDisk', async (params) => {
      const vms = vmManager(deps);
      await vms.hotplugDisk(params.vmID, hotplugArgs(params.params, 'drive'));
      return shortDefinition(vms, params.vmID);
    }),
    implement('VM.hotunplugDisk', async (params) => {
      const vms = vmManager(deps);
      await vms.hotunplugDisk(params.vmID, hotplugArgs(params.params, 'drive'));
      return shortDefinition(vms, params.vmID);
    }),
    implement('VM.hotplugNic', async (params) => {
      const vms = vmManager(deps);
      await vms.hotplugNic(params.vmID, hotplugArgs(params.params, 'nic'));
      return shortDefinition(vms, params.vmID);
    }),
    implement('VM.hotunplugNic', async (params) => {
      const vms = vmManager(deps);
      await vms.hotunplugNic(params.vmID, hotplugArgs(params.params, 'nic'));
      return shortDefinition(vms, params.vmID);
    }),
    implement('VM.setBalloonTarget', async (params) => {
      const vms = vmManager(deps);
      await vms.setBalloonTarget(params.vmID, params.target);
      return undefined;
    }),
    implement('VM.setNumberOfCpus', async (params) => {
      if (params.cpusets !== null && params.cpusets.length > 0) {
        throw new VdsmError('NotImplemented', 'VM.setNumberOfCpus with cpusets (CPU pinning) is not implemented');
      }
      const vms = vmManager(deps);
      await vms.setNumberOfCpus(params.vmID, params.numberOfCpus);
      return { vmId: params.vmID, smp: params.numberOfCpus };
    }),
    implement('VM.updateDevice', async (params) => {
      const vms = vmManager(deps);
      const p = params.params as Readonly<Record<string, unknown>>;
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
    }),
    implement('VM.snapshot', async (params) => {
      await vmManager(deps).snapshot(params.vmID, {
        snapDrives: params.snapDrives as ReadonlyArray<Readonly<Record<string, unknown>>>,
        snapMemory: params.snapMemory,
      });
      return undefined;
    }),
    implement('VM.setIoTune', async (params) => {
      const vms = vmManager(deps);
      await vms.setIoTune(params.vmID, params.tunables);
      // The schema's TaskStatus: upstream's doneCode.
      return { code: 0, message: 'Done' };
    }),
    implement('VM.getIoTune', (params) => {
      const vms = vmManager(deps);
      return vms.ioTune(params.vmID) as VmDiskDeviceTuneParams[];
    }),
  ]);
}

function hotplugArgs(
  params: HotplugDiskParams | HotplugNicParams,
  legacyKey: 'drive' | 'nic',
): { xml?: string; drive?: Readonly<Record<string, unknown>>; nic?: Readonly<Record<string, unknown>> } {
  if (typeof params.xml === 'string') return { xml: params.xml };
  const legacy = (params as Readonly<Record<string, unknown>>)[legacyKey];
  if (legacy !== null && typeof legacy === 'object')
    return { [legacyKey]: legacy as Readonly<Record<string, unknown>> };
  throw new VdsmError('MissingParameter', `params.xml or params.${legacyKey}`);
}
