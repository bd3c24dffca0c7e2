/**
 * packages2 of Host.getCapabilities (upstream osinfo.package_versions): the running kernel, and the installed
 * Debian package behind each name the engine knows, read once with dpkg-query (installed versions change only
 * with an upgrade, which restarts vdsmd). Debian has no release field; upstream sends '' there too.
 */
import { release } from 'node:os';
import { exec } from '@vdsm-ts/common/exec';
import type { SoftwarePackageInfo } from '../schema/api-types.generated.js';

/** The engine's package names and the Debian packages that provide them, first installed one wins. */
const DEBIAN_PACKAGES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['libvirt', ['libvirt0']],
  ['qemu-kvm', ['qemu-kvm', 'qemu-system-x86', 'qemu-system-arm', 'qemu-system-ppc']],
  ['qemu-img', ['qemu-utils']],
  ['spice-server', ['libspice-server1']],
  ['mom', ['mom']],
  ['glusterfs-cli', ['glusterfs-cli']],
  ['librbd1', ['librbd1']],
  ['lvm2', ['lvm2']],
  ['openvswitch', ['openvswitch-switch']],
  ['nmstate', ['nmstate']],
  ['ovirt-hosted-engine-ha', ['ovirt-hosted-engine-ha']],
];

// dpkg-query's own placeholders, not JavaScript's
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query expands ${field} itself
const DPKG_FORMAT = '${Package}\t${db:Status-Status}\t${Version}\n';

export type PackageVersions = Record<string, SoftwarePackageInfo>;

/** `6.1.0-18-amd64` → version `6.1.0`, release `18-amd64` (upstream splits the uname release at the first dash). */
export function kernelVersion(uname: string): SoftwarePackageInfo {
  const dash = uname.indexOf('-');
  return dash < 0 ? { version: '0', release: '0' } : { version: uname.slice(0, dash), release: uname.slice(dash + 1) };
}

/** dpkg-query lines `name\tstatus\tversion` → versions of the installed packages. */
export function parseDpkgQuery(out: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (name && status === 'installed' && version) installed.set(name, version);
  }
  return installed;
}

async function installedDebianPackages(): Promise<Map<string, string>> {
  const names = [...new Set(DEBIAN_PACKAGES.flatMap(([, debs]) => debs))];
  // exit 1 only says that some names are unknown to dpkg; the known ones are still printed
  const result = await exec(['dpkg-query', '-W', '-f', DPKG_FORMAT, ...names], {
    timeoutMs: 30_000,
    okExitCodes: [0, 1],
  });
  return parseDpkgQuery(result.stdout);
}

let cached: Promise<PackageVersions> | undefined;

/** The package versions of this host; vdsm's own version is the caller's (it is not a Debian package here). */
export function packageVersions(vdsmVersion: string): Promise<PackageVersions> {
  cached ??= (async () => {
    const out: PackageVersions = { kernel: kernelVersion(release()) };
    // a host without dpkg (not Debian) reports the kernel and vdsm only
    const installed = await installedDebianPackages().catch(() => new Map<string, string>());
    for (const [name, debs] of DEBIAN_PACKAGES) {
      const version = debs.map((d) => installed.get(d)).find((v) => v !== undefined);
      if (version !== undefined) out[name] = { version, release: '' };
    }
    out.vdsm = { version: vdsmVersion, release: '' };
    return out;
  })();
  return cached;
}
