import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IniSyntaxError, parseIni } from './ini.js';
import { CONFIG_KEYS, type Config, type KeySpec } from './keys.js';

export const DEFAULT_CONFIG_FILE = '/etc/vdsm/vdsm.conf';

/** A configuration problem, always naming the file, and the line and key where there is one. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly key: string | undefined,
    detail: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${key === undefined ? '' : `${key}: `}${detail}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** When true, a missing file is an error (a file named on the command line); otherwise defaults apply. */
  readonly required?: boolean;
  /** Values applied last, e.g. from command-line flags: `{ vars: { libvirt_uri: 'test:///default' } }`. */
  readonly overrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Returns the defaults of every key. */
export function defaultConfig(): Config {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
    out[section] = {};
    for (const [key, spec] of Object.entries(keys)) (out[section] as Record<string, unknown>)[key] = spec.default;
  }
  return out as Config;
}

/**
 * Loads FILE and then FILE.d/*.conf in name order, as upstream reads vdsm.conf and vdsm.conf.d. Unknown
 * sections and keys are errors (a typo must not silently fall back to a default).
 */
export async function loadConfig(file: string = DEFAULT_CONFIG_FILE, options: LoadOptions = {}): Promise<Config> {
  const config = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  const files = [file, ...(await dropInFiles(`${file}.d`))];
  for (const [index, path] of files.entries()) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (index === 0 && code === 'ENOENT' && options.required !== true) continue;
      throw new ConfigError(path, undefined, undefined, `cannot read: ${code ?? String(err)}`);
    }
    let entries: ReturnType<typeof parseIni>;
    try {
      entries = parseIni(text, path);
    } catch (err) {
      if (err instanceof IniSyntaxError)
        throw new ConfigError(path, err.line, undefined, err.message.replace(/^.*?: /, ''));
      throw err;
    }
    for (const entry of entries) setValue(config, path, entry.line, entry.section, entry.key, entry.value);
  }
  for (const [section, keys] of Object.entries(options.overrides ?? {})) {
    for (const [key, value] of Object.entries(keys)) setValue(config, '<command line>', undefined, section, key, value);
  }
  return config as unknown as Config;
}

async function dropInFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names
      .filter((n) => n.endsWith('.conf'))
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function setValue(
  config: Record<string, Record<string, unknown>>,
  file: string,
  line: number | undefined,
  section: string,
  key: string,
  raw: string,
): void {
  const sectionKeys = (CONFIG_KEYS as Record<string, Record<string, KeySpec>>)[section];
  if (sectionKeys === undefined) {
    throw new ConfigError(
      file,
      line,
      `[${section}]`,
      `unknown section (known: ${Object.keys(CONFIG_KEYS).join(', ')})`,
    );
  }
  const spec = sectionKeys[key];
  if (spec === undefined) throw new ConfigError(file, line, `[${section}] ${key}`, 'unknown key');
  const target = config[section] as Record<string, unknown>;
  target[key] = parseValue(spec, raw.trim(), (detail) => new ConfigError(file, line, `[${section}] ${key}`, detail));
}

function parseValue(spec: KeySpec, value: string, fail: (detail: string) => ConfigError): unknown {
  switch (spec.type) {
    case 'bool': {
      // configparser's getboolean vocabulary
      const lower = value.toLowerCase();
      if (['1', 'yes', 'true', 'on'].includes(lower)) return true;
      if (['0', 'no', 'false', 'off'].includes(lower)) return false;
      throw fail(`expected a boolean (true/false), got ${JSON.stringify(value)}`);
    }
    case 'int': {
      if (!/^-?\d+$/.test(value)) throw fail(`expected an integer, got ${JSON.stringify(value)}`);
      const n = Number(value);
      if (spec.min !== undefined && n < spec.min) throw fail(`must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw fail(`must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'float': {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) throw fail(`expected a number, got ${JSON.stringify(value)}`);
      if (spec.min !== undefined && n < spec.min) throw fail(`must be >= ${spec.min}, got ${n}`);
      return n;
    }
    case 'list':
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'enum':
      if (!spec.values.includes(value))
        throw fail(`expected one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}`);
      return value;
    case 'string':
      return value;
  }
}
