import { parseArgs } from 'node:util';
import { type Config, ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from './config/index.js';

export interface DaemonArgs {
  readonly configFile: string;
  readonly config: Config;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

export interface DaemonOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly description: string;
}

/**
 * Parses a daemon's command line (`--config FILE` plus its own options) and loads the configuration.
 * On a bad flag or configuration it prints one clear line and exits with status 2 (usage) or 1 (config).
 */
export async function parseDaemonArgs(
  daemon: string,
  argv: readonly string[],
  options: Readonly<Record<string, DaemonOption>> = {},
  overrides: (
    values: Record<string, string | boolean | undefined>,
  ) => Record<string, Record<string, string>> = () => ({}),
): Promise<DaemonArgs> {
  const all = {
    config: { type: 'string', short: 'c', description: `configuration file (default ${DEFAULT_CONFIG_FILE})` },
    help: { type: 'boolean', short: 'h', description: 'show this help' },
    ...options,
  } as const satisfies Record<string, DaemonOption>;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`${daemon}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(`usage: ${daemon} [options]\n\n`);
    for (const [name, opt] of Object.entries(all)) {
      const flag = `${'short' in opt && opt.short !== undefined ? `-${opt.short}, ` : '    '}--${name}${opt.type === 'string' ? ' VALUE' : ''}`;
      process.stdout.write(`  ${flag.padEnd(28)} ${opt.description}\n`);
    }
    process.exit(0);
  }
  const configFile = typeof values.config === 'string' ? values.config : DEFAULT_CONFIG_FILE;
  try {
    const config = await loadConfig(configFile, {
      required: values.config !== undefined,
      overrides: overrides(values),
    });
    return { configFile, config, values };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${daemon}: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
