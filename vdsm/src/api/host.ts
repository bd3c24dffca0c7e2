/**
 * Host namespace handlers: thin wrappers over the host services, with the reporting tables of the other
 * host-*.ts files merged in. Verbs not listed here answer "not implemented".
 */
import type { Logging } from '@vdsm-ts/common/logging';
import { VdsmError } from '../errors/vdsm-error.js';
import { type CapabilitySources, collectCapabilities, type HostStatsSampler, interfaceFacing } from '../host/index.js';
import type { HostStats, LoggingLevel, VdsmCapabilities } from '../schema/api-types.generated.js';
import type { StorageDomains } from '../storage/index.js';
import type { Handlers } from './handler.js';
import { NET_CONFIG_DIRTY, STORAGE_CAPABILITIES } from './host-capabilities.js';
import { HOST_DEVICE_HANDLERS, type HostDeviceDeps } from './host-devices.js';
import { HOST_HOSTED_ENGINE_HANDLERS, type HostedEngineDeps } from './host-hosted-engine.js';
import { HOST_NETWORK_HANDLERS } from './host-network.js';
import { type VmDeps, vmManager } from './vm.js';

export interface HostDeps extends HostDeviceDeps, HostedEngineDeps {
  readonly logging: Logging;
  readonly sampler: HostStatsSampler;
  /** The hypervisor, KVM verdict and privileged reads getCapabilities reports on (libvirt fields need the first). */
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
  ...HOST_NETWORK_HANDLERS,
  ...HOST_DEVICE_HANDLERS,
  ...HOST_HOSTED_ENGINE_HANDLERS,
  'Host.ping': () => undefined,
  'Host.ping2': () => undefined,
  'Host.echo': (_deps, { message }) => message,
  'Host.getCapabilities': async (deps, _params, context) => {
    const caps: VdsmCapabilities = {
      ...(await collectCapabilities(deps.capabilities)),
      ...STORAGE_CAPABILITIES,
      netConfigDirty: NET_CONFIG_DIRTY,
    };
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
      // no MOM runs beside vdsm-ts (upstream's answer when MOM is unreachable); KSM is read from the kernel
      momStatus: 'inactive',
      haStats: deps.hostedEngine.status(),
      // upstream sends haScore only for a host configured for hosted engine
      v2vJobs: {},
      // the failing paths of multipath devices; block storage (and so multipath) is not implemented, so none fail
      multipathHealth: {},
      netConfigDirty: NET_CONFIG_DIRTY,
    };
    return result;
  },
  // no host job (SDM jobs, v2v) is implemented, so none exists to report
  'Host.getJobs': () => ({}),
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
