import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import type { LvReport, PvReport, VgReport } from '@vdsm-ts/supervdsm-protocol/operations';
import { device, fields, int, LVM_NAME, LVM_TAG, optBool, optStr, str, strList } from '../validate.js';
import type { HandlerSet } from './handler.js';
import { hasDeviceMapper, lvm, lvmReport, pvsInScope, requireDeviceMapperError, scope } from './lvm-command.js';

/** LVM on named devices only: PVs, VGs, LVs, tags, activation and reports (see lvm-command.ts for the scoping). */

const SIZE = /^\d{1,12}[kKmMgG]?$/;
const MAX_MIB = 1024 * 1024 * 1024; // 1 PiB
const NO_BACKUP = ['--autobackup', 'n'];

const vgName = (p: Readonly<Record<string, unknown>>): string => str(p, 'vg', LVM_NAME, 'VG name');
const lvName = (p: Readonly<Record<string, unknown>>): string => str(p, 'lv', LVM_NAME, 'LV name');
const tagArgs = (flag: string, tags: readonly string[]): string[] => tags.flatMap((t) => [flag, t]);
const num = (v: string | undefined): number => Number(v ?? 0);
const tagList = (v: string | undefined): string[] => (v === undefined || v === '' ? [] : v.split(','));

export const lvmHandlers: HandlerSet<
  | 'lvmPvCreate'
  | 'lvmPvResize'
  | 'lvmVgCreate'
  | 'lvmVgExtend'
  | 'lvmVgReduce'
  | 'lvmVgRemove'
  | 'lvmLvCreate'
  | 'lvmLvExtend'
  | 'lvmLvReduce'
  | 'lvmLvRemove'
  | 'lvmChangeTags'
  | 'lvmActivate'
  | 'lvmPvs'
  | 'lvmVgs'
  | 'lvmLvs'
> = {
  lvmPvCreate: async (params, ctx) => {
    const p = fields(params, ['devices', 'pvs', 'metadataSize']);
    const devices = await scope(p);
    const pvs = pvsInScope(p, 'pvs', devices);
    const mda = optStr(p, 'metadataSize', SIZE, 'size');
    await lvm('pvcreate', devices, ['--yes', ...(mda === undefined ? [] : ['--metadatasize', mda]), ...pvs], ctx);
    return null;
  },
  lvmPvResize: async (params, ctx) => {
    const p = fields(params, ['devices', 'pv']);
    const devices = await scope(p);
    const pv = device(p, 'pv');
    if (!devices.includes(pv)) throw new SupervdsmError('INVALID_PARAMS', `pv: ${pv} is not in devices`);
    await lvm('pvresize', devices, [pv], ctx);
    return null;
  },
  lvmVgCreate: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'pvs', 'extentSize', 'tags']);
    const devices = await scope(p);
    const vg = vgName(p);
    const pvs = pvsInScope(p, 'pvs', devices);
    const extent = optStr(p, 'extentSize', SIZE, 'size');
    const tags = strList(p, 'tags', LVM_TAG, 'LVM tag', false);
    const args = [...NO_BACKUP, ...(extent === undefined ? [] : ['--physicalextentsize', extent])];
    await lvm('vgcreate', devices, [...args, ...tagArgs('--addtag', tags), vg, ...pvs], ctx);
    return null;
  },
  lvmVgExtend: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'pvs']);
    const devices = await scope(p);
    const vg = vgName(p);
    await lvm('vgextend', devices, [...NO_BACKUP, vg, ...pvsInScope(p, 'pvs', devices)], ctx);
    return null;
  },
  lvmVgReduce: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'pvs']);
    const devices = await scope(p);
    const vg = vgName(p);
    await lvm('vgreduce', devices, [...NO_BACKUP, vg, ...pvsInScope(p, 'pvs', devices)], ctx);
    return null;
  },
  lvmVgRemove: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg']);
    const devices = await scope(p);
    await lvm('vgremove', devices, ['--force', vgName(p)], ctx);
    return null;
  },
  lvmLvCreate: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'lv', 'sizeMiB', 'tags', 'activate']);
    const devices = await scope(p);
    const vg = vgName(p);
    const lv = lvName(p);
    const size = int(p, 'sizeMiB', 1, MAX_MIB);
    const tags = strList(p, 'tags', LVM_TAG, 'LVM tag', false);
    const activate = optBool(p, 'activate') ?? true;
    if (activate && !(await hasDeviceMapper())) throw requireDeviceMapperError();
    // Upstream creates active LVs without wiping signatures; an inactive one cannot be zeroed.
    const act = activate ? ['--wipesignatures', 'n'] : ['--activate', 'n', '--zero', 'n'];
    const args = [...NO_BACKUP, '--contiguous', 'n', '--size', `${size}m`, ...act, ...tagArgs('--addtag', tags)];
    await lvm('lvcreate', devices, [...args, '--name', lv, vg], ctx);
    return null;
  },
  lvmLvExtend: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'lv', 'sizeMiB']);
    const devices = await scope(p);
    const target = `${vgName(p)}/${lvName(p)}`;
    const size = int(p, 'sizeMiB', 1, MAX_MIB);
    await lvm('lvextend', devices, [...NO_BACKUP, '--size', `${size}m`, target], ctx);
    return null;
  },
  lvmLvReduce: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'lv', 'sizeMiB']);
    const devices = await scope(p);
    const target = `${vgName(p)}/${lvName(p)}`;
    const size = int(p, 'sizeMiB', 1, MAX_MIB);
    await lvm('lvreduce', devices, [...NO_BACKUP, '--force', '--size', `${size}m`, target], ctx);
    return null;
  },
  lvmLvRemove: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'lv']);
    const devices = await scope(p);
    await lvm('lvremove', devices, [...NO_BACKUP, '--force', `${vgName(p)}/${lvName(p)}`], ctx);
    return null;
  },
  lvmChangeTags: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'lv', 'add', 'del']);
    const devices = await scope(p);
    const vg = vgName(p);
    const lv = p.lv === undefined ? undefined : lvName(p);
    const add = strList(p, 'add', LVM_TAG, 'LVM tag', false);
    const del = strList(p, 'del', LVM_TAG, 'LVM tag', false);
    if (add.length + del.length === 0) throw new SupervdsmError('INVALID_PARAMS', 'add or del must name a tag');
    const args = [...NO_BACKUP, ...tagArgs('--deltag', del), ...tagArgs('--addtag', add)];
    if (lv === undefined) await lvm('vgchange', devices, [...args, vg], ctx);
    else await lvm('lvchange', devices, [...args, `${vg}/${lv}`], ctx);
    return null;
  },
  lvmActivate: async (params, ctx) => {
    const p = fields(params, ['devices', 'vg', 'lvs', 'active']);
    const devices = await scope(p);
    const vg = vgName(p);
    const lvs = strList(p, 'lvs', LVM_NAME, 'LV name');
    const active = optBool(p, 'active');
    if (active === undefined) throw new SupervdsmError('INVALID_PARAMS', 'active must be a boolean');
    if (!(await hasDeviceMapper())) throw requireDeviceMapperError();
    const targets = lvs.map((lv) => `${vg}/${lv}`);
    await lvm('lvchange', devices, [...NO_BACKUP, '--activate', active ? 'y' : 'n', ...targets], ctx);
    return null;
  },
  lvmPvs: async (params, ctx): Promise<PvReport[]> => {
    const p = fields(params, ['devices']);
    const devices = await scope(p);
    const rows = await lvmReport('pvs', devices, ['pv_name', 'vg_name', 'pv_size', 'pv_free', 'pv_uuid'], [], ctx);
    return rows.map((r) => ({
      name: r.pv_name ?? '',
      vgName: r.vg_name ?? '',
      size: num(r.pv_size),
      free: num(r.pv_free),
      uuid: r.pv_uuid ?? '',
    }));
  },
  lvmVgs: async (params, ctx): Promise<VgReport[]> => {
    const p = fields(params, ['devices']);
    const devices = await scope(p);
    const columns = ['vg_name', 'vg_uuid', 'vg_size', 'vg_free', 'vg_extent_size', 'pv_count', 'lv_count', 'vg_tags'];
    const rows = await lvmReport('vgs', devices, columns, [], ctx);
    return rows.map((r) => ({
      name: r.vg_name ?? '',
      uuid: r.vg_uuid ?? '',
      size: num(r.vg_size),
      free: num(r.vg_free),
      extentSize: num(r.vg_extent_size),
      pvCount: num(r.pv_count),
      lvCount: num(r.lv_count),
      tags: tagList(r.vg_tags),
    }));
  },
  lvmLvs: async (params, ctx): Promise<LvReport[]> => {
    const p = fields(params, ['devices', 'vg']);
    const devices = await scope(p);
    const vg = p.vg === undefined ? undefined : vgName(p);
    const columns = ['lv_name', 'vg_name', 'lv_uuid', 'lv_size', 'lv_attr', 'lv_tags'];
    const rows = await lvmReport('lvs', devices, columns, vg === undefined ? [] : [vg], ctx);
    return rows.map((r) => ({
      name: r.lv_name ?? '',
      vgName: r.vg_name ?? '',
      uuid: r.lv_uuid ?? '',
      size: num(r.lv_size),
      // lv_attr's fifth character is the state: 'a' is active.
      active: (r.lv_attr ?? '').charAt(4) === 'a',
      tags: tagList(r.lv_tags),
    }));
  },
};
