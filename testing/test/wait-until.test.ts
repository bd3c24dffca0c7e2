/** waitUntil: returns the first real value, names what it waited for on timeout, wakes on events. */
import { EventEmitter } from 'node:events';
import t from 'tap';
import { waitUntil } from '../src/wait-until.js';

t.test('resolves with the first value that is not undefined, null or false', async (t) => {
  let runs = 0;
  const value = await waitUntil(
    () => {
      runs++;
      if (runs === 1) return undefined;
      if (runs === 2) return null;
      if (runs === 3) return false;
      return runs === 4 ? 0 : undefined;
    },
    { timeoutMs: 5000, intervalMs: 1, what: 'the fourth run' },
  );
  t.equal(value, 0, '0 is a value, not "not yet"');
  t.equal(runs, 4, 'stops at once');
  t.equal(await waitUntil(async () => 'async', { timeoutMs: 100, what: 'an async predicate' }), 'async');
});

t.test('on timeout the error says what it waited for', async (t) => {
  let runs = 0;
  await t.rejects(
    waitUntil(
      () => {
        runs++;
        return false;
      },
      { timeoutMs: 50, intervalMs: 5, what: 'a thing that never happens' },
    ),
    { message: 'timed out after 50 ms waiting for a thing that never happens' },
  );
  t.ok(runs >= 2, `polled more than once (${runs} runs)`);
});

t.test('a throwing predicate ends the wait, unless told to retry; then the last error is quoted', async (t) => {
  let runs = 0;
  const failing = (): never => {
    runs++;
    throw new Error(`refused ${runs}`);
  };
  await t.rejects(waitUntil(failing, { timeoutMs: 1000, what: 'x' }), { message: 'refused 1' });
  await t.rejects(waitUntil(failing, { timeoutMs: 40, intervalMs: 5, what: 'the daemon', retryOnError: true }), {
    message: new RegExp(`^timed out after 40 ms waiting for the daemon \\(last error: refused ${'\\d+'}\\)$`),
  });
  t.ok(runs > 2, 'retried');
});

t.test('an event wakes the wait before the next poll', async (t) => {
  const emitter = new EventEmitter();
  let ready = false;
  setImmediate(() => {
    ready = true;
    emitter.emit('change');
  });
  const started = performance.now();
  await waitUntil(() => ready, {
    timeoutMs: 60_000,
    intervalMs: 30_000,
    what: 'the change event',
    wakeOn: { emitter, events: ['change'] },
  });
  t.ok(performance.now() - started < 1000, 'answered within 1 s, not at the 30 s poll');
  t.equal(emitter.listenerCount('change'), 0, 'no listener left behind');
});
