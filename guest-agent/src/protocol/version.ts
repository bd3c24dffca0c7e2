/**
 * API versions of the oVirt guest agent protocol. Both ends support at most {@link MAX_API_VERSION};
 * 0 means versioning is disabled and only the base messages flow.
 */

export const MAX_API_VERSION = 3;
export const DISABLED_API_VERSION = 0;

/** Lowest negotiated API version at which the agent may send each guest → host message. */
export const MESSAGE_MIN_API_VERSION = {
  heartbeat: 0,
  'host-name': 0,
  'os-version': 0,
  'network-interfaces': 0,
  fqdn: 0,
  applications: 0,
  'active-user': 0,
  'disks-usage': 0,
  'session-startup': 0,
  'session-shutdown': 0,
  'session-logon': 0,
  'session-logoff': 0,
  'session-lock': 0,
  'session-unlock': 0,
  echo: 0,
  'memory-stats': 0,
  uninstalled: 0,
  'number-of-cpus': 1,
  'os-info': 2,
  timezone: 2,
  containers: 3,
  completion: 3,
} as const satisfies Record<string, number>;

/** Lowest negotiated API version at which the host may send each host → guest command. */
export const COMMAND_MIN_API_VERSION = {
  refresh: 0,
  'api-version': 0,
  shutdown: 0,
  'lock-screen': 0,
  'log-off': 0,
  login: 0,
  echo: 0,
  hibernate: 0,
  'set-number-of-cpus': 1,
  'lifecycle-event': 3,
} as const satisfies Record<string, number>;

/** Clamps a peer-supplied version to [0, MAX_API_VERSION]; anything that is not an integer counts as 0. */
export function clampApiVersion(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) return DISABLED_API_VERSION;
  return Math.min(Math.max(value, DISABLED_API_VERSION), MAX_API_VERSION);
}
