/**
 * vdsmd's one libvirt connection (read-write, from `[vars] libvirt_uri`). It is a Hypervisor itself: every call goes
 * to the current connection, so the VM layer and the sampler hold one object for the daemon's life. When libvirtd
 * goes away the connection is reopened with backoff, every event subscription is registered again, and
 * `onReconnect` listeners run (the VM layer re-reads domain states it may have missed).
 *
 * One connection per daemon also matters on test:///default, where each connection is a fresh fake host.
 * The libvirt calls themselves come from the one table (CONNECTION_CALLS): each goes to the current Connection,
 * which fills defaults and converts; calls while disconnected reject with VIR_ERR_INVALID_CONN.
 */

import type { Logger } from '@vdsm-ts/common/logging';
import {
  CONNECTION_CALLS,
  Connection,
  type ConnectionClosedEvent,
  type DomainHandle,
  type EventById,
  type EventIdCode,
  forwardingClass,
  type Hypervisor,
  LibvirtError,
  type Subscription,
} from '@vdsm-ts/native/libvirt/index';

export interface HypervisorConnectionOptions {
  readonly uri: string;
  readonly logger: Logger;
  /** First and longest wait between reconnection attempts (default 500 ms and 30 s). */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
}

interface Registration {
  readonly eventId: EventIdCode;
  readonly listener: (event: never) => void;
  readonly domainUuid: string | undefined;
  current: Subscription | undefined;
}

const KEEPALIVE_INTERVAL_S = 5;
const KEEPALIVE_COUNT = 5;
const INVALID_CONN = 6;

export class HypervisorConnection
  extends forwardingClass(CONNECTION_CALLS, (self: { readonly current: Connection }) => self.current, {
    convert: false,
  })
  implements Hypervisor
{
  private conn: Connection | undefined;
  private readonly registrations = new Set<Registration>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly closeListeners = new Set<(e: ConnectionClosedEvent) => void>();
  private readonly log: Logger;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private detachClose: (() => void) | undefined;

  constructor(private readonly options: HypervisorConnectionOptions) {
    super();
    this.log = options.logger;
    this.backoffMinMs = options.backoffMinMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
  }

  get uri(): string {
    return this.options.uri;
  }

  /** Opens the connection, retrying with backoff until it succeeds or close() is called. */
  async connect(): Promise<void> {
    let wait = this.backoffMinMs;
    for (;;) {
      if (this.stopped) throw new LibvirtError('hypervisor connection closed', INVALID_CONN, 0);
      try {
        await this.openOnce();
        return;
      } catch (err) {
        this.log.warn({ err, uri: this.uri, retryInMs: wait }, 'cannot connect to libvirt; retrying');
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, this.backoffMaxMs);
      }
    }
  }

  private async openOnce(): Promise<void> {
    const conn = await Connection.open({ uri: this.uri });
    // Remote drivers answer keepalives; the test driver has none and refuses, which is fine.
    await conn.setKeepAlive(KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT).catch(() => undefined);
    this.conn = conn;
    this.detachClose = conn.onClose((e) => this.onClosed(conn, e));
    for (const registration of this.registrations) await this.register(registration);
    this.log.info({ uri: this.uri }, 'connected to libvirt');
  }

  private onClosed(conn: Connection, event: ConnectionClosedEvent): void {
    if (conn !== this.conn || this.stopped) return;
    this.log.warn({ uri: this.uri, reason: event.reason }, 'libvirt connection closed; reconnecting');
    for (const listener of this.closeListeners) listener(event);
    this.detachClose?.();
    for (const registration of this.registrations) registration.current = undefined;
    void conn.close().catch(() => undefined);
    this.scheduleReconnect(this.backoffMinMs);
  }

  private scheduleReconnect(wait: number): void {
    if (this.stopped || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.openOnce().then(
        () => {
          for (const listener of this.reconnectListeners) listener();
        },
        (err: unknown) => {
          this.log.warn({ err, uri: this.uri, retryInMs: wait }, 'libvirt reconnection failed');
          this.scheduleReconnect(Math.min(wait * 2, this.backoffMaxMs));
        },
      );
    }, wait);
    this.reconnectTimer.unref();
  }

  /** Runs after every successful reconnection (not after the first connect). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** The open connection; the table's calls go to it. */
  get current(): Connection {
    if (this.conn === undefined) throw new LibvirtError('not connected to libvirt', INVALID_CONN, 0);
    return this.conn;
  }

  private async register(registration: Registration): Promise<void> {
    const conn = this.current;
    const domain = registration.domainUuid === undefined ? undefined : await conn.lookupByUUID(registration.domainUuid);
    registration.current = await conn.subscribe(
      registration.eventId,
      registration.listener as (event: EventById[EventIdCode]) => void,
      domain,
    );
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.detachClose?.();
    this.registrations.clear();
    const conn = this.conn;
    this.conn = undefined;
    if (conn !== undefined) await conn.close();
  }

  isAlive(): boolean {
    return this.conn?.isAlive() ?? false;
  }
  isReadOnly(): boolean {
    return this.current.isReadOnly();
  }
  setKeepAlive(interval: number, count: number): Promise<number> {
    return this.current.setKeepAlive(interval, count);
  }
  onClose(listener: (e: ConnectionClosedEvent) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async subscribe<K extends EventIdCode>(
    eventId: K,
    listener: (event: EventById[K]) => void,
    domain?: DomainHandle,
  ): Promise<Subscription> {
    const registration: Registration = {
      eventId,
      listener: listener as (event: never) => void,
      domainUuid: domain?.uuid,
      current: undefined,
    };
    await this.register(registration);
    this.registrations.add(registration);
    return {
      get callbackId() {
        return registration.current?.callbackId ?? -1;
      },
      unsubscribe: async () => {
        this.registrations.delete(registration);
        const current = registration.current;
        registration.current = undefined;
        await current?.unsubscribe();
      },
    };
  }
}
