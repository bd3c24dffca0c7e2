/**
 * Every call of a libvirt domain handle, declared once. Domain (domain.ts) is generated from this table, the
 * DomainHandle interface is derived from it, and native/test/libvirt/surface.test.ts checks it against what the
 * addon's Domain class registers. Not here: the cached name/uuid/id and the calls Domain builds on others
 * (get/setOvirtMetadata, the validated setBlockIoTune).
 */
import { call, type FacadeOf } from './call-table.js';
import { GuestInfoTypes } from './constants.js';
import { type MigrateOptions, type MigrateParams, migrateOptionsToFlags, migrateParamsToTuples } from './migration.js';
import type { TypedParamTuple } from './native.js';
import type {
  BlockInfo,
  BlockIoTune,
  BlockJobInfo,
  BlockStats,
  DomainInfo,
  DomainStateInfo,
  InterfaceStats,
  JobInfo,
  JobStats,
  MemoryStats,
  TypedParams,
} from './types.js';

const FLAGS = [0];
const ONE_THEN_FLAGS = [undefined, 0];
const ALL_GUEST_INFO = Object.values(GuestInfoTypes).reduce((a, b) => a | b, 0);

export const DOMAIN_CALLS = {
  // ---- lifecycle ----
  create: call<[flags?: number], number>({ defaults: FLAGS }),
  destroy: call<[flags?: number], number>({ defaults: FLAGS }),
  shutdown: call<[flags?: number], number>({ defaults: FLAGS }),
  reboot: call<[flags?: number], number>({ defaults: FLAGS }),
  suspend: call<[], number>(),
  resume: call<[], number>(),
  undefine: call<[flags?: number], number>({ defaults: FLAGS }),
  isActive: call<[], boolean>(),
  isPersistent: call<[], boolean>(),

  // ---- XML, state, metadata ----
  getXMLDesc: call<[flags?: number], string>({ defaults: FLAGS }),
  getState: call<[], DomainStateInfo>(),
  getInfo: call<[], DomainInfo>(),
  getMetadata: call<[type: number, uri?: string | null, flags?: number], string>({ defaults: [undefined, null, 0] }),
  setMetadata: call<
    [type: number, metadata: string | null, key: string | null, uri: string | null, flags?: number],
    number
  >({ defaults: [undefined, undefined, undefined, undefined, 0] }),

  // ---- devices and resources ----
  attachDevice: call<[xml: string, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),
  detachDevice: call<[xml: string, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),
  updateDevice: call<[xml: string, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),
  /** Memory (KiB); with Affect.LIVE this is the balloon target of a running guest. */
  setMemory: call<[kib: number, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),
  setVcpus: call<[count: number, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),
  getBlockIoTune: call<[disk: string, flags?: number], BlockIoTune>({ defaults: ONE_THEN_FLAGS }),

  // ---- statistics and jobs ----
  blockStats: call<[disk: string, flags?: number], BlockStats>({ defaults: ONE_THEN_FLAGS }),
  interfaceStats: call<[device: string], InterfaceStats>(),
  memoryStats: call<[flags?: number], MemoryStats>({ defaults: FLAGS }),
  blockInfo: call<[disk: string, flags?: number], BlockInfo>({ defaults: ONE_THEN_FLAGS }),
  /** size in KiB unless flags include VIR_DOMAIN_BLOCK_RESIZE_BYTES (1) */
  blockResize: call<[disk: string, size: number, flags?: number], number>({ defaults: [undefined, undefined, 0] }),
  getJobInfo: call<[], JobInfo>(),
  getJobStats: call<[flags?: number], JobStats>({ defaults: FLAGS }),
  abortJob: call<[flags?: number], number>({ defaults: FLAGS }),

  // ---- migration ----
  /** Migrates to `dconnuri` (peer-to-peer) or, when null, to params.migrateUri (direct). */
  migrateToURI3: call<[dconnuri: string | null, params: MigrateParams, options?: MigrateOptions], number>({
    defaults: [undefined, undefined, {}],
    toNative: ([dconnuri, params, options]) => [
      dconnuri,
      migrateParamsToTuples(params as MigrateParams),
      migrateOptionsToFlags(options as MigrateOptions),
    ],
  }),
  migrateSetMaxDowntime: call<[ms: number, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),
  migrateSetMaxSpeed: call<[mibps: number, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),
  migrateGetMaxSpeed: call<[flags?: number], number>({ defaults: FLAGS }),
  migrateStartPostCopy: call<[flags?: number], number>({ defaults: FLAGS }),

  // ---- snapshots and block jobs ----
  /** Returns the new snapshot's name. */
  snapshotCreateXML: call<[xml: string, flags?: number], string>({ defaults: ONE_THEN_FLAGS }),
  listSnapshots: call<[flags?: number], string[]>({ defaults: FLAGS }),
  snapshotGetXMLDesc: call<[name: string, flags?: number], string>({ defaults: ONE_THEN_FLAGS }),
  snapshotDelete: call<[name: string, flags?: number], void>({ defaults: ONE_THEN_FLAGS }),
  snapshotCurrent: call<[], string | null>(),
  blockCommit: call<
    [disk: string, base: string | null, top: string | null, bandwidth?: number, flags?: number],
    number
  >({ defaults: [undefined, undefined, undefined, 0, 0] }),
  blockPull: call<[disk: string, bandwidth?: number, flags?: number], number>({ defaults: [undefined, 0, 0] }),
  blockCopy: call<[disk: string, destXml: string, params?: TypedParamTuple[], flags?: number], number>({
    defaults: [undefined, undefined, [], 0],
  }),
  blockJobInfo: call<[disk: string, flags?: number], BlockJobInfo | null>({ defaults: ONE_THEN_FLAGS }),
  blockJobAbort: call<[disk: string, flags?: number], number>({ defaults: ONE_THEN_FLAGS }),

  // ---- guest agent ----
  /** Raw QEMU guest agent passthrough; `timeout` seconds, or -2 default / -1 block / 0 no wait. */
  qemuAgentCommand: call<[cmd: string, timeout?: number, flags?: number], string>({ defaults: [undefined, -2, 0] }),
  /** types: an OR of GuestInfoTypes (default: all) */
  getGuestInfo: call<[types?: number, flags?: number], TypedParams>({ defaults: [ALL_GUEST_INFO, 0] }),
} as const;

/** The calls every domain handle offers. */
export type DomainCalls = FacadeOf<typeof DOMAIN_CALLS>;

/** Addon methods outside the table: table names plus these are exactly what the addon's Domain class registers. */
export const DOMAIN_NATIVE_EXTRAS = ['getName', 'getUUID', 'getID', 'setBlockIoTune'] as const;
