/**
 * `engine-lite serve`: flags, optionally a JSON config file with the same keys (flags win), then the engine runs
 * until SIGTERM/SIGINT.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type EngineOptions, startEngine } from '../runtime.js';

export { SERVE_USAGE } from './serve-usage.js';

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  db: { type: 'string' },
  listen: { type: 'string' },
  port: { type: 'string' },
  https: { type: 'boolean' },
  'poll-interval': { type: 'string' },
  'stats-every': { type: 'string' },
  'max-misses': { type: 'string' },
  'call-timeout': { type: 'string' },
  'admin-password-file': { type: 'string' },
  log: { type: 'boolean' },
} as const;

type Settings = Partial<Record<keyof typeof OPTIONS, string | boolean | number>>;

function integer(settings: Settings, key: keyof typeof OPTIONS, min: number): number | undefined {
  const value = settings[key];
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${key}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function text(settings: Settings, key: keyof typeof OPTIONS): string | undefined {
  const value = settings[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new Error(`--${key}: expected a non-empty string`);
  return value;
}

/** `data-dir` ↔ `ENGINE_LITE_DATA_DIR` */
export function envName(key: string): string {
  return `ENGINE_LITE_${key.toUpperCase().replaceAll('-', '_')}`;
}

/** ENGINE_LITE_* variables (the systemd unit's EnvironmentFile); booleans are `1`/`true`/`yes`. */
function fromEnv(env: NodeJS.ProcessEnv): Settings {
  const out: Settings = {};
  for (const [key, spec] of Object.entries(OPTIONS) as [keyof typeof OPTIONS, { type: string }][]) {
    const value = env[envName(key)];
    if (value === undefined || value === '') continue;
    out[key] = spec.type === 'boolean' ? /^(1|true|yes)$/i.test(value) : value;
  }
  return out;
}

/** Settings, lowest precedence first: defaults, --config file, ENGINE_LITE_* environment, flags. */
export async function serveOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<EngineOptions> {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  const environment = fromEnv(env);
  const configFile = values.config ?? (typeof environment.config === 'string' ? environment.config : undefined);
  let settings: Settings = {};
  if (configFile !== undefined) {
    const parsed: unknown = JSON.parse(await readFile(configFile, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`${configFile}: expected a JSON object`);
    }
    for (const key of Object.keys(parsed)) {
      if (!(key in OPTIONS) || key === 'config') throw new Error(`${configFile}: unknown key ${JSON.stringify(key)}`);
    }
    settings = parsed as Settings;
  }
  settings = { ...settings, ...environment, ...values };
  const passwordFile = text(settings, 'admin-password-file');
  const monitor = {
    ...(integer(settings, 'poll-interval', 50) === undefined
      ? {}
      : { pollIntervalMs: integer(settings, 'poll-interval', 50)! }),
    ...(integer(settings, 'stats-every', 1) === undefined
      ? {}
      : { statsEveryPolls: integer(settings, 'stats-every', 1)! }),
    ...(integer(settings, 'max-misses', 1) === undefined
      ? {}
      : { maxMissedPolls: integer(settings, 'max-misses', 1)! }),
    ...(integer(settings, 'call-timeout', 100) === undefined
      ? {}
      : { callTimeoutMs: integer(settings, 'call-timeout', 100)! }),
  };
  const db = text(settings, 'db');
  const listen = text(settings, 'listen');
  const port = integer(settings, 'port', 0);
  return {
    dataDir: text(settings, 'data-dir') ?? '/var/lib/engine-lite',
    ...(db === undefined ? {} : { db }),
    ...(listen === undefined ? {} : { listen }),
    ...(port === undefined ? {} : { port }),
    https: settings.https === true,
    monitor,
    ...(passwordFile === undefined ? {} : { adminPassword: (await readFile(passwordFile, 'utf8')).trim() }),
    logger: settings.log === true,
  };
}

export async function serve(argv: readonly string[]): Promise<void> {
  const options = await serveOptions(argv);
  const engine = await startEngine(options);
  process.stderr.write(
    `engine-lite listening on ${engine.url} (database: ${engine.db.kind}, data: ${options.dataDir})\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await engine.stop();
}
