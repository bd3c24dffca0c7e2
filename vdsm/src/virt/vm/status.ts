/** VDSM's VM statuses, exit reasons and the Down record, with upstream's exact strings and numbers. */
/** Statuses vdsmd keeps internally; the guest-derived ones (Powering up/down, RebootInProgress) refine `Up`. */
export type InternalStatus =
  | 'WaitForLaunch'
  | 'Up'
  | 'Paused'
  | 'Down'
  | 'Migration Source'
  | 'Migration Destination'
  | 'Saving State'
  | 'Restoring state';

/**
 * Every status on the wire (upstream's VmStatus). virt does not import the API schema; api/vm.ts checks at compile
 * time that this list and the schema's enum are the same.
 */
export type VmStatus = InternalStatus | 'Powering up' | 'Powering down' | 'RebootInProgress';

export const ExitReason = {
  SUCCESS: 0,
  GENERIC_ERROR: 1,
  LOST_QEMU_CONNECTION: 2,
  LIBVIRT_START_FAILED: 3,
  MIGRATION_SUCCEEDED: 4,
  SAVE_STATE_SUCCEEDED: 5,
  ADMIN_SHUTDOWN: 6,
  USER_SHUTDOWN: 7,
  MIGRATION_FAILED: 8,
  LIBVIRT_DOMAIN_MISSING: 9,
  DESTROYED_ON_STARTUP: 10,
  HOST_SHUTDOWN: 11,
  POSTCOPY_MIGRATION_FAILED: 12,
  DESTROYED_ON_REBOOT: 13,
  DESTROYED_ON_PAUSE_TIMEOUT: 14,
} as const;
export type ExitReasonCode = (typeof ExitReason)[keyof typeof ExitReason];

const EXIT_MESSAGES: Readonly<Record<ExitReasonCode, string>> = {
  0: 'VM exited normally',
  1: 'VM terminated with error',
  2: 'Lost connection with qemu process',
  3: 'Failed to run VM',
  4: 'Migration succeeded',
  5: 'SaveState succeeded',
  6: 'Admin shut down from the engine',
  7: 'User shut down from within the guest',
  8: 'VM failed to migrate',
  9: 'Failed to find the libvirt domain',
  10: 'VM destroyed during the startup',
  11: 'VM shut down by host',
  12: 'Migration failed in post-copy',
  13: 'VM destroyed on guest reboot',
  14: 'VM destroyed after being paused too long',
};

export const ExitCode = { NORMAL: 0, ERROR: 1 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface DownInfo {
  readonly exitCode: ExitCodeValue;
  readonly exitMessage: string;
  readonly exitReason: ExitReasonCode;
}

/** A Down record; the message defaults to the reason's standard text. */
export function downInfo(exitCode: ExitCodeValue, exitReason: ExitReasonCode, message?: string): DownInfo {
  return {
    exitCode,
    exitReason,
    exitMessage: message === undefined || message === '' ? EXIT_MESSAGES[exitReason] : message,
  };
}

export function isExitReason(value: number): value is ExitReasonCode {
  return Number.isInteger(value) && value >= 0 && value <= 14;
}

/** `statusTime` and `notify_time`: 2147483647 + monotonic milliseconds (the engine orders events with it). */
export function monotonicStamp(): number {
  return 2147483647 + Number(process.hrtime.bigint() / 1_000_000n);
}
