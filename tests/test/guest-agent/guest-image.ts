/**
 * The tiny guest with the oVirt guest agent in it: the host's `node` with the shared libraries `ldd` names (and
 * the dynamic loader), the agent's single-file bundle, a start hook that runs it, and a power-off program for it
 * (busybox `poweroff` signals init, and this guest's init is a shell script, so the agent is pointed at
 * `poweroff -f`). The hook also prints /proc/meminfo on the console now and then, so tests can compare the
 * agent's memory figures with the guest's own.
 */
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
/** A tmpfs the guest mounts and fills with DATA_FILL_MIB, so disks-usage has a known filesystem to report. */
export const DATA_MOUNT = '/data';
export const DATA_SIZE_MIB = 32;
export const DATA_FILL_MIB = 5;

const NODE = '/usr/bin/node';
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
# Start the oVirt guest agent (tests/test/guest-agent). Runs in the background from /init.
mkdir -p ${DATA_MOUNT}
mount -t tmpfs -o size=${DATA_SIZE_MIB}m data ${DATA_MOUNT}
dd if=/dev/zero of=${DATA_MOUNT}/fill bs=1048576 count=${DATA_FILL_MIB} 2>/dev/null
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
# tmpfs is counted here: this guest has no disk filesystem of its own (it runs from its initramfs).
ignored_fs = rootfs proc sysfs devtmpfs devpts
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

export async function ensureAgentGuestImage(): Promise<GuestImage> {
  const { libraries, loader } = await sharedLibraries(NODE);
  const extraFiles: ExtraFile[] = [
    { guestPath: '/usr/bin/node', hostPath: NODE },
    ...libraries.map((lib) => ({ guestPath: lib, hostPath: lib })),
    // /lib64/ld-linux-x86-64.so.2 is a symlink on Debian; copy what it points to under its own name.
    { guestPath: loader, hostPath: loader },
    { guestPath: '/usr/share/ovirt-guest-agent/ovirt-guest-agent.cjs', hostPath: AGENT_BUNDLE, mode: 0o644 },
    { guestPath: '/etc/ovirt-guest-agent.conf', content: AGENT_CONF },
    { guestPath: '/usr/sbin/vdsm-ts-poweroff', content: POWEROFF, mode: 0o755 },
    { guestPath: `${START_HOOK_DIR}/50-ovirt-guest-agent`, content: START_HOOK, mode: 0o755 },
  ];
  return ensureGuestImage({ extraFiles });
}
