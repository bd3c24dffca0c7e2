/**
 * diskStats of Host.getStats (upstream sampling.py HostSample._getDiskStats): free space of the file systems
 * vdsm writes to, in MiB as a string, '0' when a path cannot be read.
 */
import { statfs } from 'node:fs/promises';

/** upstream's MONITORED_PATHS, spelled as upstream reports them (P_VDSM_RUN keeps its trailing slash). */
export const MONITORED_PATHS = ['/tmp', '/var/log', '/var/run/vdsm/'] as const;

export async function diskStats(paths: readonly string[] = MONITORED_PATHS): Promise<Record<string, { free: string }>> {
  const out: Record<string, { free: string }> = {};
  for (const path of paths) {
    const free = await statfs(path).then(
      (s) => Math.floor((s.bavail * s.bsize) / 2 ** 20),
      () => 0,
    );
    out[path] = { free: String(free) };
  }
  return out;
}
