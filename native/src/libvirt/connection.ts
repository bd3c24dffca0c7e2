import { loadAddon } from '../addon.js';
import { forwardingClass } from './call-table.js';
import { CONNECTION_CALLS } from './connection-calls.js';
import { ConnectFlags, type EventIdCode } from './constants.js';
import { nativeDomain } from './domain.js';
import { LibvirtError } from './errors.js';
import type { ConnectionClosedEvent, DomainEvent, EventById, RawEvent } from './events.js';
import type { DomainHandle, Hypervisor, Subscription } from './interfaces.js';
import type { LibvirtAddon, NativeConnection } from './native.js';

let addon: LibvirtAddon | undefined;
function native(): LibvirtAddon {
  if (addon === undefined) {
    addon = loadAddon<LibvirtAddon>('libvirt');
    addon.setErrorClass(LibvirtError);
  }
  return addon;
}

export interface OpenOptions {
  /** libvirt URI; null/undefined lets libvirt pick its default */
  uri?: string | null;
  readOnly?: boolean;
}

type Listener = (event: DomainEvent) => void;

/**
 * A libvirt connection. All calls run on worker threads and return Promises rejecting with LibvirtError.
 * Events arrive on the JS thread through one thread-safe function per connection. Subscribed events keep the
 * process alive until unsubscribed or until close(). The calls of CONNECTION_CALLS come from that table.
 */
export class Connection
  extends forwardingClass(CONNECTION_CALLS, (self: { readonly conn: object }) => self.conn)
  implements Hypervisor
{
  private readonly listeners = new Map<number, Listener>();
  private readonly closeListeners = new Set<(e: ConnectionClosedEvent) => void>();
  private nextToken = 1;
  /** @internal The addon's connection object. */
  conn!: NativeConnection;

  private constructor() {
    super();
  }

  static async open(options: OpenOptions = {}): Promise<Connection> {
    const c = new Connection();
    c.conn = await native().open(options.uri ?? null, options.readOnly ? ConnectFlags.READ_ONLY : 0, (e) =>
      c.dispatch(e),
    );
    return c;
  }

  private dispatch(e: RawEvent): void {
    if (e.type === 'closed') {
      for (const l of this.closeListeners) l(e);
      return;
    }
    this.listeners.get(e.token)?.(e);
  }

  /** Compile-time libvirt version of the addon (major * 1e6 + minor * 1e3 + micro). */
  static get bindingLibVersion(): number {
    return native().libVersion;
  }

  close(): Promise<void> {
    this.listeners.clear();
    return this.conn.close();
  }
  isAlive(): boolean {
    return this.conn.isAlive();
  }
  isReadOnly(): boolean {
    return this.conn.isReadOnly();
  }
  /** Keepalive probes every `interval` seconds; the connection is closed after `count` unanswered ones. */
  setKeepAlive(interval: number, count: number): Promise<number> {
    return this.conn.setKeepAlive(interval, count);
  }
  /** Called when the connection is closed by anything but close() (EOF, keepalive timeout, error). */
  onClose(listener: (e: ConnectionClosedEvent) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  // ---- events ----
  /** Subscribes to one event kind, for one domain or (domain omitted) all of them. */
  async subscribe<K extends EventIdCode>(
    eventId: K,
    listener: (event: EventById[K]) => void,
    domain?: DomainHandle,
  ): Promise<Subscription> {
    const token = this.nextToken++;
    this.listeners.set(token, listener as Listener);
    let callbackId: number;
    try {
      callbackId = await this.conn.domainEventRegister(
        eventId,
        domain === undefined ? null : (nativeDomain(domain) ?? null),
        token,
      );
    } catch (err) {
      this.listeners.delete(token);
      throw err;
    }
    return {
      callbackId,
      unsubscribe: async () => {
        this.listeners.delete(token);
        await this.conn.domainEventDeregister(callbackId);
      },
    };
  }
}
