import type { VmStatus } from '../db/repo/vms.js';

/** vdsm's VmStatus strings (vdsm-events.yml / Host.getAllVmStats) → oVirt engine's VM status names. */
const FROM_VDSM: ReadonlyMap<string, VmStatus> = new Map([
  ['Down', 'Down'],
  ['Up', 'Up'],
  ['Paused', 'Paused'],
  ['Powering up', 'PoweringUp'],
  ['Powering down', 'PoweringDown'],
  ['WaitForLaunch', 'WaitForLaunch'],
  ['Migration Source', 'MigratingFrom'],
  ['Migration Destination', 'MigratingTo'],
  ['Saving State', 'Suspended'],
  ['Restoring state', 'PoweringUp'],
  ['Rebooting', 'RebootInProgress'],
  ['NotResponding', 'NotResponding'],
]);

/** undefined for a status vdsm never sends: the caller keeps the VM's last known status. */
export function vmStatusFromVdsm(status: unknown): VmStatus | undefined {
  return typeof status === 'string' ? FROM_VDSM.get(status) : undefined;
}
