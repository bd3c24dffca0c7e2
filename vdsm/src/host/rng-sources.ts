/**
 * The entropy sources a guest's virtio-rng device can be backed by (upstream host/rngsources.py): the names of the
 * device nodes that exist here. `urandom` is never reported: engines before 4.1 reject the name, and the engine
 * treats `random` as the same source.
 */
import { access } from 'node:fs/promises';

export type RngSource = 'random' | 'hwrng';

const SOURCES: ReadonlyArray<readonly [RngSource, string]> = [
  ['random', '/dev/random'],
  ['hwrng', '/dev/hwrng'],
];

export async function availableRngSources(): Promise<RngSource[]> {
  const present = await Promise.all(
    SOURCES.map(([name, path]) =>
      access(path).then(
        () => name,
        () => undefined,
      ),
    ),
  );
  return present.filter((name): name is RngSource => name !== undefined);
}
