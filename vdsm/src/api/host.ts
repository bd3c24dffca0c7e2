/** Host namespace handlers: thin wrappers over the host services. Verbs not listed here answer "not implemented". */
import type { Logging } from '../common/logging.js';
import { VdsmError } from '../errors/vdsm-error.js';
import {
  collectCapabilities,
  type HostCapabilities,
  type HostStats,
  type HostStatsSampler,
  interfaceFacing,
} from '../host/index.js';
import { type HandlerTable, handler } from './handler.js';

export interface HostDeps {
  readonly logging: Logging;
  readonly sampler: HostStatsSampler;
}

/** Upstream's logging level names (schema enum LoggingLevel) → our levels. */
const LEVELS = new Map([
  ['CRITICAL', 'fatal'],
  ['CRIT', 'fatal'],
  ['ERROR', 'error'],
  ['WARNING', 'warn'],
  ['WARN', 'warn'],
  ['INFO', 'info'],
  ['DEBUG', 'debug'],
]);

interface SetLogLevelParams {
  readonly level: string;
  /** Module name; '' means every module. */
  readonly name: string;
}

interface VmListParams {
  readonly fullStatus: boolean;
  readonly vmList: readonly string[];
  readonly onlyUUID: boolean;
}

export function hostHandlers(deps: HostDeps): HandlerTable {
  return new Map([
    ['ping', handler(() => true)],
    ['ping2', handler(() => true)],
    [
      'getCapabilities',
      handler(async (_params: object, context): Promise<HostCapabilities> => {
        const caps = await collectCapabilities();
        const iface = interfaceFacing(context.peer);
        return iface === undefined ? caps : { ...caps, lastClientIface: iface };
      }),
    ],
    ['getStats', handler((): Promise<HostStats> => deps.sampler.stats())],
    // No VMs are managed until the virt layer exists, so every VM list is empty.
    ['getVMList', handler((_params: VmListParams): unknown[] => [])],
    ['getVMFullList', handler((): unknown[] => [])],
    ['getAllVmStats', handler((): unknown[] => [])],
    [
      'setLogLevel',
      handler((params: SetLogLevelParams): void => {
        const level = LEVELS.get(params.level);
        if (level === undefined) throw new VdsmError('InvalidParameter', `unknown log level ${params.level}`);
        deps.logging.setLevel(level, params.name === '' ? undefined : params.name);
      }),
    ],
  ]);
}
