import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import type { HardwareInfo } from '@vdsm-ts/supervdsm-protocol/operations';
import { run } from '../exec.js';
import { fields } from '../validate.js';
import type { HandlerSet } from './handler.js';

/** Host hardware identity (upstream's getHardwareInfo): dmidecode when /dev/mem is readable, else sysfs DMI. */

type Field = Exclude<keyof HardwareInfo, 'source'>;

/** dmidecode's "System Information" keys and the sysfs file holding the same value. */
const FIELDS: ReadonlyArray<readonly [Field, string, string]> = [
  ['systemManufacturer', 'Manufacturer', 'sys_vendor'],
  ['systemProductName', 'Product Name', 'product_name'],
  ['systemVersion', 'Version', 'product_version'],
  ['systemSerialNumber', 'Serial Number', 'product_serial'],
  ['systemUUID', 'UUID', 'product_uuid'],
  ['systemFamily', 'Family', 'product_family'],
];
const SYSFS_DMI = '/sys/class/dmi/id';

export function parseDmidecodeSystem(out: string): Partial<Record<Field, string>> {
  const info: Partial<Record<Field, string>> = {};
  for (const line of out.split('\n')) {
    const m = /^\s+([^:]+):\s*(.*)$/.exec(line);
    if (m === null) continue;
    const field = FIELDS.find(([, key]) => key === m[1]);
    if (field !== undefined && info[field[0]] === undefined) info[field[0]] = (m[2] as string).trim();
  }
  return info;
}

async function readable(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}

export const hardwareHandlers: HandlerSet<'hardwareInfo'> = {
  hardwareInfo: async (params, ctx): Promise<HardwareInfo> => {
    fields(params, []);
    if (await readable('/dev/mem')) {
      const out = await run(['dmidecode', '--type', 'system'], { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
      return { source: 'dmidecode', ...parseDmidecodeSystem(out) };
    }
    if (await readable(SYSFS_DMI)) {
      const info: { -readonly [K in Field]?: string } = {};
      for (const [field, , file] of FIELDS) {
        const value = await readFile(`${SYSFS_DMI}/${file}`, 'utf8').catch(() => undefined);
        if (value !== undefined) info[field] = value.trim();
      }
      return { source: 'sysfs', ...info };
    }
    return { source: 'none' };
  },
};
