/**
 * The kernel's KSM thread, whose CPU use Host.getStats reports as ksmCpu (upstream gets it from MOM's KSM
 * collector). Found once by name among the kernel threads; its jiffies are read each sample.
 */
import { listDir, parsePidStat, readText } from './procfs.js';

/** The pid of `ksmd`, or undefined on a kernel without KSM. */
export async function findKsmd(): Promise<number | undefined> {
  for (const entry of await listDir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readText(`/proc/${entry}/comm`))?.trim() === 'ksmd') return Number(entry);
  }
  return undefined;
}

/** utime + stime of the thread, in jiffies; undefined once it is gone. */
export async function ksmdJiffies(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const { utime, stime } = parsePidStat(stat);
  return utime + stime;
}
