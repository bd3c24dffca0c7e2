/**
 * systemd units, through systemd's manager on the system D-Bus: start, stop and restart wait for the job to
 * finish and fail when it did not end "done"; reload reloads unit files; status reads the unit's properties.
 */
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import type { UnitStatus } from '@vdsm-ts/supervdsm-protocol/operations';
import { fields, str, UNIT } from '../validate.js';
import type { HandlerSet, OpContext } from './handler.js';
import { type JobMethod, SystemdManager, type UnitProperties } from './systemd-dbus.js';

const VERB: Readonly<Record<JobMethod, string>> = { StartUnit: 'start', StopUnit: 'stop', RestartUnit: 'restart' };

function unitParam(params: unknown): string {
  return str(fields(params, ['unit']), 'unit', UNIT, 'systemd unit name');
}

async function withManager<T>(context: OpContext, work: (manager: SystemdManager) => Promise<T>): Promise<T> {
  const manager = await SystemdManager.open(context.signal);
  try {
    return await work(manager);
  } finally {
    manager.close();
  }
}

function runJob(method: JobMethod): (params: unknown, context: OpContext) => Promise<null> {
  return async (params, context) => {
    const unit = unitParam(params);
    return withManager(context, async (manager) => {
      const result = await manager.runJob(method, unit, context.signal);
      if (result === 'done') return null;
      // Say why, as `systemctl status` would: the unit's state and, for services, how the main process ended.
      const state = await manager.unitProperties(unit, context.signal).catch(() => null);
      throw new SupervdsmError('COMMAND_FAILED', `${VERB[method]} ${unit}: job ${result}${describe(state)}`);
    });
  };
}

function describe(state: UnitProperties | null): string {
  if (state === null) return '';
  const parts = [`unit ${state.activeState}/${state.subState}`];
  if (state.serviceResult !== null && state.serviceResult !== 'success') parts.push(`result ${state.serviceResult}`);
  if (state.execMainStatus !== null && state.execMainStatus !== 0) parts.push(`exit status ${state.execMainStatus}`);
  return ` (${parts.join(', ')})`;
}

export const systemdHandlers: HandlerSet<
  'systemdStart' | 'systemdStop' | 'systemdRestart' | 'systemdReload' | 'systemdStatus'
> = {
  systemdStart: runJob('StartUnit'),
  systemdStop: runJob('StopUnit'),
  systemdRestart: runJob('RestartUnit'),
  systemdReload: async (params, context) => {
    fields(params, []);
    await withManager(context, (manager) => manager.reload(context.signal));
    return null;
  },
  systemdStatus: async (params, context): Promise<UnitStatus> => {
    const unit = unitParam(params);
    const state = await withManager(context, (manager) => manager.unitProperties(unit, context.signal));
    return {
      name: state.id,
      activeState: state.activeState,
      subState: state.subState,
      loadState: state.loadState,
      mainPid: state.mainPid,
    };
  },
};
