/** Host.setHaMaintenanceMode: the hosted-engine maintenance flags that Host.getStats' haStats reports. */
import type { HostedEngineState } from '../host/index.js';
import type { Handlers } from './handler.js';

export interface HostedEngineDeps {
  readonly hostedEngine: HostedEngineState;
}

export const HOST_HOSTED_ENGINE_HANDLERS = {
  'Host.setHaMaintenanceMode': ({ hostedEngine }, { mode, enabled }) => {
    hostedEngine.setMaintenance(mode, enabled);
    return undefined;
  },
} as const satisfies Handlers<HostedEngineDeps>;
