/** Host namespace handlers: thin wrappers over the host services. Verbs not listed here answer "not implemented". */
import type { Logging } from '../common/logging.js';
import { VdsmError } from '../errors/vdsm-error.js';
import { collectCapabilities, type HostStatsSampler, interfaceFacing } from '../host/index.js';
import { type HandlerTable, implement } from './handler.js';
import type { LoggingLevel } from './schema/api-types.generated.js';

export interface HostDeps {
  readonly logging: Logging;
  readonly sampler: HostStatsSampler;
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
      const caps = await collectCapabilities();
      const iface = interfaceFacing(context.peer);
      return iface === undefined ? caps : { ...caps, lastClientIface: iface };
    }),
    implement('Host.getStats', () => deps.sampler.stats()),
    // No VMs are managed until the virt layer exists, so every VM list is empty.
    implement('Host.getVMList', () => []),
    implement('Host.getVMFullList', () => []),
    implement('Host.getAllVmStats', () => []),
    implement('Host.setLogLevel', (params) => {
      const level = LEVELS.get(params.level);
      if (level === undefined) throw new VdsmError('InvalidParameter', `unknown log level ${params.level}`);
      // '' (the default) means every module
      deps.logging.setLevel(level, params.name === '' ? undefined : params.name);
      return undefined;
    }),
  ]);
}
