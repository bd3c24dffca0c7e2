/**
 * Operating-system facts of Host.getCapabilities (upstream osinfo.py, caps.py, taskset.py): kdump, CPU
 * vulnerability mitigations, nested virtualization, the /boot file system and the CPUs vdsmd may run on. Each is read from the kernel or /etc; a fact this host cannot tell is reported as upstream
 * reports it then.
 */
import { exec } from '@vdsm-ts/common/exec';
import { listDir, parseCpuList, readText } from './procfs.js';

/** upstream KdumpStatus: -1 unknown, 0 disabled, 1 enabled (a crash kernel is loaded and fence_kdump is set up). */
export type KdumpStatus = -1 | 0 | 1;

export async function kdumpStatus(): Promise<KdumpStatus> {
  const loaded = await readText('/sys/kernel/kexec_crash_loaded');
  if (loaded === undefined || Number.parseInt(loaded, 10) !== 1) return loaded === undefined ? -1 : 0;
  const conf = await readText('/etc/kdump.conf');
  if (conf === undefined) return -1;
  return /^fence_kdump_nodes/m.test(conf) ? 1 : 0;
}

const VULNERABILITIES = '/sys/devices/system/cpu/vulnerabilities';

/** Each file of the kernel's vulnerability directory, upper-cased, its text in parentheses (upstream's form). */
export async function kernelFeatures(): Promise<Record<string, string>> {
  const names = (await listDir(VULNERABILITIES)).sort();
  const out: Record<string, string> = {};
  for (const name of names) {
    const text = await readText(`${VULNERABILITIES}/${name}`);
    if (text !== undefined) out[name.toUpperCase()] = `(${text.trim()})`;
  }
  return out;
}

/** Whether the loaded KVM module lets guests run hypervisors (`nested` = Y or 1). */
export async function nestedVirtualization(): Promise<boolean> {
  for (const module of ['kvm_intel', 'kvm_amd', 'kvm']) {
    const nested = (await readText(`/sys/module/${module}/parameters/nested`))?.trim();
    if (nested === 'Y' || nested === '1') return true;
  }
  return false;
}

/** The UUID of the file system holding /boot ('' when it has none, e.g. an overlay root). */
export async function bootUuid(): Promise<string> {
  const result = await exec(['findmnt', '--output=UUID', '--noheadings', '--target=/boot'], { timeoutMs: 10_000 });
  return result.stdout.trim();
}

/** The CPUs this process may run on (upstream taskset.get(os.getpid())). */
export async function cpuAffinity(): Promise<number[]> {
  const status = await readText('/proc/self/status');
  const list = status === undefined ? undefined : /^Cpus_allowed_list:\s*(.*)$/m.exec(status)?.[1];
  return list === undefined ? [] : parseCpuList(list);
}
