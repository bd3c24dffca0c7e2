import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const buildDir = fileURLToPath(new URL('../../build/Release/', import.meta.url));

/** Loads one compiled target of this package's binding.gyp. */
export function loadAddon<T>(target: string): T {
  return require(`${buildDir}${target}.node`) as T;
}
