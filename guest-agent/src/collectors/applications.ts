/**
 * applications: installed packages whose name is in `applications_list`, as `name-version` (deb) or
 * `name-version-release` (rpm). A Debian package that Provides a listed name reports that name with its
 * own version, as upstream's apt code does.
 */
import { run, which } from '../agent/exec.js';

const TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 32 * 1024 * 1024;

/** Parses `Package\tVersion\tProvides\tStatus` lines; only installed (`ii`) packages count. */
export function parseDpkgList(text: string, wanted: ReadonlySet<string>): string[] {
  const apps = new Set<string>();
  for (const line of text.split('\n')) {
    const [name, version, provides, status] = line.split('\t');
    if (name === undefined || version === undefined || status === undefined || !status.startsWith('ii')) continue;
    if (wanted.has(name)) apps.add(`${name}-${version}`);
    for (const entry of (provides ?? '').split(',')) {
      const provided = entry.trim().split(/\s/)[0] ?? '';
      if (provided !== '' && wanted.has(provided)) apps.add(`${provided}-${version}`);
    }
  }
  return [...apps];
}

/** Parses `Name\tVersion\tRelease` lines from `rpm -q --qf`; "not installed" lines have no tabs. */
export function parseRpmList(text: string): string[] {
  const apps = new Set<string>();
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    if (fields.length === 3 && fields.every((f) => f !== '')) apps.add(fields.join('-'));
  }
  return [...apps];
}

export interface PackageTools {
  readonly dpkgQuery: string | undefined;
  readonly rpm: string | undefined;
}

export async function findPackageTools(): Promise<PackageTools> {
  const [dpkgQuery, rpm] = await Promise.all([which('dpkg-query'), which('rpm')]);
  return { dpkgQuery, rpm };
}

export async function listApplications(names: readonly string[], tools: PackageTools): Promise<string[]> {
  if (names.length === 0) return [];
  const apps = new Set<string>();
  if (tools.dpkgQuery !== undefined) {
    // dpkg-query's own ${Field} and \t syntax, passed through literally.
    const format = `\${Package}\\t\${Version}\\t\${Provides}\\t\${db:Status-Abbrev}\\n`;
    const res = await run([tools.dpkgQuery, '-W', '-f', format], {
      timeoutMs: TIMEOUT_MS,
      maxBuffer: MAX_OUTPUT,
    });
    if (res.error !== undefined) throw new Error(`dpkg-query: ${res.error}`);
    for (const app of parseDpkgList(res.stdout, new Set(names))) apps.add(app);
  }
  if (tools.rpm !== undefined) {
    // Exit status is the number of names not installed; the output still lists the installed ones.
    const res = await run([tools.rpm, '-q', '--qf', '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\n', '--', ...names], {
      timeoutMs: TIMEOUT_MS,
      maxBuffer: MAX_OUTPUT,
    });
    if (res.error !== undefined) throw new Error(`rpm: ${res.error}`);
    for (const app of parseRpmList(res.stdout)) apps.add(app);
  }
  return [...apps].sort();
}
