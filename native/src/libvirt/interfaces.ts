/**
 * The narrow doors vdsmd uses: a hypervisor connection and a domain handle. The classes in connection.ts and
 * domain.ts implement them on top of the native addon; every call returns a Promise that rejects with a
 * LibvirtError.
 */
import type { ConnectionCalls } from './connection-calls.js';
import type { EventIdCode } from './constants.js';
import type { DomainCalls } from './domain-calls.js';
import type { ConnectionClosedEvent, EventById } from './events.js';
import type { BlockIoTune } from './types.js';

export interface Subscription {
  readonly callbackId: number;
  unsubscribe(): Promise<void>;
}

/** A domain handle: the calls of DOMAIN_CALLS plus the cached identity and the ovirt-vm metadata shortcuts. */
export interface DomainHandle extends DomainCalls {
  readonly name: string;
  readonly uuid: string;
  readonly id: number;
  getOvirtMetadata(flags?: number): Promise<string>;
  setOvirtMetadata(xml: string | null, flags?: number): Promise<number>;
  /** Only the given limits change (libvirt's names: total_bytes_sec, read_iops_sec, ..., group_name). */
  setBlockIoTune(disk: string, limits: BlockIoTune, flags?: number): Promise<number>;
}

/** A hypervisor connection: the calls of CONNECTION_CALLS plus the connection's own life and events. */
export interface Hypervisor extends ConnectionCalls {
  close(): Promise<void>;
  isAlive(): boolean;
  isReadOnly(): boolean;
  setKeepAlive(interval: number, count: number): Promise<number>;
  onClose(listener: (e: ConnectionClosedEvent) => void): () => void;
  subscribe<K extends EventIdCode>(
    eventId: K,
    listener: (event: EventById[K]) => void,
    domain?: DomainHandle,
  ): Promise<Subscription>;
}
