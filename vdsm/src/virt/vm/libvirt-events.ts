/** libvirt's lifecycle event and state-reason numbers the VM layer maps to VDSM statuses and exit reasons. */
import { type DownInfo, downInfo, ExitCode, ExitReason } from './status.js';

export const StartedDetail = { BOOTED: 0, MIGRATED: 1, RESTORED: 2, FROM_SNAPSHOT: 3, WAKEUP: 4 } as const;
export const SuspendedDetail = {
  PAUSED: 0,
  MIGRATED: 1,
  IOERROR: 2,
  WATCHDOG: 3,
  RESTORED: 4,
  FROM_SNAPSHOT: 5,
  API_ERROR: 6,
  POSTCOPY: 7,
  POSTCOPY_FAILED: 8,
} as const;
export const StoppedDetail = {
  SHUTDOWN: 0,
  DESTROYED: 1,
  CRASHED: 2,
  MIGRATED: 3,
  SAVED: 4,
  FAILED: 5,
  FROM_SNAPSHOT: 6,
} as const;

/** virDomainShutoffReason */
export const ShutoffReason = {
  UNKNOWN: 0,
  SHUTDOWN: 1,
  DESTROYED: 2,
  CRASHED: 3,
  MIGRATED: 4,
  SAVED: 5,
  FAILED: 6,
  FROM_SNAPSHOT: 7,
  DAEMON: 8,
} as const;

/** virDomainPausedReason values that mean an I/O error. */
export const PausedReason = { IOERROR: 5, MIGRATION: 2, POSTCOPY: 12, POSTCOPY_FAILED: 13 } as const;

/** virConnectDomainEventAgentLifecycleState */
export const AgentLifecycleState = { CONNECTED: 1, DISCONNECTED: 2 } as const;

/** virDomainEventGraphicsPhase */
export const GraphicsPhase = { CONNECT: 0, INITIALIZE: 1, DISCONNECT: 2 } as const;

/** Down record for a STOPPED event vdsmd did not ask for. */
export function unexpectedStop(detail: number): DownInfo {
  switch (detail) {
    case StoppedDetail.SHUTDOWN:
      return downInfo(ExitCode.NORMAL, ExitReason.USER_SHUTDOWN);
    case StoppedDetail.MIGRATED:
      return downInfo(ExitCode.NORMAL, ExitReason.MIGRATION_SUCCEEDED);
    case StoppedDetail.SAVED:
      return downInfo(ExitCode.NORMAL, ExitReason.SAVE_STATE_SUCCEEDED);
    default:
      return downInfo(ExitCode.ERROR, ExitReason.LOST_QEMU_CONNECTION);
  }
}

/** Down record for a domain recovery finds shut off (upstream `_recover_status`). */
export function shutoffDown(reason: number): DownInfo {
  switch (reason) {
    case ShutoffReason.SHUTDOWN:
      return downInfo(ExitCode.NORMAL, ExitReason.USER_SHUTDOWN);
    case ShutoffReason.DESTROYED:
      return downInfo(ExitCode.NORMAL, ExitReason.ADMIN_SHUTDOWN);
    case ShutoffReason.MIGRATED:
      return downInfo(ExitCode.NORMAL, ExitReason.MIGRATION_SUCCEEDED);
    case ShutoffReason.SAVED:
      return downInfo(ExitCode.NORMAL, ExitReason.SAVE_STATE_SUCCEEDED);
    case ShutoffReason.FAILED:
      return downInfo(ExitCode.ERROR, ExitReason.LIBVIRT_START_FAILED);
    default:
      return downInfo(ExitCode.ERROR, ExitReason.GENERIC_ERROR);
  }
}
