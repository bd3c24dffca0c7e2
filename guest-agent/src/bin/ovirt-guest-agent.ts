#!/usr/bin/env node
/**
 * ovirt-guest-agent: runs inside a VM and talks to vdsmd over the virtio-serial port.
 *   ovirt-guest-agent [--config FILE] [--device PATH] [--log-level LEVEL] [--heart-beat-rate S] ...
 * Every configuration key has a flag of the same name with dashes; flags win over the file.
 */
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Agent } from '../agent/agent.js';
import {
  AgentConfigError,
  CONFIG_KEYS,
  type ConfigKey,
  DEFAULT_CONFIG_FILE,
  DEFAULT_DEVICE,
  flagName,
  isConfigKey,
  LEGACY_DEVICE,
  loadAgentConfig,
  renderConfig,
} from '../agent/config.js';
import { createLogger } from '../agent/log.js';

const NAME = 'ovirt-guest-agent';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The configured device; else the current port name, else the legacy one, else wait for the current one. */
async function chooseDevice(configured: string): Promise<string> {
  if (configured !== '') return configured;
  if (await exists(DEFAULT_DEVICE)) return DEFAULT_DEVICE;
  if (await exists(LEGACY_DEVICE)) return LEGACY_DEVICE;
  return DEFAULT_DEVICE;
}

function usage(): string {
  const lines = [
    `usage: ${NAME} [options]`,
    '',
    `  --config FILE${' '.repeat(17)}configuration file (default ${DEFAULT_CONFIG_FILE})`,
  ];
  for (const [key, def] of Object.entries(CONFIG_KEYS)) {
    if (isConfigKey(key)) lines.push(`${`  --${flagName(key)} VALUE`.padEnd(32)}[${def.section}] ${def.doc}`);
  }
  lines.push(`${'  --dump-config'.padEnd(32)}print the effective configuration and exit`);
  lines.push(`${'  --help'.padEnd(32)}show this help`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    config: { type: 'string' },
    help: { type: 'boolean' },
    'dump-config': { type: 'boolean' },
  };
  for (const key of Object.keys(CONFIG_KEYS)) if (isConfigKey(key)) options[flagName(key)] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`${NAME}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(usage());
    process.exit(0);
  }
  const flags: Partial<Record<ConfigKey, string>> = {};
  for (const key of Object.keys(CONFIG_KEYS)) {
    const v = isConfigKey(key) ? values[flagName(key)] : undefined;
    if (isConfigKey(key) && typeof v === 'string') flags[key] = v;
  }
  const configFile = typeof values.config === 'string' ? values.config : DEFAULT_CONFIG_FILE;
  let config: Awaited<ReturnType<typeof loadAgentConfig>>;
  try {
    config = await loadAgentConfig(configFile, { required: values.config !== undefined, flags });
  } catch (err) {
    if (err instanceof AgentConfigError) {
      process.stderr.write(`${NAME}: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (values['dump-config'] === true) {
    process.stdout.write(renderConfig(config));
    process.exit(0);
  }
  const log = createLogger(config.log_level);
  process.on('uncaughtException', (err) => log.error('uncaught exception', { error: err.stack ?? String(err) }));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: String(err) }));

  const agent = new Agent(config, await chooseDevice(config.device), log);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    void agent.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await agent.start();
}

void main();
