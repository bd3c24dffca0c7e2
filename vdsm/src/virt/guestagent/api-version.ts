/**
 * oVirt guest agent API version negotiation, host side (upstream `guestagent.py` `_handle_api_version`): the
 * agent offers a version in each heartbeat; the host keeps the common one and announces it with `api-version`
 * whenever it changes to a non-zero value. The agent's first heartbeat offers 0 and later ones 3, so a host that
 * stored 3 from an earlier run still sees a change and re-announces.
 */
import { clampApiVersion, DISABLED_API_VERSION } from '@vdsm-ts/guest-agent/protocol/version';

export interface NegotiationStep {
  /** the version in effect after this heartbeat */
  readonly version: number;
  /** send `api-version {apiVersion: version}` to the agent */
  readonly announce: boolean;
}

export function negotiateOnHeartbeat(current: number, heartbeat: Readonly<Record<string, unknown>>): NegotiationStep {
  if (Object.hasOwn(heartbeat, 'apiVersion')) {
    const common = clampApiVersion(heartbeat.apiVersion);
    if (common === current) return { version: current, announce: false };
    return { version: common, announce: common !== DISABLED_API_VERSION };
  }
  // An agent older than versioning never reports it: fall back to the base protocol, silently.
  return { version: DISABLED_API_VERSION, announce: false };
}
