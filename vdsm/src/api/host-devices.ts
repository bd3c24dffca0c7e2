/** Host.getHardwareInfo and Host.hostdevListByCaps: the machine's DMI identity and its assignable devices. */
import type { HardwareInfo } from '@vdsm-ts/supervdsm-protocol/operations';
import { VdsmError } from '../errors/vdsm-error.js';
import { listHostDevices } from '../host/index.js';
import type { Handlers } from './handler.js';

export interface HostDeviceDeps {
  /** supervdsmd's DMI read (only root reads every DMI field); without it getHardwareInfo fails as upstream does. */
  readonly hardwareInfo?: () => Promise<HardwareInfo>;
}

export const HOST_DEVICE_HANDLERS = {
  'Host.getHardwareInfo': async ({ hardwareInfo }) => {
    if (hardwareInfo === undefined) throw new VdsmError('CannotRetrieveHWInfo', 'no supervdsm');
    try {
      // `source` says where supervdsmd read the facts; the wire carries only the facts (none on a host without DMI)
      const { source: _source, ...facts } = await hardwareInfo();
      return facts;
    } catch (error) {
      throw new VdsmError('CannotRetrieveHWInfo', (error as Error).message, { cause: error });
    }
  },
  'Host.hostdevListByCaps': async (_deps, { caps }) => listHostDevices(caps),
} as const satisfies Handlers<HostDeviceDeps>;
