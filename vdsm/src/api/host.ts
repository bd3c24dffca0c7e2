/** Host namespace handlers: thin wrappers over the host services. Verbs not listed here answer "not implemented". */
import type { Logging } from '@vdsm-ts/common/logging';
import { VdsmError } from '../errors/vdsm-error.js';
import { type CapabilitySources, collectCapabilities, type HostStatsSampler, interfaceFacing } from '../host/index.js';
import type { HostStats, LoggingLevel } from '../schema/api-types.generated.js';
import type { StorageDomains } from '../storage/index.js';
import type { Handlers } from './handler.js';
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

export const HOST_HANDLERS = {
  'Host.ping': () => undefined,
  'Host.ping2': () => undefined,
  'Host.getCapabilities': async (deps, _params, context) => {
    const caps = await collectCapabilities(deps.capabilities);
    const iface = interfaceFacing(context.peer);
    return iface === undefined ? caps : { ...caps, lastClientIface: iface };
  },
  'Host.getStats': async (deps) => {
    const stats = await deps.sampler.stats();
    const vms = deps.virt?.vms;
    const result: HostStats = {
      ...stats,
      ...(vms === undefined ? {} : vms.counts()),
      ...(deps.storage === undefined ? {} : { storageDomains: deps.storage.repoStats([]) }),
    };
    return result;
  },
  'Host.getVMList': async (deps, params) => {
    if (deps.virt === undefined) return [];
    const vms = vmManager({ virt: deps.virt });
    if (params.fullStatus) return await vms.fullList(params.vmList);
    const list = vms.list(params.vmList);
    if (params.onlyUUID) return list.map((vm) => vm.id);
    return list.map((vm) => ({ vmId: vm.id, status: vm.status() }));
  },
  'Host.getVMFullList': async (deps, params) =>
    deps.virt === undefined ? [] : await vmManager({ virt: deps.virt }).fullList(params.vmList),
  // Pre-serialized: 1000 VMs' stats are joined once per change, not stringified per request.
  'Host.getAllVmStats': (deps) => (deps.virt === undefined ? [] : vmManager({ virt: deps.virt }).allStatsJson()),
  'Host.setLogLevel': (deps, params) => {
    const level = LEVELS.get(params.level);
    if (level === undefined) throw new VdsmError('InvalidParameter', `unknown log level ${params.level}`);
    // '' (the default) means every module
    deps.logging.setLevel(level, params.name === '' ? undefined : params.name);
    return undefined;
  },
} as const satisfies Handlers<HostDeps>;
