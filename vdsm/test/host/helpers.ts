// /proc/meminfo read straight, not through src/host/procfs.ts: the tests compare our parser's results against it.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** Fields of /proc/meminfo in KiB, by name (`MemTotal`, `SwapTotal`, ...); absent fields are 0. */
export async function meminfoKiB(...fields: readonly string[]): Promise<Record<string, number>> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const values: Record<string, number> = {};
  for (const field of fields) {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    values[field] = match?.[1] === undefined ? 0 : Number(match[1]);
  }
  return values;
}

/** The installed version of a Debian package as dpkg-query prints it, or undefined when it is not installed. */
export async function dpkgVersion(pkg: string): Promise<string | undefined> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query expands ${field} itself
  const r = await execa('dpkg-query', ['-W', '-f', '${db:Status-Status} ${Version}', pkg], {
    reject: false,
    timeout: 30_000,
  });
  const [status, version] = r.stdout.split(' ');
  return status === 'installed' && version ? version : undefined;
}
