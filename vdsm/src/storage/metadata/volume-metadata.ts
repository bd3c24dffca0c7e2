/**
 * Volume metadata (storage/volumemetadata.py): `KEY=VALUE` lines sorted by key, ended by `EOF`, at most 512 bytes.
 * Domain version 5 stores CAP (bytes) and SEQ; older versions SIZE (512-byte sectors) and MTIME=0.
 */
import { VdsmError } from '../../errors/vdsm-error.js';
import { BLANK_UUID } from '../constants.js';

export const VOLUME_METADATA_SIZE = 512;

export type VolumeFormatName = 'COW' | 'RAW';
export type VolumeAllocationName = 'PREALLOCATED' | 'SPARSE';
export type VolumeRoleName = 'LEAF' | 'INTERNAL' | 'SHARED';
export type VolumeLegalityName = 'LEGAL' | 'ILLEGAL' | 'FAKE';

export interface VolumeMetadata {
  readonly domain: string;
  readonly image: string;
  readonly parent: string;
  readonly format: VolumeFormatName;
  readonly type: VolumeAllocationName;
  readonly voltype: VolumeRoleName;
  readonly legality: VolumeLegalityName;
  readonly disktype: string;
  readonly description: string;
  readonly ctime: number;
  readonly generation: number;
  /** Bytes. */
  readonly capacity: number;
  readonly sequence: number;
}

const ONE_OF = <T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T => {
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  throw new VdsmError('MetaDataValidationError', `${name}=${String(value)}`);
};

export function formatVolumeMetadata(md: VolumeMetadata, domainVersion: number): string {
  const fields: Record<string, string> = {
    CTIME: String(md.ctime),
    DESCRIPTION: md.description,
    DISKTYPE: md.disktype,
    DOMAIN: md.domain,
    FORMAT: md.format,
    GEN: String(md.generation),
    IMAGE: md.image,
    LEGALITY: md.legality,
    PUUID: md.parent,
    TYPE: md.type,
    VOLTYPE: md.voltype,
  };
  if (domainVersion >= 5) {
    fields.CAP = String(md.capacity);
    fields.SEQ = String(md.sequence);
  } else {
    fields.SIZE = String(Math.ceil(md.capacity / 512));
    fields.MTIME = '0';
  }
  const text = `${Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}\n`)
    .join('')}EOF\n`;
  if (Buffer.byteLength(text) > VOLUME_METADATA_SIZE)
    throw new VdsmError('MetadataOverflowError', `${Buffer.byteLength(text)} bytes`);
  return text;
}

export function parseVolumeMetadata(text: string): VolumeMetadata {
  const fields: Record<string, string> = {};
  for (const raw of text.replace(/\0+$/, '').split('\n')) {
    const line = raw.trim();
    if (line === 'EOF') break;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  if (fields.NONE !== undefined) throw new VdsmError('MetaDataKeyNotFoundError', 'metadata was cleared');
  const need = (k: string): string => {
    const v = fields[k];
    if (v === undefined) throw new VdsmError('MetaDataKeyNotFoundError', k);
    return v;
  };
  const capacity = fields.CAP !== undefined ? Number(fields.CAP) : Number(need('SIZE')) * 512;
  if (!Number.isSafeInteger(capacity)) throw new VdsmError('MetaDataValidationError', `capacity ${capacity}`);
  return {
    domain: need('DOMAIN'),
    image: need('IMAGE'),
    parent: fields.PUUID ?? BLANK_UUID,
    format: ONE_OF('FORMAT', fields.FORMAT, ['COW', 'RAW'] as const),
    type: ONE_OF('TYPE', fields.TYPE, ['PREALLOCATED', 'SPARSE'] as const),
    voltype: ONE_OF('VOLTYPE', fields.VOLTYPE, ['LEAF', 'INTERNAL', 'SHARED'] as const),
    legality: ONE_OF('LEGALITY', fields.LEGALITY, ['LEGAL', 'ILLEGAL', 'FAKE'] as const),
    disktype: fields.DISKTYPE ?? 'DATA',
    description: fields.DESCRIPTION ?? '',
    ctime: Number(fields.CTIME ?? 0),
    generation: Number(fields.GEN ?? 0),
    capacity,
    sequence: Number(fields.SEQ ?? 0),
  };
}
