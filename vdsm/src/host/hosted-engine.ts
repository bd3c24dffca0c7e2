/**
 * What Host.getStats reports as haStats (upstream host/api.py _getHaInfo): the hosted-engine HA agent's view of
 * this host. No HA agent runs beside vdsm-ts, so the host is not configured for hosted engine, is not active and
 * scores 0; the maintenance flags are the ones Host.setHaMaintenanceMode last set, kept for this vdsmd's life.
 */
import type { HaMaintenanceMode, HostedEngineStatus } from '../schema/api-types.generated.js';

export class HostedEngineState {
  private globalMaintenance = false;
  private localMaintenance = false;

  setMaintenance(mode: HaMaintenanceMode, enabled: boolean): void {
    if (mode === 'GLOBAL') this.globalMaintenance = enabled;
    else this.localMaintenance = enabled;
  }

  status(): HostedEngineStatus {
    return {
      configured: false,
      active: false,
      score: 0,
      globalMaintenance: this.globalMaintenance,
      localMaintenance: this.localMaintenance,
    };
  }
}
