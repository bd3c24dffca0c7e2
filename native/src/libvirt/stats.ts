import type { DomainStatsRecord, TypedParamValue } from './types.js';

/** The packed form the addon returns for bulk stats (see cc/libvirt/stats.cc). */
export interface PackedStats {
  names: string[];
  uuids: string[];
  ids: Float64Array;
  /** parameters per record */
  counts: Uint32Array;
  /** distinct libvirt field names of this call */
  fields: string[];
  /** per parameter: index into `fields` */
  keys: Uint32Array;
  /** per parameter: the numeric value (booleans as 0/1) */
  nums: Float64Array;
  /** per parameter: 0 number, 1 boolean, 2 string (next of `strs`), 3 unknown type (skipped) */
  kinds: Uint8Array;
  strs: string[];
}

interface FieldPath {
  group: string;
  /** -1: a property of the group; otherwise the item index */
  index: number;
  key: string;
}

const paths = new Map<string, FieldPath>();

function camel(s: string): string {
  return s.replace(/[.\-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** "block.0.rd.reqs" -> {group: 'block', index: 0, key: 'rdReqs'}; "cpu.time" -> {group: 'cpu', index: -1, key: 'time'} */
export function parseField(field: string): FieldPath {
  let fp = paths.get(field);
  if (fp !== undefined) return fp;
  const dot = field.indexOf('.');
  if (dot < 0) {
    fp = { group: 'other', index: -1, key: camel(field) };
  } else {
    const rest = field.slice(dot + 1);
    const m = /^(\d+)\.(.+)$/.exec(rest);
    fp =
      m === null
        ? { group: field.slice(0, dot), index: -1, key: camel(rest) }
        : { group: field.slice(0, dot), index: Number(m[1]), key: camel(m[2] ?? '') };
  }
  paths.set(field, fp);
  return fp;
}

type Bag = Record<string, unknown>;

/** Builds the nested records: dotted names become groups, indexed entries land in `group.items[index]`. */
export function unpackStats(p: PackedStats): DomainStatsRecord[] {
  const fieldPaths = p.fields.map(parseField);
  const n = p.names.length;
  const out = new Array<DomainStatsRecord>(n);
  let k = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const rec: DomainStatsRecord = { name: p.names[i] ?? '', uuid: p.uuids[i] ?? '', id: p.ids[i] ?? -1 };
    const bag = rec as unknown as Bag;
    let groupName = '';
    let group: Bag = bag;
    let itemIndex = -1;
    let item: Bag = bag;
    const end = k + (p.counts[i] ?? 0);
    for (; k < end; k++) {
      const kind = p.kinds[k];
      let v: TypedParamValue;
      if (kind === 0) v = p.nums[k] ?? 0;
      else if (kind === 1) v = p.nums[k] === 1;
      else if (kind === 2) v = p.strs[s++] ?? '';
      else continue;
      const fp = fieldPaths[p.keys[k] ?? 0] as FieldPath;
      if (fp.group !== groupName) {
        groupName = fp.group;
        group = (bag[groupName] as Bag | undefined) ?? {};
        bag[groupName] = group;
        itemIndex = -1;
      }
      if (fp.index < 0) {
        group[fp.key] = v;
        continue;
      }
      if (fp.index !== itemIndex) {
        const items = (group.items as Bag[] | undefined) ?? [];
        group.items = items;
        item = items[fp.index] ?? {};
        items[fp.index] = item;
        itemIndex = fp.index;
      }
      item[fp.key] = v;
    }
    out[i] = rec;
  }
  return out;
}
