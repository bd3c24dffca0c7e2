/** Domain events as a typed union, discriminated by `type`. */

export interface EventDomain {
  name: string;
  uuid: string;
  /** -1 when the domain is not running. */
  id: number;
}

interface Base {
  domain: EventDomain;
}

export interface LifecycleEventData extends Base {
  type: 'lifecycle';
  /** a LifecycleEvent value */
  event: number;
  detail: number;
}
export interface RebootEventData extends Base {
  type: 'reboot';
}
export interface RtcChangeEventData extends Base {
  type: 'rtc-change';
  utcOffset: number;
}
export interface WatchdogEventData extends Base {
  type: 'watchdog';
  action: number;
}
export interface IoErrorReasonEventData extends Base {
  type: 'io-error-reason';
  srcPath: string;
  devAlias: string;
  action: number;
  reason: string;
}
export interface GraphicsAddress {
  family: number;
  node: string;
  service: string;
}
export interface GraphicsEventData extends Base {
  type: 'graphics';
  phase: number;
  local: GraphicsAddress;
  remote: GraphicsAddress;
  authScheme: string;
  subject: { type: string; name: string }[];
}
export interface BlockJobEventData extends Base {
  type: 'block-job-2';
  disk: string;
  jobType: number;
  status: number;
}
export interface DeviceAddedEventData extends Base {
  type: 'device-added';
  devAlias: string;
}
export interface DeviceRemovedEventData extends Base {
  type: 'device-removed';
  devAlias: string;
}
export interface AgentLifecycleEventData extends Base {
  type: 'agent-lifecycle';
  state: number;
  reason: number;
}
export interface MigrationIterationEventData extends Base {
  type: 'migration-iteration';
  iteration: number;
}
export interface JobCompletedEventData extends Base {
  type: 'job-completed';
  params: Record<string, number | string | boolean>;
}
export interface BalloonChangeEventData extends Base {
  type: 'balloon-change';
  actual: number;
}

export type DomainEvent =
  | LifecycleEventData
  | RebootEventData
  | RtcChangeEventData
  | WatchdogEventData
  | IoErrorReasonEventData
  | GraphicsEventData
  | BlockJobEventData
  | DeviceAddedEventData
  | DeviceRemovedEventData
  | AgentLifecycleEventData
  | MigrationIterationEventData
  | JobCompletedEventData
  | BalloonChangeEventData;

/** Connection closed by the peer: reason is a VIR_CONNECT_CLOSE_REASON_* (0 error, 1 EOF, 2 keepalive, 3 client). */
export interface ConnectionClosedEvent {
  type: 'closed';
  reason: number;
}

/** What the native side posts to the dispatcher. */
export type RawEvent = (DomainEvent & { token: number }) | ConnectionClosedEvent;

/** Maps an EventId to the event type it delivers. */
export interface EventById {
  0: LifecycleEventData;
  1: RebootEventData;
  2: RtcChangeEventData;
  3: WatchdogEventData;
  5: GraphicsEventData;
  6: IoErrorReasonEventData;
  13: BalloonChangeEventData;
  15: DeviceRemovedEventData;
  16: BlockJobEventData;
  18: AgentLifecycleEventData;
  19: DeviceAddedEventData;
  20: MigrationIterationEventData;
  21: JobCompletedEventData;
}
