/** libvirt's numeric constants that vdsmd uses (values from libvirt 9.0 headers). */

export const ConnectFlags = { READ_ONLY: 1 } as const;

export const DomainState = {
  NOSTATE: 0,
  RUNNING: 1,
  BLOCKED: 2,
  PAUSED: 3,
  SHUTDOWN: 4,
  SHUTOFF: 5,
  CRASHED: 6,
  PMSUSPENDED: 7,
} as const;
export type DomainStateCode = (typeof DomainState)[keyof typeof DomainState];

/** VIR_DOMAIN_EVENT_* (the `event` of a lifecycle event). */
export const LifecycleEvent = {
  DEFINED: 0,
  UNDEFINED: 1,
  STARTED: 2,
  SUSPENDED: 3,
  RESUMED: 4,
  STOPPED: 5,
  SHUTDOWN: 6,
  PMSUSPENDED: 7,
  CRASHED: 8,
} as const;

/** VIR_DOMAIN_EVENT_ID_*: the event kinds this binding can subscribe to. */
export const EventId = {
  LIFECYCLE: 0,
  REBOOT: 1,
  RTC_CHANGE: 2,
  WATCHDOG: 3,
  GRAPHICS: 5,
  IO_ERROR_REASON: 6,
  BALLOON_CHANGE: 13,
  DEVICE_REMOVED: 15,
  BLOCK_JOB_2: 16,
  AGENT_LIFECYCLE: 18,
  DEVICE_ADDED: 19,
  MIGRATION_ITERATION: 20,
  JOB_COMPLETED: 21,
} as const;
export type EventIdCode = (typeof EventId)[keyof typeof EventId];

export const ListDomainsFlags = {
  ACTIVE: 1 << 0,
  INACTIVE: 1 << 1,
  PERSISTENT: 1 << 2,
  TRANSIENT: 1 << 3,
  RUNNING: 1 << 4,
  PAUSED: 1 << 5,
  SHUTOFF: 1 << 6,
  OTHER: 1 << 7,
  MANAGEDSAVE: 1 << 8,
  NO_MANAGEDSAVE: 1 << 9,
  AUTOSTART: 1 << 10,
  NO_AUTOSTART: 1 << 11,
  HAS_SNAPSHOT: 1 << 12,
  NO_SNAPSHOT: 1 << 13,
} as const;

/** VIR_DOMAIN_STATS_*: stat groups for bulk stats. */
export const StatsGroup = {
  STATE: 1 << 0,
  CPU_TOTAL: 1 << 1,
  BALLOON: 1 << 2,
  VCPU: 1 << 3,
  INTERFACE: 1 << 4,
  BLOCK: 1 << 5,
  PERF: 1 << 6,
  IOTHREAD: 1 << 7,
  MEMORY: 1 << 8,
  DIRTYRATE: 1 << 9,
  VM: 1 << 10,
} as const;
/** 0 asks libvirt for every group the driver supports. */
export const ALL_STATS = 0;

/** VIR_CONNECT_GET_ALL_DOMAINS_STATS_* flags (the list filters plus these). */
export const StatsFlags = {
  ...ListDomainsFlags,
  NOWAIT: 1 << 29,
  BACKING: 1 << 30,
  ENFORCE_STATS: 2 ** 31,
} as const;

export const Affect = { CURRENT: 0, LIVE: 1, CONFIG: 2 } as const;
export const DeviceModify = { ...Affect, FORCE: 4 } as const;
export const StartFlags = { PAUSED: 1, AUTODESTROY: 2, BYPASS_CACHE: 4, FORCE_BOOT: 8, VALIDATE: 16 } as const;
export const DestroyFlags = { DEFAULT: 0, GRACEFUL: 1 } as const;
export const ShutdownFlags = {
  DEFAULT: 0,
  ACPI_POWER_BTN: 1,
  GUEST_AGENT: 2,
  INITCTL: 4,
  SIGNAL: 8,
  PARAVIRT: 16,
} as const;
export const RebootFlags = ShutdownFlags;
export const UndefineFlags = {
  MANAGED_SAVE: 1,
  SNAPSHOTS_METADATA: 2,
  NVRAM: 4,
  KEEP_NVRAM: 8,
  CHECKPOINTS_METADATA: 16,
} as const;
export const XmlFlags = { SECURE: 1, INACTIVE: 2, UPDATE_CPU: 4, MIGRATABLE: 8 } as const;
export const MetadataType = { DESCRIPTION: 0, TITLE: 1, ELEMENT: 2 } as const;
export const JobStatsFlags = { COMPLETED: 1, KEEP_COMPLETED: 2 } as const;
export const GuestInfoTypes = {
  USERS: 1,
  OS: 2,
  TIMEZONE: 4,
  HOSTNAME: 8,
  FILESYSTEM: 16,
  DISKS: 32,
  INTERFACES: 64,
} as const;

export const MigrateFlags = {
  LIVE: 1 << 0,
  PEER2PEER: 1 << 1,
  TUNNELLED: 1 << 2,
  PERSIST_DEST: 1 << 3,
  UNDEFINE_SOURCE: 1 << 4,
  PAUSED: 1 << 5,
  NON_SHARED_DISK: 1 << 6,
  NON_SHARED_INC: 1 << 7,
  CHANGE_PROTECTION: 1 << 8,
  UNSAFE: 1 << 9,
  OFFLINE: 1 << 10,
  COMPRESSED: 1 << 11,
  ABORT_ON_ERROR: 1 << 12,
  AUTO_CONVERGE: 1 << 13,
  POSTCOPY: 1 << 15,
  TLS: 1 << 16,
  PARALLEL: 1 << 17,
} as const;

/** The namespace vdsm uses for its per-VM metadata element. */
export const OVIRT_VM_NS = 'http://ovirt.org/vm/1.0';
export const OVIRT_VM_PREFIX = 'ovirt-vm';

/** A few virErrorNumber values callers branch on. */
export const ErrorCode = {
  INTERNAL_ERROR: 1,
  NO_MEMORY: 2,
  NO_SUPPORT: 3,
  NO_CONNECT: 5,
  INVALID_CONN: 6,
  INVALID_DOMAIN: 7,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  OPERATION_DENIED: 29,
  ARGUMENT_UNSUPPORTED: 74,
  XML_ERROR: 27,
  OPERATION_INVALID: 55,
  NO_DOMAIN: 42,
  NO_NETWORK: 43,
  NO_SECRET: 66,
  INVALID_SECRET: 65,
  OPERATION_TIMEOUT: 68,
  NO_DOMAIN_SNAPSHOT: 72,
  NO_DOMAIN_METADATA: 80,
  OPERATION_UNSUPPORTED: 84,
  AGENT_UNRESPONSIVE: 86,
  OPERATION_ABORTED: 78,
} as const;
