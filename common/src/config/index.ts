export { CONFIG_KEYS, type Config, type KeySpec } from './keys.js';
export { ConfigError, DEFAULT_CONFIG_FILE, defaultConfig, type LoadOptions, loadConfig } from './load.js';
