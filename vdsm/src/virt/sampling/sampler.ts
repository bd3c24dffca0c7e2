/**
 * The VM sampling loop (upstream `virt/sampling.py` + `virt/periodic.py`): one bulk-stats call per interval for
 * every VM, the last two samples per VM, and each VM's stats built once per cycle. Requests read the prebuilt
 * objects (and their JSON, serialized at most once per cycle); nothing on the request path touches libvirt.
 *
 * A failed or timed-out cycle is logged and the previous stats stay. Each VM's stats age (time since it last
 * appeared in a sample) is tracked; past `[vars] vm_command_timeout` (60 s) its monitorResponse becomes "-1", as
 * upstream reports an unresponsive QEMU monitor. While a bulk call is still stuck in libvirt no new one is issued.
 */

import type { Logger } from '@vdsm-ts/common/logging';
import type { DomainStatsRecord, Hypervisor } from '@vdsm-ts/native/libvirt/index';
import { type DomainDevices, parseDomainDevices } from './domain-devices.js';
import { monotonicSeconds } from './format.js';
import { buildVmStats, deviceSignature, type Sample, type SampledVmStats } from './vm-stats.js';

// VIR_DOMAIN_STATS_* groups upstream asks for: STATE | CPU_TOTAL | BALLOON | VCPU | INTERFACE | BLOCK
const STATS_GROUPS = 1 | 2 | 4 | 8 | 16 | 32;
// VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING | _PAUSED | _NOWAIT: every domain with a QEMU process (a paused VM
// keeps answering), and a domain whose job lock is busy reports what it can instead of blocking the call.
const STATS_FLAGS = 16 | 32 | (2 ** 29);
/** upstream `vars/vm_command_timeout`: stats older than this mark the monitor unresponsive. */
const DEFAULT_UNRESPONSIVE_AFTER_S = 60;
/** Domain XML reads in flight at once (the libuv pool has 4 threads by default; leave some for others). */
const XML_CONCURRENCY = 3;

export interface VmSamplerOptions {
  readonly hypervisor: Hypervisor;
  readonly intervalSeconds: number;
  readonly logger: Logger;
  /** Stats older than this mark the monitor unresponsive; default upstream's vm_command_timeout, 60 s. */
  readonly unresponsiveAfterSeconds?: number;
}

/** Outcome of the latest cycle, for diagnostics and tests. */
export interface CycleReport {
  /** Cycles completed (successful or not). */
  readonly cycles: number;
  /** Consecutive failed cycles (0 after a good one). */
  readonly failures: number;
  readonly lastError?: unknown;
  /** Domains in the last successful bulk call. */
  readonly domains: number;
}

interface VmEntry {
  readonly vmId: string;
  prev: Sample | undefined;
  cur: Sample;
  /** Monotonic seconds of the last cycle the VM appeared in. */
  lastSeen: number;
  /** Monotonic seconds when first seen, or when the VM started if told (setStartTime). */
  startedAt: number;
  signature: string;
  devices: DomainDevices | undefined;
  /** The signature `devices` was read for; differs when the XML must be (re)read. */
  devicesSignature: string | undefined;
  monitorResponse: '0' | '-1';
  stats: Readonly<SampledVmStats>;
  json: string | undefined;
}

export class VmSampler {
  private readonly hv: Hypervisor;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private readonly unresponsiveAfter: number;
  private readonly entries = new Map<string, VmEntry>();
  private timer: NodeJS.Timeout | undefined;
  private cycleRunning: Promise<void> | undefined;
  /** The bulk call of a timed-out cycle, still inside libvirt. */
  private stuckCall: Promise<unknown> | undefined;
  private report: CycleReport = { cycles: 0, failures: 0, domains: 0 };

  constructor(o: VmSamplerOptions) {
    if (!(o.intervalSeconds > 0)) throw new RangeError('intervalSeconds must be positive');
    this.hv = o.hypervisor;
    this.intervalMs = o.intervalSeconds * 1000;
    this.log = o.logger;
    this.unresponsiveAfter = o.unresponsiveAfterSeconds ?? DEFAULT_UNRESPONSIVE_AFTER_S;
  }

  /** Samples now and then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs one full cycle now (after the one in progress, if any); never rejects, failures are logged. */
  async sampleNow(): Promise<void> {
    while (this.cycleRunning !== undefined) await this.cycleRunning;
    await this.runCycle();
  }

  /** The VM's sampled stats from the latest cycle; undefined for a VM never sampled (or forgotten). */
  statsFor(vmId: string): Readonly<Record<string, unknown>> | undefined {
    return this.entries.get(vmId)?.stats as Readonly<Record<string, unknown>> | undefined;
  }

  /** The same stats as a JSON object text, serialized at most once per cycle. */
  statsJsonFor(vmId: string): string | undefined {
    const e = this.entries.get(vmId);
    if (e === undefined) return undefined;
    e.json ??= JSON.stringify(e.stats);
    return e.json;
  }

  /** Seconds since the VM last appeared in a sample. */
  statsAge(vmId: string): number | undefined {
    const e = this.entries.get(vmId);
    return e === undefined ? undefined : monotonicSeconds() - e.lastSeen;
  }

  /** Tells when the VM started (epoch ms), so elapsedTime counts from there rather than from its first sample. */
  setStartTime(vmId: string, epochMs: number): void {
    const e = this.entries.get(vmId);
    if (e !== undefined) e.startedAt = monotonicSeconds() - (Date.now() - epochMs) / 1000;
    else this.pendingStarts.set(vmId, epochMs);
  }

  /** Drops everything known about the VM (it was destroyed or migrated away). */
  forget(vmId: string): void {
    this.entries.delete(vmId);
    this.pendingStarts.delete(vmId);
    // a bulk call already in flight may still list it: don't bring it back from that one
    if (this.cycleRunning !== undefined) this.forgottenThisCycle.add(vmId);
  }

  /** Makes the next cycle read the VM's domain XML again (after a device or memory change). */
  refreshDevices(vmId: string): void {
    const e = this.entries.get(vmId);
    if (e !== undefined) e.devicesSignature = undefined;
  }

  get lastCycle(): CycleReport {
    return this.report;
  }

  private readonly pendingStarts = new Map<string, number>();
  private readonly forgottenThisCycle = new Set<string>();

  private tick(): void {
    if (this.cycleRunning !== undefined) {
      this.log.warn('previous VM sampling cycle still running; skipping this one');
      this.refreshAges(monotonicSeconds());
      return;
    }
    void this.runCycle();
  }

  private runCycle(): Promise<void> {
    this.forgottenThisCycle.clear();
    const run = this.cycle().finally(() => {
      this.cycleRunning = undefined;
    });
    this.cycleRunning = run;
    return run;
  }

  private async cycle(): Promise<void> {
    const at = monotonicSeconds();
    let records: DomainStatsRecord[];
    try {
      records = await this.bulkStats();
    } catch (error) {
      const failures = this.report.failures + 1;
      this.report = { ...this.report, cycles: this.report.cycles + 1, failures, lastError: error };
      // once per failure streak at warn, then quietly (a dead libvirtd would otherwise log every interval)
      if (failures === 1) this.log.warn({ err: error }, 'VM sampling failed; keeping the previous stats');
      else this.log.debug({ err: error, failures }, 'VM sampling failed again');
      this.refreshAges(at);
      return;
    }
    const forgotten = this.forgottenThisCycle;
    const touched: VmEntry[] = [];
    const needXml: VmEntry[] = [];
    for (const record of records) {
      const sample: Sample = { at, record };
      let e = this.entries.get(record.uuid);
      if (e === undefined) {
        if (forgotten.has(record.uuid)) continue;
        const started = this.pendingStarts.get(record.uuid);
        this.pendingStarts.delete(record.uuid);
        e = {
          vmId: record.uuid,
          prev: undefined,
          cur: sample,
          lastSeen: at,
          startedAt: started === undefined ? at : at - (Date.now() - started) / 1000,
          signature: deviceSignature(record),
          devices: undefined,
          devicesSignature: undefined,
          monitorResponse: '0',
          stats: EMPTY,
          json: undefined,
        };
        this.entries.set(record.uuid, e);
      } else {
        e.prev = e.cur;
        e.cur = sample;
        e.lastSeen = at;
        e.signature = deviceSignature(record);
      }
      if (e.devicesSignature !== e.signature) needXml.push(e);
      touched.push(e);
    }
    if (needXml.length > 0) await this.readDevices(needXml);
    for (const e of touched) this.build(e, at);
    this.report = { cycles: this.report.cycles + 1, failures: 0, domains: records.length };
    if (this.entries.size > touched.length) this.refreshAges(at);
  }

  /** The bulk call, bounded by half the interval (upstream's per-operation timeout). */
  private async bulkStats(): Promise<DomainStatsRecord[]> {
    if (this.stuckCall !== undefined) throw new Error('the previous bulk stats call has not returned yet');
    const call = this.hv.getAllDomainStats(STATS_GROUPS, STATS_FLAGS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const settled = call.then(
          () => undefined,
          () => undefined,
        );
        this.stuckCall = settled;
        void settled.then(() => {
          this.stuckCall = undefined;
        });
        reject(new Error(`bulk stats call took longer than ${this.intervalMs / 2} ms`));
      }, this.intervalMs / 2);
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads the domain XML of VMs that are new or whose devices changed, a few at a time. */
  private async readDevices(entries: readonly VmEntry[]): Promise<void> {
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < entries.length) {
        const e = entries[next++] as VmEntry;
        const signature = e.signature;
        try {
          const dom = await this.hv.lookupByUUID(e.vmId);
          e.devices = parseDomainDevices(await dom.getXMLDesc());
          e.devicesSignature = signature;
        } catch (error) {
          // the domain may have gone away meanwhile; stats go out without device details and the read is retried
          failed++;
          this.log.debug({ err: error, vmId: e.vmId }, 'cannot read domain XML for sampling');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(XML_CONCURRENCY, entries.length) }, worker));
    if (failed > 0) this.log.info({ failed, of: entries.length }, 'domain XML unreadable for some VMs this cycle');
  }

  private build(e: VmEntry, now: number): void {
    e.monitorResponse = now - e.lastSeen >= this.unresponsiveAfter ? '-1' : '0';
    e.stats = Object.freeze(
      buildVmStats(e.prev, e.cur, {
        monitorResponse: e.monitorResponse,
        elapsedSeconds: Math.max(0, now - e.startedAt),
        ...(e.devices === undefined ? {} : { devices: e.devices }),
      }),
    );
    e.json = undefined;
  }

  /** VMs missing from recent samples: rebuild (once) those whose monitor has now been silent too long. */
  private refreshAges(now: number): void {
    for (const e of this.entries.values()) {
      if (e.monitorResponse === '0' && now - e.lastSeen >= this.unresponsiveAfter) this.build(e, now);
    }
  }
}

const EMPTY: Readonly<SampledVmStats> = Object.freeze({
  monitorResponse: '0',
  cpuUser: '0.00',
  cpuSys: '0.00',
  cpuActual: false,
  network: {},
  disks: {},
  balloonInfo: {},
  memUsage: '0',
});
