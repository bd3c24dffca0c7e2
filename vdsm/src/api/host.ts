/** Host namespace handlers: thin wrappers over the host services. Verbs not listed here answer "not implemented". */
import type { Logging } from '@vdsm-ts/common/logging';
import { RawJson } from '../common/raw-json.js';
import { VdsmError } from '../errors/vdsm-error.js';
import { type CapabilitySources, collectCapabilities, type HostStatsSampler, interfaceFacing } from '../host/index.js';
import type { StorageDomains } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';
import type { LoggingLevel, VMFullInfo, VmInfo, VmStats } from './schema/api-types.generated.js';
import { type VmDeps, vmManager } from './vm.js';

export interface HostDeps {
  readonly logging: Logging;
  readonly sampler: HostStatsSampler;
  /** The hypervisor and KVM verdict getCapabilities reports on (libvirt fields are left out without them). */
  readonly capabilities?: CapabilitySources;
  /** The VM lists and counts; without it vdsmd manages no VMs and the lists are empty. */
  readonly virt?: VmDeps['virt'];
  /** The monitored storage domains reported in Host.getStats' storageDomains; left out without storage. */
  readonly storage?: Pick<StorageDomains, 'repoStats'>;
}

/** Upstream's logging level names → our levels. */
const LEVELS: ReadonlyMap<LoggingLevel, string> = new Map([
  ['CRITICAL', 'fatal'],
  ['CRIT', 'fatal'],
  ['ERROR', 'error'],
  ['WARNING', 'warn'],
  ['WARN', 'warn'],
  ['INFO', 'info'],
  ['DEBUG', 'debug'],
]);

export function hostHandlers(deps: HostDeps): HandlerTable {
  return new Map([
    implement('Host.ping', () => undefined),
    implement('Host.ping2', () => undefined),
    implement('Host.getCapabilities', async (_params, context) => {
      const caps = await collectCapabilities(deps.capabilities);
      const iface = interfaceFacing(context.peer);
      return iface === undefined ? caps : { ...caps, lastClientIface: iface };
    }),
    implement('Host.getStats', async () => {
      const stats = await deps.sampler.stats();
      const vms = deps.virt?.vms;
      return {
        ...stats,
        ...(vms === undefined ? {} : vms.counts()),
        ...(deps.storage === undefined ? {} : { storageDomains: deps.storage.repoStats([]) }),
      };
    }),
    implement('Host.getVMList', async (params) => {
      if (deps.virt === undefined) return [];
      const vms = vmManager({ virt: deps.virt });
      if (params.fullStatus) return (await vms.fullList(params.vmList)) as VmInfo[];
      const list = vms.list(params.vmList);
      if (params.onlyUUID) return list.map((vm) => vm.id);
      return list.map((vm) => ({ vmId: vm.id, status: vm.status() }));
    }),
    implement('Host.getVMFullList', async (params) =>
      deps.virt === undefined ? [] : ((await vmManager({ virt: deps.virt }).fullList(params.vmList)) as VMFullInfo[]),
    ),
    // Pre-serialized: 1000 VMs' stats are joined once per change, not stringified per request.
    implement('Host.getAllVmStats', () =>
      deps.virt === undefined ? [] : new RawJson<VmStats[]>(vmManager({ virt: deps.virt }).allStatsJson()),
    ),
    implement('Host.setLogLevel', (params) => {
      const level = LEVELS.get(params.level);
      if (level === undefined) throw new VdsmError('InvalidParameter', `unknown log level ${params.level}`);
      // '' (the default) means every module
      deps.logging.setLevel(level, params.name === '' ? undefined : params.name);
      return undefined;
    }),
  ]);
}
