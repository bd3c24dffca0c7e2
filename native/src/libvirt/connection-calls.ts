/**
 * Every call of a libvirt connection, declared once. Connection (connection.ts) and vdsmd's reconnecting
 * HypervisorConnection are generated from this table, the Hypervisor interface is derived from it, and
 * native/test/libvirt/surface.test.ts checks it against what the addon registers (native/cc/libvirt/*.cc).
 * Not here: close/isAlive/isReadOnly/setKeepAlive/onClose and events, whose semantics differ per facade.
 */
import { call, type FacadeOf } from './call-table.js';
import { Domain, nativeDomain } from './domain.js';
import type { DomainHandle } from './interfaces.js';
import type { NativeDomain } from './native.js';
import { type PackedStats, unpackStats } from './stats.js';
import type { DomainStatsRecord, NetworkInfo, NodeCpuStats, NodeInfo, NodeMemoryStats, SecretInfo } from './types.js';

export interface DomainCapabilitiesQuery {
  emulator?: string;
  arch?: string;
  machine?: string;
  virtType?: string;
}

const toDomain = (d: NativeDomain): Domain => new Domain(d);
const toDomains = (list: NativeDomain[]): Domain[] => list.map(toDomain);
const toStats = (packed: PackedStats): DomainStatsRecord[] => unpackStats(packed);
/** Stats flags travel as unsigned (GET_ALL_DOMAINS_STATS_ENFORCE_STATS is bit 31). */
const statsArgs = ([stats, flags]: readonly unknown[]) => [stats, (flags as number) >>> 0];

export const CONNECTION_CALLS = {
  // ---- host ----
  getHostname: call<[], string>(),
  getURI: call<[], string>(),
  getLibVersion: call<[], number>(),
  getVersion: call<[], number>(),
  getCapabilities: call<[], string>(),
  getDomainCapabilities: call<[q?: DomainCapabilitiesQuery, flags?: number], string>({
    defaults: [{}, 0],
    toNative: ([q, flags]) => {
      const query = q as DomainCapabilitiesQuery;
      return [query.emulator ?? null, query.arch ?? null, query.machine ?? null, query.virtType ?? null, flags];
    },
  }),
  getNodeInfo: call<[], NodeInfo>(),
  /** cpuNum -1: all CPUs */
  getNodeCPUStats: call<[cpuNum?: number, flags?: number], NodeCpuStats>({ defaults: [-1, 0] }),
  /** cellNum -1: all cells */
  getNodeMemoryStats: call<[cellNum?: number, flags?: number], NodeMemoryStats>({ defaults: [-1, 0] }),
  getCPUModelNames: call<[arch: string, flags?: number], string[]>({ defaults: [undefined, 0] }),
  baselineCPU: call<[xmlCpus: string[], flags?: number], string>({ defaults: [undefined, 0] }),
  /** a VIR_CPU_COMPARE_* result (0 incompatible, 1 identical, 2 superset) */
  compareCPU: call<[xml: string, flags?: number], number>({ defaults: [undefined, 0] }),

  // ---- domains ----
  listAllDomains: call<[flags?: number], DomainHandle[]>({ defaults: [0], fromNative: toDomains }),
  lookupByUUID: call<[uuid: string], DomainHandle>({ fromNative: toDomain }),
  lookupByName: call<[name: string], DomainHandle>({ fromNative: toDomain }),
  lookupByID: call<[id: number], DomainHandle>({ fromNative: toDomain }),
  defineXML: call<[xml: string, flags?: number], DomainHandle>({ defaults: [undefined, 0], fromNative: toDomain }),
  createXML: call<[xml: string, flags?: number], DomainHandle>({ defaults: [undefined, 0], fromNative: toDomain }),
  /** One call for every domain's stats: `stats` is an OR of StatsGroup (0: all), `flags` of StatsFlags. */
  getAllDomainStats: call<[stats?: number, flags?: number], DomainStatsRecord[]>({
    defaults: [0, 0],
    toNative: statsArgs,
    fromNative: toStats,
  }),
  domainListGetStats: call<[domains: DomainHandle[], stats?: number, flags?: number], DomainStatsRecord[]>({
    defaults: [undefined, 0, 0],
    toNative: ([domains, stats, flags]) => [
      (domains as DomainHandle[]).map(nativeDomain),
      ...statsArgs([stats, flags]),
    ],
    fromNative: toStats,
  }),

  // ---- networks ----
  listNetworks: call<[flags?: number], NetworkInfo[]>({ defaults: [0] }),
  /** Defines a persistent network; returns its name. */
  networkDefineXML: call<[xml: string], string>(),
  /** Creates and starts a transient network; returns its name. */
  networkCreateXML: call<[xml: string], string>(),
  networkCreate: call<[name: string], void>(),
  networkDestroy: call<[name: string], void>(),
  networkUndefine: call<[name: string], void>(),
  networkSetAutostart: call<[name: string, on: boolean], void>(),
  networkGetXMLDesc: call<[name: string, flags?: number], string>({ defaults: [undefined, 0] }),

  // ---- secrets ----
  listSecrets: call<[flags?: number], SecretInfo[]>({ defaults: [0] }),
  /** Returns the secret's UUID. */
  secretDefineXML: call<[xml: string, flags?: number], string>({ defaults: [undefined, 0] }),
  secretSetValue: call<[uuid: string, value: Buffer | string], void>(),
  secretGetValue: call<[uuid: string], Buffer>(),
  secretUndefine: call<[uuid: string], void>(),
  secretGetXMLDesc: call<[uuid: string], string>(),
  /** usageType: VIR_SECRET_USAGE_TYPE_* (1 volume, 2 ceph, 3 iscsi, 4 tls, 5 vtpm) */
  secretLookupByUsage: call<[usageType: number, usageID: string], string>(),
} as const;

/** The calls every hypervisor facade offers. */
export type ConnectionCalls = FacadeOf<typeof CONNECTION_CALLS>;

/**
 * Addon methods outside the table (the facades wrap them by hand). Table names plus these are exactly what the
 * addon's Connection class registers.
 */
export const CONNECTION_NATIVE_EXTRAS = [
  'close',
  'isAlive',
  'isReadOnly',
  'setKeepAlive',
  'domainEventRegister',
  'domainEventDeregister',
] as const;
