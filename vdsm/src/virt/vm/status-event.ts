/**
 * The body of a `|virt|VM_status|<vmId>` event, as upstream's vm.py send_status_event builds it: the status, and for
 * a Down VM its exit record (`_getDownVmStats`: vmId, status, exitCode, exitMessage, exitReason, timeOffset); for the
 * others the running fields upstream sends with the start event (`_getRunningVmStats`: elapsedTime, monitorResponse,
 * clientIp, timeOffset, pauseCode when paused with a reason). Not the whole stats record: the engine polls for that.
 */
import { downStats, runningStats, type SampledStatsSource } from './stats.js';
import type { VmStatus } from './status.js';
import type { Vm } from './vm.js';

export type StatusEventBody =
  | {
      readonly status: 'Down';
      readonly vmId: string;
      readonly exitCode: number;
      readonly exitMessage: string;
      readonly exitReason: number;
      readonly timeOffset: string;
    }
  | {
      readonly status: VmStatus;
      readonly elapsedTime: string;
      readonly monitorResponse: string;
      readonly clientIp: string;
      readonly timeOffset: string;
      readonly pauseCode?: string;
    };

export function statusEventBody(vm: Vm, sampler: SampledStatsSource | undefined): StatusEventBody {
  if (vm.isDown()) {
    const down = downStats(vm);
    return {
      status: 'Down',
      vmId: down.vmId,
      exitCode: down.exitCode,
      exitMessage: down.exitMessage,
      exitReason: down.exitReason,
      timeOffset: down.timeOffset,
    };
  }
  const record = runningStats(vm, sampler);
  return {
    status: record.status,
    elapsedTime: record.elapsedTime,
    monitorResponse: record.monitorResponse,
    clientIp: record.clientIp,
    timeOffset: record.timeOffset,
    ...(record.pauseCode === undefined ? {} : { pauseCode: record.pauseCode }),
  };
}
