/**
 * The tiny guest with the oVirt guest agent and qemu-guest-agent in it. The initramfs gets the agent's single-file
 * bundle, its configuration, a start hook, a power-off program for it (busybox `poweroff` signals init, and this
 * guest's init is a shell script, so the agent is pointed at `poweroff -f`) and the shared libraries `ldd` names for
 * the host's `node` and Debian's `qemu-ga` (downloaded once, like the fixture's kernel). The two big binaries go on a
 * small read-only ext4 "tools" disk (ext4 is built into the guest kernel) instead: a 100 MB initramfs takes TCG half
 * a minute to unpack. The hook mounts that disk on /opt, prints its `df` line and, every few seconds,
 * /proc/meminfo on the console, so tests can check the agents' figures against the guest's own.
 */
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { type ExtraFile, ensureGuestImage, type GuestImage } from '../../src/fixtures/guest-image.js';
import { START_HOOK_DIR } from '../../src/fixtures/guest-init.js';

export const AGENT_BUNDLE = fileURLToPath(
  new URL('../../ovirt-guest-agent.cjs', import.meta.resolve('@vdsm-ts/guest-agent/bin/ovirt-guest-agent')),
);
/** Printed by the guest's power-off program: `VDSM-TS-GA-POWEROFF -h +0 <message>`. */
export const GA_POWEROFF_MARKER = 'VDSM-TS-GA-POWEROFF';
/** Printed every few seconds: `VDSM-TS-MEMINFO MemTotal=... MemFree=... Buffers=... Cached=...` (KiB). */
export const MEMINFO_MARKER = 'VDSM-TS-MEMINFO';
/** Printed when the agent process exits. */
export const AGENT_EXIT_MARKER = 'VDSM-TS-GA-EXIT';
/** Printed once the tools disk is mounted: `VDSM-TS-DF <busybox df -k line>`. */
export const DF_MARKER = 'VDSM-TS-DF';
/** Where the guest mounts the tools disk (read-only ext4 with node and qemu-ga). */
export const TOOLS_MOUNT = '/opt';
export const TOOLS_SERIAL = 'vdsm-ts-tools';
const TOOLS_DISK_SIZE = '160M';

const NODE = '/usr/bin/node';
const QEMU_GA_PACKAGE = 'qemu-guest-agent';
const QEMU_GA_CACHE = '/var/cache/vdsm-ts/qemu-ga';
const COMMAND_TIMEOUT_MS = 120_000;
const MAX_BUFFER = 4 * 1024 * 1024;
/** NAME and VERSION_ID the guest's /etc/os-release gives (qemu-guest-agent reports them). */
export const GUEST_OS_NAME = 'vdsm-ts tiny guest';
export const GUEST_OS_VERSION_ID = '1';
const LIBRARY = /=>\s+(\/\S+)\s+\(0x/;
const LOADER = /^\s*(\/lib64\/ld-linux[^\s]*)\s+\(0x/;

/** Shared libraries of `binary` as `ldd` lists them, plus the loader the binary names. */
async function sharedLibraries(binary: string): Promise<{ libraries: string[]; loader: string }> {
  const { stdout } = await execa('ldd', [binary], { timeout: 10_000, maxBuffer: 256 * 1024 });
  const libraries: string[] = [];
  let loader: string | undefined;
  for (const line of stdout.split('\n')) {
    const lib = LIBRARY.exec(line)?.[1];
    if (lib !== undefined) libraries.push(lib);
    loader ??= LOADER.exec(line)?.[1];
  }
  if (loader === undefined) throw new Error(`ldd ${binary} names no /lib64 loader:\n${stdout}`);
  return { libraries, loader };
}

const START_HOOK = `#!/bin/sh
# Start the oVirt guest agent and qemu-guest-agent (tests/test/guest-agent). Runs in the background from /init.
mkdir -p ${TOOLS_MOUNT}
for disk in /dev/vd?; do
  mount -t ext4 -o ro "$disk" ${TOOLS_MOUNT} 2>/dev/null && break
done
echo "${DF_MARKER} $(df -k ${TOOLS_MOUNT} | tail -n 1)"
export PATH=${TOOLS_MOUNT}/bin:$PATH
[ -e /dev/virtio-ports/org.qemu.guest_agent.0 ] && qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 -t /run &
(
  while true; do
    echo "${MEMINFO_MARKER} $(awk '/^(MemTotal|MemFree|Buffers|Cached):/ { sub(":", "", $1); printf "%s=%s ", $1, $2 }' /proc/meminfo)"
    sleep 2
  done
) &
node /usr/share/ovirt-guest-agent/ovirt-guest-agent.cjs --config /etc/ovirt-guest-agent.conf
echo "${AGENT_EXIT_MARKER} $?"
`;

const AGENT_CONF = `[general]
heart_beat_rate = 2
report_user_rate = 10
report_num_cpu_rate = 5
report_application_rate = 120
report_disk_usage = 300
log_level = info

[commands]
shutdown = /usr/sbin/vdsm-ts-poweroff
`;

/** The agent's power program: \`PROG -h|-r +MINUTES MESSAGE\`. */
const POWEROFF = `#!/bin/sh
echo "${GA_POWEROFF_MARKER} $*" >/dev/console
minutes=\${2#+}
[ "$minutes" -gt 0 ] 2>/dev/null && sleep $((minutes * 60))
sync
case "$1" in
  -r) reboot -f ;;
  *) poweroff -f ;;
esac
`;

/**
 * Debian's qemu-ga binary for the candidate package version, extracted once under /var/cache/vdsm-ts/qemu-ga/<version>/
 * (its libraries are the host's: QEMU on this host needs the same ones).
 */
async function ensureQemuGa(): Promise<string> {
  const show = await execa('apt-cache', ['show', '--no-all-versions', QEMU_GA_PACKAGE], {
    timeout: COMMAND_TIMEOUT_MS,
    maxBuffer: MAX_BUFFER,
    env: { LC_ALL: 'C' },
  });
  const version = /^Version:\s*(\S+)/m.exec(show.stdout)?.[1];
  if (version === undefined) throw new Error(`apt-cache show ${QEMU_GA_PACKAGE} gives no Version`);
  const cached = join(QEMU_GA_CACHE, version.replace(/[^\w.+~-]/g, '_'), 'qemu-ga');
  if (
    await stat(cached).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return cached;
  await mkdir(QEMU_GA_CACHE, { recursive: true, mode: 0o755 });
  const work = await mkdtemp(join(QEMU_GA_CACHE, '.work-'));
  try {
    await execa('apt-get', ['download', '-o', 'APT::Sandbox::User=root', `${QEMU_GA_PACKAGE}=${version}`], {
      cwd: work,
      timeout: 600_000,
      maxBuffer: MAX_BUFFER,
      env: { LC_ALL: 'C' },
    });
    const deb = (await readdir(work)).find((name) => name.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download ${QEMU_GA_PACKAGE} left no .deb`);
    await execa('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], { timeout: COMMAND_TIMEOUT_MS });
    const staged = join(work, 'qemu-ga');
    await copyFile(join(work, 'root/usr/sbin/qemu-ga'), staged);
    await mkdir(join(cached, '..'), { recursive: true, mode: 0o755 });
    // Parallel test processes may race here; rename makes whichever finishes last win with a complete file.
    await rename(staged, cached);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return cached;
}

export interface AgentGuest {
  readonly image: GuestImage;
  /** Writes a tools disk (raw ext4 with bin/node and bin/qemu-ga) to `path`; attach it read-only. */
  makeToolsDisk(path: string): Promise<void>;
}

export async function ensureAgentGuest(): Promise<AgentGuest> {
  const qemuGa = await ensureQemuGa();
  const node = await sharedLibraries(NODE);
  const ga = await sharedLibraries(qemuGa);
  const libraries = [...new Set([...node.libraries, ...ga.libraries])];
  const loader = node.loader;
  const extraFiles: ExtraFile[] = [
    ...libraries.map((lib) => ({ guestPath: lib, hostPath: lib })),
    // /lib64/ld-linux-x86-64.so.2 is a symlink on Debian; copy what it points to under its own name.
    { guestPath: loader, hostPath: loader },
    { guestPath: '/usr/share/ovirt-guest-agent/ovirt-guest-agent.cjs', hostPath: AGENT_BUNDLE, mode: 0o644 },
    { guestPath: '/etc/ovirt-guest-agent.conf', content: AGENT_CONF },
    {
      guestPath: '/etc/os-release',
      content: `ID=vdsm-ts\nNAME="${GUEST_OS_NAME}"\nVERSION_ID="${GUEST_OS_VERSION_ID}"\nPRETTY_NAME="${GUEST_OS_NAME} ${GUEST_OS_VERSION_ID}"\n`,
    },
    { guestPath: '/usr/sbin/vdsm-ts-poweroff', content: POWEROFF, mode: 0o755 },
    { guestPath: `${START_HOOK_DIR}/50-ovirt-guest-agent`, content: START_HOOK, mode: 0o755 },
  ];
  const image = await ensureGuestImage({ extraFiles });
  const makeToolsDisk = async (path: string): Promise<void> => {
    const staging = await mkdtemp(join(tmpdir(), 'vdsm-ts-tools-'));
    try {
      await mkdir(join(staging, 'bin'), { mode: 0o755 });
      await copyFile(NODE, join(staging, 'bin/node'));
      await copyFile(qemuGa, join(staging, 'bin/qemu-ga'));
      await chmod(join(staging, 'bin/node'), 0o755);
      await chmod(join(staging, 'bin/qemu-ga'), 0o755);
      await execa('mkfs.ext4', ['-q', '-F', '-L', 'vdsm-ts-tools', '-d', staging, path, TOOLS_DISK_SIZE], {
        timeout: COMMAND_TIMEOUT_MS,
        maxBuffer: MAX_BUFFER,
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  };
  return { image, makeToolsDisk };
}

/** The tools disk's `df -k` figures the guest printed (KiB), once it has. */
export async function toolsDf(
  serialLog: string,
): Promise<{ total: number; used: number; available: number } | undefined> {
  const text = await readFile(serialLog, 'utf8').catch(() => '');
  const line = text.split(/\r?\n/).find((l) => l.startsWith(DF_MARKER));
  const m = line === undefined ? null : /\s(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+\/opt\s*$/.exec(line);
  if (m === null) return undefined;
  return { total: Number(m[1]), used: Number(m[2]), available: Number(m[3]) };
}

/** The last `lines` lines of a guest's serial console log, for failure reports. */
export async function serialTail(serialLog: string, lines = 60): Promise<string> {
  const text = await readFile(serialLog, 'utf8').catch((err: Error) => `(no serial log: ${err.message})`);
  return text.split(/\r?\n/).slice(-lines).join('\n');
}
