/**
 * Domain monitoring (storage/monitor.py, check.py): per domain, a periodic direct-I/O read of dom_md/metadata
 * (delay = how long the read took), a metadata re-read to check validity, and the host id: once a pool is
 * connected, non-ISO domains join their sanlock lockspace with our host id. Results feed Host.getStorageRepoStats
 * and Host.getStats. Before the first check a domain reports `actual: false`.
 */
import type { Logger } from '@vdsm-ts/common/logging';
import { VdsmError } from '../../errors/vdsm-error.js';
import type { DomainFinder } from '../domain/domain-finder.js';
import type { FileStorageDomain } from '../domain/file-domain.js';
import { readDirect } from '../fs/direct-read.js';
import type { SanlockSession } from '../sanlock/session.js';

export interface DomainVitals {
  code: number;
  lastCheck: string;
  delay: string;
  valid: boolean;
  version: number;
  acquired: boolean;
  actual: boolean;
}

interface Entry {
  readonly sdUUID: string;
  /** Monitored for the connected pool (upstream monitor.py poolDomain); false for hosted engine's own domains. */
  poolDomain: boolean;
  hostId: number | null;
  checkedAt: number | null;
  delay: number;
  valid: boolean;
  code: number;
  version: number;
  acquired: boolean;
  acquiring: Promise<void> | null;
  idsPath: string | null;
  isIso: boolean;
  timer: NodeJS.Timeout | null;
}

export interface DomainMonitorOptions {
  readonly finder: DomainFinder;
  readonly sanlock: SanlockSession;
  readonly intervalMs: number;
  /** Host-id failures happen in the background; they are logged here. */
  readonly log?: Logger;
}

export class DomainMonitor {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: DomainMonitorOptions) {}

  /**
   * Starts monitoring `sdUUID`; with a host id, also joins its lockspace (not for ISO domains). A domain started
   * outside the pool (`poolDomain` false) survives the pool's disconnect unless the pool monitors it too.
   */
  start(sdUUID: string, hostId: number | null, poolDomain = true): void {
    let entry = this.entries.get(sdUUID);
    if (entry === undefined) {
      entry = {
        sdUUID,
        poolDomain,
        hostId,
        checkedAt: null,
        delay: 0,
        valid: false,
        code: 0,
        version: -1,
        acquired: false,
        acquiring: null,
        idsPath: null,
        isIso: false,
        timer: null,
      };
      this.entries.set(sdUUID, entry);
      const e = entry;
      const tick = () => {
        void this.check(e).finally(() => {
          if (this.entries.get(sdUUID) === e) e.timer = setTimeout(tick, this.options.intervalMs).unref();
        });
      };
      tick();
    } else {
      if (hostId !== null) entry.hostId = hostId;
      if (poolDomain) entry.poolDomain = true;
    }
  }

  monitored(): string[] {
    return [...this.entries.keys()];
  }

  /** The domains monitored for the pool (the others were started by Host.startMonitoringDomain). */
  poolDomains(): string[] {
    return [...this.entries.values()].filter((e) => e.poolDomain).map((e) => e.sdUUID);
  }

  /** Pool disconnect: stops the pool's domains, not the ones monitored for hosted engine alone. */
  async stopPoolDomains(): Promise<void> {
    await Promise.all(this.poolDomains().map((sd) => this.stop(sd)));
  }

  /** Stops monitoring; leaves the lockspace when we had joined it. */
  async stop(sdUUID: string): Promise<void> {
    const entry = this.entries.get(sdUUID);
    if (entry === undefined) return;
    this.entries.delete(sdUUID);
    if (entry.timer !== null) clearTimeout(entry.timer);
    await entry.acquiring?.catch(() => {});
    if (entry.acquired && entry.hostId !== null && entry.idsPath !== null) {
      await this.options.sanlock.client
        .remLockspace(sdUUID, entry.hostId, entry.idsPath)
        .catch((err: unknown) => this.options.log?.warn({ err, sdUUID }, 'cannot release host id'));
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((sd) => this.stop(sd)));
  }

  private async check(entry: Entry): Promise<void> {
    let domain: FileStorageDomain;
    try {
      domain = await this.options.finder.get(entry.sdUUID, true);
      const read = await readDirect(domain.layout.metadata);
      entry.delay = read.seconds;
      entry.valid = true;
      entry.code = 0;
      entry.version = domain.version;
      entry.idsPath = domain.layout.ids;
      entry.isIso = domain.domainClass === 'Iso';
    } catch (error) {
      entry.valid = false;
      entry.code = error instanceof VdsmError ? error.code : 200;
      entry.checkedAt = Date.now();
      return;
    }
    entry.checkedAt = Date.now();
    if (entry.acquired && entry.hostId !== null && entry.acquiring === null) {
      // sanlock drops a lockspace whose renewals fail; the host id is then joined again below
      const held = await this.options.sanlock.client
        .hasLockspace(entry.sdUUID, entry.hostId, domain.layout.ids)
        .catch(() => true);
      if (!held) entry.acquired = false;
    }
    if (entry.hostId !== null && !entry.isIso && !entry.acquired && entry.acquiring === null) {
      entry.acquiring = this.join(entry).finally(() => {
        entry.acquiring = null;
      });
    }
  }

  private async join(entry: Entry): Promise<void> {
    const { sdUUID, hostId, idsPath } = entry;
    if (hostId === null || idsPath === null) return;
    try {
      if (!(await this.options.sanlock.client.hasLockspace(sdUUID, hostId, idsPath))) {
        await this.options.sanlock.client.addLockspace(sdUUID, hostId, idsPath);
      }
      entry.acquired = true;
    } catch (error) {
      this.options.log?.warn({ err: error, sdUUID, hostId }, 'cannot acquire host id');
    }
  }

  /**
   * Waits until our host id is held in the domain's lockspace (SPM start, lease acquisition); joins now if the
   * monitor has not yet. Throws AcquireHostIdFailure.
   */
  async acquireHostId(domain: FileStorageDomain, hostId: number): Promise<void> {
    this.start(domain.sdUUID, hostId);
    const entry = this.entries.get(domain.sdUUID)!;
    entry.idsPath = domain.layout.ids;
    if (entry.acquired) return;
    try {
      if (!(await this.options.sanlock.client.hasLockspace(domain.sdUUID, hostId, domain.layout.ids))) {
        await (entry.acquiring ?? this.options.sanlock.client.addLockspace(domain.sdUUID, hostId, domain.layout.ids));
      }
    } catch (error) {
      if (
        !(await this.options.sanlock.client.hasLockspace(domain.sdUUID, hostId, domain.layout.ids).catch(() => false))
      )
        throw new VdsmError('AcquireHostIdFailure', `${domain.sdUUID}: ${(error as Error).message}`, { cause: error });
    }
    entry.acquired = true;
  }

  vitals(sdUUID: string): DomainVitals | undefined {
    const e = this.entries.get(sdUUID);
    if (e === undefined) return undefined;
    if (e.checkedAt === null) {
      return { code: 0, lastCheck: '0.0', delay: '0', valid: true, version: -1, acquired: false, actual: false };
    }
    return {
      code: e.code,
      lastCheck: ((Date.now() - e.checkedAt) / 1000).toFixed(1),
      delay: e.delay.toFixed(6),
      valid: e.valid,
      version: e.version,
      acquired: e.acquired,
      actual: true,
    };
  }

  allVitals(filter?: readonly string[]): Record<string, DomainVitals> {
    const out: Record<string, DomainVitals> = {};
    for (const sd of this.entries.keys()) {
      if (filter !== undefined && filter.length > 0 && !filter.includes(sd)) continue;
      out[sd] = this.vitals(sd)!;
    }
    return out;
  }
}
