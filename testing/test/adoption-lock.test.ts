/**
 * The libvirt adoption lock across real processes: another process waits while one holds it, gets it when the holder
 * lets go or is killed, and a process's own holds nest.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import t from 'tap';
import { holdAdoptionLock } from '../src/adoption-lock.js';

const LOCK_MODULE = fileURLToPath(new URL('../src/adoption-lock.js', import.meta.url));

/**
 * A process that holds the lock until told `release` on stdin (`ping` is answered with `still-held`), or prints
 * `gave-up` when it cannot get it within LOCK_WAIT_MS.
 */
const HOLDER = `
import { holdAdoptionLock } from ${JSON.stringify(LOCK_MODULE)};
const release = await holdAdoptionLock(Number(process.env.LOCK_WAIT_MS)).catch(() => undefined);
if (release === undefined) { console.log('gave-up'); process.exit(0); }
console.log('held');
process.stdin.setEncoding('utf8');
process.stdin.on('data', async (line) => {
  if (line.includes('ping')) console.log('still-held');
  if (line.includes('release')) { await release(); console.log('released'); process.exit(0); }
});
`;

interface Holder {
  readonly child: ResultPromise;
  nextLine(): Promise<string>;
  send(line: string): void;
}

async function startHolder(waitMs = 60_000): Promise<Holder> {
  const child = execa('node', ['--input-type=module', '-e', HOLDER], {
    stdin: 'pipe',
    reject: false,
    buffer: false,
    env: { LOCK_WAIT_MS: String(waitMs) },
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const holder: Holder = {
    child,
    nextLine: async () => {
      const next = await lines.next();
      if (next.done === true) throw new Error('the holder process ended');
      return next.value;
    },
    send: (line) => child.stdin?.write(`${line}\n`),
  };
  return holder;
}

t.test('another process waits until the holder releases', async (t) => {
  const holder = await startHolder();
  t.teardown(() => holder.child.kill('SIGKILL'));
  t.equal(await holder.nextLine(), 'held');
  let acquired = false;
  const mine = holdAdoptionLock(60_000).then((release) => {
    acquired = true;
    return release;
  });
  holder.send('ping');
  t.equal(await holder.nextLine(), 'still-held');
  t.notOk(acquired, 'not acquired while the other process holds it');
  holder.send('release');
  const release = await mine;
  t.ok(acquired, 'acquired once it was released');
  await release();
});

t.test('a killed holder frees the lock', async (t) => {
  const holder = await startHolder();
  t.equal(await holder.nextLine(), 'held');
  await t.rejects(holdAdoptionLock(300), /past the deadline/, 'a short wait gives up with a clear error');
  holder.child.kill('SIGKILL');
  await holder.child;
  const release = await holdAdoptionLock(60_000);
  t.pass('acquired after the holder died');
  await release();
});

t.test("a process's own holds nest; the lock is free after the last release", async (t) => {
  const outer = await holdAdoptionLock(60_000);
  const inner = await holdAdoptionLock(1_000);
  await inner();
  const probe = await startHolder(500);
  t.equal(await probe.nextLine(), 'gave-up', 'still held after the inner release');
  const holder = await startHolder();
  t.teardown(() => holder.child.kill('SIGKILL'));
  await outer();
  t.equal(await holder.nextLine(), 'held', 'another process gets it after the outer release');
  holder.send('release');
  t.equal(await holder.nextLine(), 'released');
});
