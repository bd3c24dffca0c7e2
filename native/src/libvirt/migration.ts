import { MigrateFlags } from './constants.js';
import type { TypedParamTuple } from './native.js';

/** Parameters of virDomainMigrateToURI3, typed. Omitted fields are not sent. */
export interface MigrateParams {
  /** Migration data URI (tcp://host:port), VIR_MIGRATE_PARAM_URI. */
  migrateUri?: string;
  destName?: string;
  destXml?: string;
  persistentXml?: string;
  /** MiB/s */
  bandwidth?: number;
  /** MiB/s once post-copy starts */
  bandwidthPostcopy?: number;
  graphicsUri?: string;
  listenAddress?: string;
  migrateDisks?: string[];
  disksPort?: number;
  compression?: ('xbzrle' | 'mt' | 'zlib' | 'zstd')[];
  compressionXbzrleCache?: number;
  autoConvergeInitial?: number;
  autoConvergeIncrement?: number;
  parallelConnections?: number;
  tlsDestination?: string;
}

/** Behaviour switches that libvirt takes as flags rather than parameters. */
export interface MigrateOptions {
  live?: boolean;
  peerToPeer?: boolean;
  tunnelled?: boolean;
  persistDest?: boolean;
  undefineSource?: boolean;
  abortOnError?: boolean;
  compressed?: boolean;
  autoConverge?: boolean;
  postCopy?: boolean;
  tls?: boolean;
  parallel?: boolean;
  /** extra raw VIR_MIGRATE_* bits */
  flags?: number;
}

export function migrateParamsToTuples(p: MigrateParams): TypedParamTuple[] {
  const out: TypedParamTuple[] = [];
  const str = (name: string, v: string | undefined) => {
    if (v !== undefined) out.push([name, 'string', v]);
  };
  const ull = (name: string, v: number | undefined) => {
    if (v !== undefined) out.push([name, 'ullong', v]);
  };
  const int = (name: string, v: number | undefined) => {
    if (v !== undefined) out.push([name, 'int', v]);
  };
  str('migrate_uri', p.migrateUri);
  str('destination_name', p.destName);
  str('destination_xml', p.destXml);
  str('persistent_xml', p.persistentXml);
  ull('bandwidth', p.bandwidth);
  ull('bandwidth.postcopy', p.bandwidthPostcopy);
  str('graphics_uri', p.graphicsUri);
  str('listen_address', p.listenAddress);
  for (const d of p.migrateDisks ?? []) str('migrate_disks', d);
  int('disks_port', p.disksPort);
  for (const c of p.compression ?? []) str('compression', c);
  ull('compression.xbzrle.cache', p.compressionXbzrleCache);
  int('auto_converge.initial', p.autoConvergeInitial);
  int('auto_converge.increment', p.autoConvergeIncrement);
  int('parallel.connections', p.parallelConnections);
  str('tls.destination', p.tlsDestination);
  return out;
}

export function migrateOptionsToFlags(o: MigrateOptions): number {
  let f = o.flags ?? 0;
  const set = (on: boolean | undefined, bit: number) => {
    if (on) f |= bit;
  };
  set(o.live, MigrateFlags.LIVE);
  set(o.peerToPeer, MigrateFlags.PEER2PEER);
  set(o.tunnelled, MigrateFlags.TUNNELLED);
  set(o.persistDest, MigrateFlags.PERSIST_DEST);
  set(o.undefineSource, MigrateFlags.UNDEFINE_SOURCE);
  set(o.abortOnError, MigrateFlags.ABORT_ON_ERROR);
  set(o.compressed, MigrateFlags.COMPRESSED);
  set(o.autoConverge, MigrateFlags.AUTO_CONVERGE);
  set(o.postCopy, MigrateFlags.POSTCOPY);
  set(o.tls, MigrateFlags.TLS);
  set(o.parallel, MigrateFlags.PARALLEL);
  return f >>> 0;
}
