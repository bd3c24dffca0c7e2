import { access, readFile, stat } from 'node:fs/promises';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { run } from '../exec.js';
import { DEVICE, type Params, strList } from '../validate.js';
import type { OpContext } from './handler.js';

/**
 * How supervdsmd runs lvm(8), after upstream VDSM's storage/lvm.py: every command names the devices it may see
 * (--devices plus an accept-only-these filter), so the host's own VGs and the system devices file are never
 * touched; no udev, no hints, no lvmpolld, waiting on locks, metadata backups kept.
 */

const LVM_ENV = { LVM_SUPPRESS_FD_WARNINGS: '1' } as const;

function regexEscape(s: string): string {
  return s.replace(/[.+*?^$()[\]{}|\\]/g, '\\$&');
}

export function lvmConfig(devices: readonly string[]): string {
  const accept = devices.map((d) => `"a|^${regexEscape(d)}$|"`).join(',');
  return [
    'devices {',
    ' preferred_names=["^/dev/mapper/"] ignore_suspended_devices=1 write_cache_state=0',
    ` disable_after_error_count=3 filter=[${accept},"r|.*|"] hints="none" obtain_device_list_from_udev=0`,
    '}',
    'global { prioritise_write_locks=1 wait_for_locks=1 use_lvmpolld=0 }',
    'backup { retain_min=50 retain_days=0 }',
  ].join(' ');
}

/** Whether the kernel has device-mapper (needed to activate LVs, not for metadata work). */
export async function hasDeviceMapper(): Promise<boolean> {
  try {
    await access('/dev/mapper/control');
    return (await readFile('/proc/misc', 'utf8')).includes('device-mapper');
  } catch {
    return false;
  }
}

export function requireDeviceMapperError(): SupervdsmError {
  return new SupervdsmError('NOT_AVAILABLE', 'kernel lacks device-mapper: LVs cannot be activated on this host');
}

/** The scope of one call: the named devices, each an existing block device. */
export async function scope(p: Params): Promise<string[]> {
  const devices = strList(p, 'devices', DEVICE, 'device path');
  for (const dev of devices) {
    const st = await stat(dev).catch(() => null);
    if (st === null || !st.isBlockDevice())
      throw new SupervdsmError('INVALID_PARAMS', `devices: ${dev} is not a block device`);
  }
  return devices;
}

/** PVs named by an operation must be inside its device scope. */
export function pvsInScope(p: Params, key: string, devices: readonly string[]): string[] {
  const pvs = strList(p, key, DEVICE, 'device path');
  for (const pv of pvs) {
    if (!devices.includes(pv)) throw new SupervdsmError('INVALID_PARAMS', `${key}: ${pv} is not in devices`);
  }
  return pvs;
}

export async function lvm(
  command: string,
  devices: readonly string[],
  args: readonly string[],
  ctx: OpContext,
): Promise<string> {
  const dm = await hasDeviceMapper();
  const argv = [
    'lvm',
    command,
    '--devices',
    devices.join(','),
    '--config',
    lvmConfig(devices),
    ...(dm ? [] : ['--driverloaded', 'n']),
    ...args,
  ];
  return run(argv, { timeoutMs: ctx.timeoutMs, signal: ctx.signal, env: LVM_ENV });
}

/** Runs a report command (pvs, vgs, lvs) in JSON and returns the rows of its one report. */
export async function lvmReport(
  command: 'pvs' | 'vgs' | 'lvs',
  devices: readonly string[],
  columns: readonly string[],
  args: readonly string[],
  ctx: OpContext,
): Promise<Record<string, string>[]> {
  const out = await lvm(
    command,
    devices,
    ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', columns.join(','), ...args],
    ctx,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch {
    throw new SupervdsmError('COMMAND_FAILED', `${command} printed a report that is not JSON`);
  }
  const key = command.slice(0, 2);
  const report = (parsed as { report?: Array<Record<string, unknown>> }).report?.[0]?.[key];
  if (!Array.isArray(report)) throw new SupervdsmError('COMMAND_FAILED', `${command} report has no ${key} rows`);
  return report as Record<string, string>[];
}
