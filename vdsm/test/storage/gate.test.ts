// Gate: at most `limit` tasks at once, the rest in arrival order, a failing task frees its slot.
import t from 'tap';
import { Gate } from '../../src/storage/sanlock/gate.js';

t.test('at most the limit run at once, in arrival order, failures free their slot', async (t) => {
  const gate = new Gate(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const releases: Array<() => void> = [];
  const task = (i: number) =>
    gate.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      if (i === 1) throw new Error('task 1 fails');
      return i;
    });
  const results = [0, 1, 2, 3, 4].map((i) => task(i).catch((e: Error) => e.message));
  const settle = () => new Promise((r) => setImmediate(r));
  await settle();
  t.same(order, [0, 1], 'two started');
  while (releases.length > 0) {
    releases.shift()!();
    await settle();
    // a late arrival while others wait must not overtake them
    if (order.length === 3) void task(5);
    await settle();
  }
  t.same(await Promise.all(results), [0, 'task 1 fails', 2, 3, 4]);
  t.equal(peak, 2, 'never more than two at once');
  t.same(order, [0, 1, 2, 3, 4, 5], 'in arrival order');
});
