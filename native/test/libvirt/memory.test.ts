import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { Connection } from '../../src/libvirt/index.js';

// 600k calls (after a 200k warm-up) that create and free libvirt objects (domain lookups, typed results, errors) keep
// RSS flat.
t.test('600k calls keep RSS flat', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const batch = async (n: number) => {
    for (let i = 0; i < n; i += 100) {
      const work: Promise<unknown>[] = [];
      for (let j = 0; j < 100; j++) {
        const k = i + j;
        if (k % 3 === 0) work.push(c.lookupByName('test').then((d) => d.getState()));
        else if (k % 3 === 1) work.push(c.getAllDomainStats());
        else work.push(c.lookupByName('missing').catch((e: unknown) => e));
      }
      await Promise.all(work);
    }
  };
  // Collect garbage between phases so freed wrappers release their libvirt objects.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Warm-up: worker-thread malloc arenas and V8 grow to their working size first.
  await batch(200_000);
  gc();
  const before = process.memoryUsage().rss;
  await batch(600_000);
  gc();
  const after = process.memoryUsage().rss;
  const growthMiB = (after - before) / 2 ** 20;
  t.comment(`RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB`);
  // The worker threads' malloc arenas wobble by up to ~30 MiB on a loaded machine; leaking one virDomain (~170 bytes
  // with its strings) per lookup would add 32 MiB or more, and 97 MiB over the 600k calls.
  t.ok(growthMiB < 48, `RSS grew ${growthMiB.toFixed(1)} MiB over 600k calls`);
});
