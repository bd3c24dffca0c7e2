/**
 * The agent's configuration: one table of keys (section, type, default, command-line flag), read from
 * upstream's INI layout (`/etc/ovirt-guest-agent.conf`, sections `[general]`, `[virtio]`, plus our
 * `[commands]`) and overridden by flags.
 */
import { readFile } from 'node:fs/promises';

export const DEFAULT_CONFIG_FILE = '/etc/ovirt-guest-agent.conf';
export const DEFAULT_DEVICE = '/dev/virtio-ports/ovirt-guest-agent.0';
export const LEGACY_DEVICE = '/dev/virtio-ports/com.redhat.rhevm.vdsm';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

type KeyType = 'seconds' | 'words' | 'boolean' | 'string' | 'argv' | 'level' | 'bytes';

interface KeyDef {
  readonly section: 'general' | 'virtio' | 'commands';
  readonly type: KeyType;
  readonly default: string;
  readonly doc: string;
}

/** Every key the agent reads. Names are upstream's where upstream has the setting. */
export const CONFIG_KEYS = {
  heart_beat_rate: { section: 'general', type: 'seconds', default: '5', doc: 'seconds between heartbeats' },
  report_user_rate: { section: 'general', type: 'seconds', default: '10', doc: 'seconds between active-user checks' },
  report_num_cpu_rate: { section: 'general', type: 'seconds', default: '60', doc: 'seconds between number-of-cpus' },
  report_application_rate: {
    section: 'general',
    type: 'seconds',
    default: '120',
    doc: 'seconds between applications, host-name, os-version, network-interfaces, fqdn, containers',
  },
  report_disk_usage: { section: 'general', type: 'seconds', default: '300', doc: 'seconds between disks-usage' },
  applications_list: {
    section: 'general',
    type: 'words',
    default:
      'kernel ovirt-guest-agent ovirt-guest-agent-common xorg-x11-drv-qxl linux-image xserver-xorg-video-qxl ' +
      'xf86-video-qxl kernel-desktop kernel-default kernel-trace kernel-vanilla kernel-debug kernel-ec2 kernel-xen ' +
      'kernel-ppc64 cloud-init',
    doc: 'package names reported in applications (dpkg/rpm; a package providing a listed name counts)',
  },
  ignored_fs: {
    section: 'general',
    type: 'words',
    default:
      'rootfs tmpfs autofs cgroup cgroup2 selinuxfs udev mqueue nfsd proc sysfs devtmpfs hugetlbfs rpc_pipefs ' +
      'devpts securityfs debugfs binfmt_misc fuse.gvfsd-fuse fuse.gvfs-fuse-daemon fusectl usbfs tracefs pstore ' +
      'bpf configfs efivarfs ramfs nsfs overlay squashfs',
    doc: 'filesystem types left out of disks-usage',
  },
  ignore_zero_size_fs: { section: 'general', type: 'boolean', default: 'true', doc: 'leave out zero-size filesystems' },
  ignored_nics: {
    section: 'general',
    type: 'words',
    default: 'docker0',
    doc: 'interfaces left out of network-interfaces',
  },
  log_level: { section: 'general', type: 'level', default: 'info', doc: 'debug, info, warn or error' },
  max_line: { section: 'general', type: 'bytes', default: '1048576', doc: 'longest accepted command line, bytes' },
  hooks_dir: {
    section: 'general',
    type: 'string',
    default: '/etc/ovirt-guest-agent/hooks.d',
    doc: 'lifecycle-event hooks: <dir>/<event type>/* run in name order',
  },
  utmp: { section: 'general', type: 'string', default: '/run/utmp', doc: 'utmp file the active user is read from' },
  docker_socket: {
    section: 'general',
    type: 'string',
    default: '/var/run/docker.sock',
    doc: 'Docker API socket for containers',
  },
  device: {
    section: 'virtio',
    type: 'string',
    default: '',
    doc: `channel: a character device or a UNIX socket (default ${DEFAULT_DEVICE}, else ${LEGACY_DEVICE})`,
  },
  shutdown: {
    section: 'commands',
    type: 'argv',
    default: '',
    doc: 'power-off program, called as `PROG -h|-r +MINUTES MESSAGE` (default: shutdown, else busybox poweroff/reboot)',
  },
  lock_screen: {
    section: 'commands',
    type: 'argv',
    default: 'loginctl lock-sessions',
    doc: 'lock-screen command',
  },
  log_off: {
    section: 'commands',
    type: 'argv',
    default: 'loginctl terminate-user',
    doc: 'log-off command; the active user name is appended',
  },
  hibernate: {
    section: 'commands',
    type: 'argv',
    default: '',
    doc: 'hibernate program, called with `disk` or `mem` (default: write /sys/power/state)',
  },
} as const satisfies Record<string, KeyDef>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export interface AgentConfig {
  heart_beat_rate: number;
  report_user_rate: number;
  report_num_cpu_rate: number;
  report_application_rate: number;
  report_disk_usage: number;
  applications_list: string[];
  ignored_fs: string[];
  ignore_zero_size_fs: boolean;
  ignored_nics: string[];
  log_level: LogLevel;
  max_line: number;
  hooks_dir: string;
  utmp: string;
  docker_socket: string;
  /** empty: the default port, else the legacy one */
  device: string;
  shutdown: string[];
  lock_screen: string[];
  log_off: string[];
  hibernate: string[];
}

export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
}

function convert(key: ConfigKey, raw: string, where: string): AgentConfig[ConfigKey] {
  const def: KeyDef = CONFIG_KEYS[key];
  const value = raw.trim();
  switch (def.type) {
    case 'seconds': {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n) || n <= 0 || n > 86400) {
        throw new AgentConfigError(`${where}: ${key}: expected seconds in (0, 86400], got '${raw}'`);
      }
      return n;
    }
    case 'bytes': {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 256 || n > 64 * 1024 * 1024) {
        throw new AgentConfigError(`${where}: ${key}: expected bytes in [256, 64 MiB], got '${raw}'`);
      }
      return n;
    }
    case 'boolean': {
      const v = value.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(v)) return true;
      if (['false', 'no', 'off', '0'].includes(v)) return false;
      throw new AgentConfigError(`${where}: ${key}: expected a boolean, got '${raw}'`);
    }
    case 'level': {
      const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
      if (level === undefined)
        throw new AgentConfigError(`${where}: ${key}: expected ${LOG_LEVELS.join('|')}, got '${raw}'`);
      return level;
    }
    case 'words':
    case 'argv':
      return value === '' ? [] : value.split(/\s+/);
    case 'string':
      return value;
  }
}

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

export function defaultAgentConfig(): AgentConfig {
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_KEYS)) {
    if (isConfigKey(key)) config[key] = convert(key, CONFIG_KEYS[key].default, 'default');
  }
  return config as unknown as AgentConfig;
}

function set(config: AgentConfig, key: ConfigKey, raw: string, where: string): void {
  (config as unknown as Record<string, unknown>)[key] = convert(key, raw, where);
}

/** Applies an INI text (`[section]`, `key = value` or `key: value`, `#`/`;` comments) onto `config`. */
export function applyIni(config: AgentConfig, text: string, file: string): void {
  let section = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const where = `${file}:${i + 1}`;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header !== null) {
      section = (header[1] ?? '').trim();
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$/.exec(line);
    if (kv === null) throw new AgentConfigError(`${where}: expected 'key = value' or '[section]'`);
    const key = kv[1] ?? '';
    if (section === '') throw new AgentConfigError(`${where}: ${key}: outside any section`);
    if (!isConfigKey(key) || CONFIG_KEYS[key].section !== section) {
      // Upstream files carry keys we do not use (logging sections, Windows options): skip them quietly
      // unless the section is one of ours.
      if (section === 'general' || section === 'virtio' || section === 'commands') {
        throw new AgentConfigError(`${where}: [${section}] ${key}: unknown key`);
      }
      continue;
    }
    set(config, key, kv[2] ?? '', where);
  }
}

/** Flag name for a key: `heart_beat_rate` → `heart-beat-rate`. */
export function flagName(key: ConfigKey): string {
  return key.replaceAll('_', '-');
}

/** Applies `--flag value` overrides (already split by the caller). */
export function applyFlags(config: AgentConfig, flags: Readonly<Partial<Record<ConfigKey, string>>>): void {
  for (const [key, raw] of Object.entries(flags)) {
    if (raw !== undefined && isConfigKey(key)) set(config, key, raw, `--${flagName(key)}`);
  }
}

/**
 * Loads the configuration: defaults, then `file` (missing is fine unless `required`), then flags.
 */
export async function loadAgentConfig(
  file: string,
  opts: { required?: boolean; flags?: Readonly<Partial<Record<ConfigKey, string>>> } = {},
): Promise<AgentConfig> {
  const config = defaultAgentConfig();
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (opts.required === true || code !== 'ENOENT') throw new AgentConfigError(`${file}: cannot read: ${code ?? err}`);
  }
  if (text !== undefined) applyIni(config, text, file);
  applyFlags(config, opts.flags ?? {});
  return config;
}

function renderValue(value: AgentConfig[ConfigKey]): string {
  if (Array.isArray(value)) return value.join(' ');
  return String(value);
}

/**
 * The configuration as an INI file in the agent's layout, each key preceded by its documentation.
 * `applyIni` reads it back to the same configuration.
 */
export function renderConfig(config: AgentConfig): string {
  const out: string[] = ['# ovirt-guest-agent configuration (vdsm-ts). Every key also has a --flag of the same name.'];
  for (const section of ['general', 'virtio', 'commands'] as const) {
    out.push('', `[${section}]`);
    for (const [key, def] of Object.entries(CONFIG_KEYS)) {
      if (!isConfigKey(key) || def.section !== section) continue;
      out.push(`# ${def.doc}`, `${key} = ${renderValue(config[key])}`);
    }
  }
  return `${out.join('\n')}\n`;
}
