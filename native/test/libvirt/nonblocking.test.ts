import { performance } from 'node:perf_hooks';
import t from 'tap';
import { Connection } from '../../src/libvirt/index.js';
import { testDriverFile } from './helpers.js';

// Opening a test-driver file with many domains makes libvirt parse a large XML document inside one call: a
// genuinely slow libvirt call. While it runs on a worker thread, a 2 ms interval timer must keep firing.
t.test('a slow libvirt call does not block the JS thread', async (t) => {
  const file = await testDriverFile({ domains: 6000 });
  t.teardown(file.cleanup);
  let ticks = 0;
  let maxLag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 2);
    last = now;
    ticks++;
  }, 2);
  const start = performance.now();
  const c = await Connection.open({ uri: file.uri });
  const stats = await c.getAllDomainStats();
  const duration = performance.now() - start;
  clearInterval(timer);
  t.teardown(() => c.close());
  t.equal(stats.length, 6000);
  t.comment(`open + stats took ${duration.toFixed(0)} ms; ${ticks} timer ticks, worst lag ${maxLag.toFixed(1)} ms`);
  t.ok(duration > 50, 'the call is slow enough to matter');
  // A blocked thread would show one lag as long as the call itself; allow generous scheduling noise.
  t.ok(maxLag < duration / 2, `worst timer lag ${maxLag.toFixed(1)} ms < half of ${duration.toFixed(0)} ms`);
  t.ok(ticks >= duration / 2 / 4, `timer kept firing (${ticks} ticks)`);
});
