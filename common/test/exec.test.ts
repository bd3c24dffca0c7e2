import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ExecError, exec, execBuffer } from '../src/exec.js';

/** Rejects with an ExecError and hands it back for the caller's checks. */
async function failure(t: { ok(value: unknown, message: string): void }, work: Promise<unknown>): Promise<ExecError> {
  const error = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  t.ok(error instanceof ExecError, `an ExecError (${String(error)})`);
  return error as ExecError;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('stdout, stderr and exit code; argv goes to the program untouched, with no shell', async (t) => {
  const ok = await exec(['sh', '-c', 'echo out; echo err >&2'], { timeoutMs: 10_000 });
  t.same([ok.stdout, ok.stderr, ok.exitCode], ['out\n', 'err\n', 0]);
  const literal = await exec(['echo', '$(id -u)', '*', '; ls'], { timeoutMs: 10_000 });
  t.equal(literal.stdout, '$(id -u) * ; ls\n', 'no expansion, no globbing, no command separator');
});

t.test('a non-zero exit is kind exit with the code and output; okExitCodes lets the caller accept it', async (t) => {
  const argv = ['sh', '-c', 'echo partial; echo "it broke" >&2; exit 3'];
  const error = await failure(t, exec(argv, { timeoutMs: 10_000 }));
  t.equal(error.kind, 'exit');
  t.equal(error.exitCode, 3);
  t.equal(error.stdout, 'partial\n');
  t.equal(error.stderr, 'it broke\n');
  t.match(error.message, /exited with 3: it broke$/);
  t.same(error.argv, argv);
  t.equal(error.program, 'sh');
  t.equal((await exec(argv, { timeoutMs: 10_000, okExitCodes: [0, 3] })).exitCode, 3);
  t.equal((await exec(argv, { timeoutMs: 10_000, okExitCodes: 'any' })).exitCode, 3);
});

t.test('a timeout kills the program and fails with kind timeout', async (t) => {
  const started = Date.now();
  const error = await failure(t, exec(['sh', '-c', 'echo $$; exec sleep 30'], { timeoutMs: 300 }));
  t.equal(error.kind, 'timeout');
  t.match(error.message, /timed out after 300 ms/);
  const pid = Number(error.stdout.trim());
  t.ok(pid > 0, `the program printed its pid (${pid})`);
  t.notOk(alive(pid), 'the program is gone');
  t.ok(Date.now() - started < 5000, 'answered within 5 s, not after the 30 s sleep');
});

t.test('a program that ignores SIGTERM is killed with SIGKILL after the grace period', async (t) => {
  const script = 'trap "" TERM; echo $$; while :; do sleep 0.1; done';
  const error = await failure(t, exec(['sh', '-c', script], { timeoutMs: 300 }));
  t.equal(error.kind, 'timeout');
  t.notOk(alive(Number(error.stdout.trim())), 'the program is gone');
});

t.test('output past the bound kills the program: kind output-limit, with output cut at the bound', async (t) => {
  const error = await failure(t, exec(['yes'], { timeoutMs: 30_000, maxOutputBytes: 4096 }));
  t.equal(error.kind, 'output-limit');
  t.ok(error.stdout.length <= 4096, `stdout kept to the bound (${error.stdout.length} bytes)`);
  const stderr = await failure(
    t,
    exec(['sh', '-c', 'head -c 100000 /dev/zero >&2'], { timeoutMs: 30_000, maxOutputBytes: 1000 }),
  );
  t.equal(stderr.kind, 'output-limit', 'stderr is bounded too');
  const fits = await exec(['head', '-c', '1000', '/dev/zero'], { timeoutMs: 10_000, maxOutputBytes: 1000 });
  t.equal(fits.stdout.length, 1000, 'exactly the bound is allowed');
});

t.test('a missing program is kind not-found', async (t) => {
  const error = await failure(t, exec(['vdsm-ts-no-such-program'], { timeoutMs: 10_000 }));
  t.equal(error.kind, 'not-found');
  t.equal(error.message, 'vdsm-ts-no-such-program is not installed');
  t.equal(error.exitCode, undefined);
});

t.test('a program killed by a signal is kind signal', async (t) => {
  const error = await failure(t, exec(['sh', '-c', 'kill -KILL $$'], { timeoutMs: 10_000 }));
  t.equal(error.kind, 'signal');
  t.equal(error.signal, 'SIGKILL');
});

t.test('aborting the signal kills the program: kind canceled', async (t) => {
  const controller = new AbortController();
  const running = exec(['sleep', '30'], { timeoutMs: 60_000, signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  const error = await failure(t, running);
  t.equal(error.kind, 'canceled');
});

t.test('stdin, environment and working directory', async (t) => {
  t.equal((await exec(['cat'], { timeoutMs: 10_000, input: 'to stdin\n' })).stdout, 'to stdin\n');
  t.equal((await exec(['cat'], { timeoutMs: 10_000 })).stdout, '', 'no input: stdin is empty, cat ends');
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'common-exec-')));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env = await exec(['sh', '-c', 'echo "$GREETING $LC_ALL"; pwd'], {
    timeoutMs: 10_000,
    env: { GREETING: 'hello' },
    cwd: dir,
  });
  t.equal(env.stdout, `hello C\n${dir}\n`, 'env is added (LC_ALL=C by default), cwd applies');
  t.ok(
    (await exec(['sh', '-c', 'echo $PATH'], { timeoutMs: 10_000 })).stdout.trim() !== '',
    'the rest of the environment is kept',
  );
});

t.test('interleave returns stdout and stderr together, as the chunks arrived', async (t) => {
  const result = await exec(['sh', '-c', 'echo one; echo two >&2; echo three'], {
    timeoutMs: 10_000,
    interleave: true,
  });
  t.same(result.all.split('\n').sort(), ['', 'one', 'three', 'two'], 'every line of both streams');
  t.ok(result.all.indexOf('one') < result.all.indexOf('three'), 'each stream keeps its own order');
});

t.test('execBuffer returns the bytes as printed', async (t) => {
  const result = await execBuffer(['printf', '\\000\\377\\n'], { timeoutMs: 10_000 });
  t.same([...result.stdout], [0, 255, 10]);
});

t.test('an empty argv is a programming error, not a run', async (t) => {
  await t.rejects(exec([], { timeoutMs: 1000 }), TypeError);
  await t.rejects(exec([''], { timeoutMs: 1000 }), TypeError);
});
