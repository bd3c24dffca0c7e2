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

export async function serveOptions(argv: readonly string[]): Promise<EngineOptions> {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  let settings: Settings = {};
  if (values.config !== undefined) {
    const parsed: unknown = JSON.parse(await readFile(values.config, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`${values.config}: expected a JSON object`);
    }
    for (const key of Object.keys(parsed)) {
      if (!(key in OPTIONS) || key === 'config')
        throw new Error(`${values.config}: unknown key ${JSON.stringify(key)}`);
    }
    settings = parsed as Settings;
  }
  settings = { ...settings, ...values };
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
