/** A network namespace of the test's own (`ip netns add`), deleted at teardown. Needs root. */
import { execa } from 'execa';
import type { Teardown } from './teardown.js';

export type { Teardown } from './teardown.js';

const IP_TIMEOUT_MS = 10_000;

/** Creates `<prefix>-<pid>-<n>` and returns its name. */
export async function tempNetns(t: Teardown, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++created}`;
  await execa('ip', ['netns', 'add', name], { timeout: IP_TIMEOUT_MS });
  t.teardown(() => execa('ip', ['netns', 'del', name], { reject: false, timeout: IP_TIMEOUT_MS }));
  return name;
}

let created = 0;
