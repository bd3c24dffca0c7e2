import { loadAddon } from '../addon.js';
import { ConnectFlags, type EventIdCode } from './constants.js';
import { Domain } from './domain.js';
import { LibvirtError } from './errors.js';
import type { ConnectionClosedEvent, DomainEvent, EventById, RawEvent } from './events.js';
import type { Hypervisor, Subscription } from './interfaces.js';
import type { LibvirtAddon, NativeConnection } from './native.js';
import { unpackStats } from './stats.js';
import type { DomainStatsRecord, NetworkInfo, NodeCpuStats, NodeInfo, NodeMemoryStats, SecretInfo } from './types.js';

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
 * process alive until unsubscribed or until close().
 */
export class Connection implements Hypervisor {
  private readonly listeners = new Map<number, Listener>();
  private readonly closeListeners = new Set<(e: ConnectionClosedEvent) => void>();
  private nextToken = 1;
  private conn!: NativeConnection;

  private constructor() {}

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

  // ---- host ----
  getHostname(): Promise<string> {
    return this.conn.getHostname();
  }
  getURI(): Promise<string> {
    return this.conn.getURI();
  }
  getLibVersion(): Promise<number> {
    return this.conn.getLibVersion();
  }
  getVersion(): Promise<number> {
    return this.conn.getVersion();
  }
  getCapabilities(): Promise<string> {
    return this.conn.getCapabilities();
  }
  getDomainCapabilities(
    q: { emulator?: string; arch?: string; machine?: string; virtType?: string } = {},
    flags = 0,
  ): Promise<string> {
    return this.conn.getDomainCapabilities(
      q.emulator ?? null,
      q.arch ?? null,
      q.machine ?? null,
      q.virtType ?? null,
      flags,
    );
  }
  getNodeInfo(): Promise<NodeInfo> {
    return this.conn.getNodeInfo();
  }
  /** cpuNum -1: all CPUs */
  getNodeCPUStats(cpuNum = -1, flags = 0): Promise<NodeCpuStats> {
    return this.conn.getNodeCPUStats(cpuNum, flags);
  }
  /** cellNum -1: all cells */
  getNodeMemoryStats(cellNum = -1, flags = 0): Promise<NodeMemoryStats> {
    return this.conn.getNodeMemoryStats(cellNum, flags);
  }
  getCPUModelNames(arch: string, flags = 0): Promise<string[]> {
    return this.conn.getCPUModelNames(arch, flags);
  }
  baselineCPU(xmlCpus: string[], flags = 0): Promise<string> {
    return this.conn.baselineCPU(xmlCpus, flags);
  }
  /** a VIR_CPU_COMPARE_* result (0 incompatible, 1 identical, 2 superset) */
  compareCPU(xml: string, flags = 0): Promise<number> {
    return this.conn.compareCPU(xml, flags);
  }

  // ---- domains ----
  async listAllDomains(flags = 0): Promise<Domain[]> {
    return (await this.conn.listAllDomains(flags)).map((d) => new Domain(d));
  }
  async lookupByUUID(uuid: string): Promise<Domain> {
    return new Domain(await this.conn.lookupByUUID(uuid));
  }
  async lookupByName(name: string): Promise<Domain> {
    return new Domain(await this.conn.lookupByName(name));
  }
  async lookupByID(id: number): Promise<Domain> {
    return new Domain(await this.conn.lookupByID(id));
  }
  async defineXML(xml: string, flags = 0): Promise<Domain> {
    return new Domain(await this.conn.defineXML(xml, flags));
  }
  async createXML(xml: string, flags = 0): Promise<Domain> {
    return new Domain(await this.conn.createXML(xml, flags));
  }

  /** One call for every domain's stats: `stats` is an OR of StatsGroup (0: all), `flags` of StatsFlags. */
  async getAllDomainStats(stats = 0, flags = 0): Promise<DomainStatsRecord[]> {
    return unpackStats(await this.conn.getAllDomainStats(stats, flags >>> 0));
  }
  async domainListGetStats(domains: Domain[], stats = 0, flags = 0): Promise<DomainStatsRecord[]> {
    return unpackStats(
      await this.conn.domainListGetStats(
        domains.map((d) => d.native),
        stats,
        flags >>> 0,
      ),
    );
  }

  // ---- events ----
  /** Subscribes to one event kind, for one domain or (domain omitted) all of them. */
  async subscribe<K extends EventIdCode>(
    eventId: K,
    listener: (event: EventById[K]) => void,
    domain?: Domain,
  ): Promise<Subscription> {
    const token = this.nextToken++;
    this.listeners.set(token, listener as Listener);
    let callbackId: number;
    try {
      callbackId = await this.conn.domainEventRegister(eventId, domain?.native ?? null, token);
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

  // ---- networks ----
  listNetworks(flags = 0): Promise<NetworkInfo[]> {
    return this.conn.listNetworks(flags);
  }
  /** Defines a persistent network; returns its name. */
  networkDefineXML(xml: string): Promise<string> {
    return this.conn.networkDefineXML(xml);
  }
  /** Creates and starts a transient network; returns its name. */
  networkCreateXML(xml: string): Promise<string> {
    return this.conn.networkCreateXML(xml);
  }
  networkCreate(name: string): Promise<void> {
    return this.conn.networkCreate(name);
  }
  networkDestroy(name: string): Promise<void> {
    return this.conn.networkDestroy(name);
  }
  networkUndefine(name: string): Promise<void> {
    return this.conn.networkUndefine(name);
  }
  networkSetAutostart(name: string, on: boolean): Promise<void> {
    return this.conn.networkSetAutostart(name, on);
  }
  networkGetXMLDesc(name: string, flags = 0): Promise<string> {
    return this.conn.networkGetXMLDesc(name, flags);
  }

  // ---- secrets ----
  listSecrets(flags = 0): Promise<SecretInfo[]> {
    return this.conn.listSecrets(flags);
  }
  /** Returns the secret's UUID. */
  secretDefineXML(xml: string, flags = 0): Promise<string> {
    return this.conn.secretDefineXML(xml, flags);
  }
  secretSetValue(uuid: string, value: Buffer | string): Promise<void> {
    return this.conn.secretSetValue(uuid, value);
  }
  secretGetValue(uuid: string): Promise<Buffer> {
    return this.conn.secretGetValue(uuid);
  }
  secretUndefine(uuid: string): Promise<void> {
    return this.conn.secretUndefine(uuid);
  }
  secretGetXMLDesc(uuid: string): Promise<string> {
    return this.conn.secretGetXMLDesc(uuid);
  }
  /** usageType: VIR_SECRET_USAGE_TYPE_* (1 volume, 2 ceph, 3 iscsi, 4 tls, 5 vtpm) */
  secretLookupByUsage(usageType: number, usageID: string): Promise<string> {
    return this.conn.secretLookupByUsage(usageType, usageID);
  }
}
