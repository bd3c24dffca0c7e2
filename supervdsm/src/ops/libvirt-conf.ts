import { readFile } from 'node:fs/promises';
import { fields } from '../validate.js';
import type { HandlerSet } from './handler.js';

/**
 * Settings of libvirt's qemu.conf that vdsmd reports (upstream supervdsm's check_qemu_conf_contains): the file is
 * readable by root only. One fixed question per operation, so no caller can read other lines of it.
 */

export const QEMU_CONF = '/etc/libvirt/qemu.conf';

/** True when an uncommented `key = value` line sets `key` to exactly `value`. */
export function confContains(text: string, key: string, value: string): boolean {
  return text.split('\n').some((line) => {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    return m !== null && m[1] === key && m[2] === value;
  });
}

export const libvirtConfHandlers: HandlerSet<'vncTlsEnabled'> = {
  vncTlsEnabled: async (params) => {
    fields(params, []);
    // no qemu.conf (libvirt not installed): libvirt's default, no TLS
    const text = await readFile(QEMU_CONF, 'utf8').catch(() => '');
    return confContains(text, 'vnc_tls', '1');
  },
};
