/**
 * The one way any daemon runs a program: an argv array (never a shell), a timeout that kills, bounded output, and
 * every failure as a typed ExecError. execa does the process handling; this file fixes the policy.
 */
import { execa } from 'execa';
import { ExecError, type ExecFailureKind } from './exec-error.js';

export { ExecError, type ExecFailureKind } from './exec-error.js';

/** Per stream, unless the call asks for another bound. */
const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
/** After the timeout's SIGTERM, how long a program gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

export interface ExecOptions {
  /** Killed (SIGTERM, then SIGKILL) when it runs longer; required so nothing can hang a daemon. */
  readonly timeoutMs: number;
  /** Per stream; a program that prints more is killed and the call fails with kind `output-limit`. */
  readonly maxOutputBytes?: number;
  /** Written to stdin, which is closed afterwards; without it stdin is /dev/null. */
  readonly input?: string | Uint8Array;
  /** Added to this process's environment (LC_ALL=C is set unless given here). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Aborting it kills the program; the call fails with kind `canceled`. */
  readonly signal?: AbortSignal;
  /** Exit codes that count as success (default: only 0); `any` hands every exit code back to the caller. */
  readonly okExitCodes?: readonly number[] | 'any';
  /** Also return stdout and stderr together, chunks in the order they arrived, as `all`. */
  readonly interleave?: boolean;
}

export interface ExecResult<Out> {
  readonly stdout: Out;
  readonly stderr: string;
  readonly exitCode: number;
  /** stdout and stderr interleaved; empty unless `interleave` was asked for. */
  readonly all: string;
}

/** Runs `argv` and returns its output as text. */
export function exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult<string>> {
  return run(argv, options, 'utf8').then((r) => ({ ...r, stdout: text(r.stdout) }));
}

/** Runs `argv` and returns stdout as bytes (e.g. a block read through dd). */
export function execBuffer(argv: readonly string[], options: ExecOptions): Promise<ExecResult<Buffer>> {
  return run(argv, options, 'buffer').then((r) => ({ ...r, stdout: Buffer.from(r.stdout as Uint8Array) }));
}

async function run(
  argv: readonly string[],
  options: ExecOptions,
  encoding: 'utf8' | 'buffer',
): Promise<ExecResult<unknown>> {
  const [file, ...args] = argv;
  if (file === undefined || file === '') throw new TypeError('exec: empty argv');
  const result = await execa(file, args, {
    timeout: options.timeoutMs,
    maxBuffer: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    forceKillAfterDelay: KILL_GRACE_MS,
    reject: false,
    shell: false,
    encoding,
    stripFinalNewline: false,
    all: options.interleave === true,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { LC_ALL: 'C', ...options.env },
    extendEnv: true,
  });
  const stdout = result.stdout as unknown;
  const stderr = text(result.stderr);
  const all = options.interleave === true ? text(result.all) : '';
  const kind = failureKind(result, options);
  if (kind !== undefined) {
    throw new ExecError(
      {
        kind,
        argv,
        ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
        ...(result.signal === undefined ? {} : { signal: result.signal }),
        timeoutMs: options.timeoutMs,
        stdout: text(stdout),
        stderr,
      },
      { cause: result.cause },
    );
  }
  return { stdout, stderr, exitCode: result.exitCode ?? 0, all };
}

interface Outcome {
  readonly failed: boolean;
  readonly timedOut: boolean;
  readonly isCanceled: boolean;
  readonly isMaxBuffer: boolean;
  readonly exitCode?: number | undefined;
  readonly signal?: string | undefined;
  readonly cause?: unknown;
}

function failureKind(result: Outcome, options: ExecOptions): ExecFailureKind | undefined {
  if (result.timedOut) return 'timeout';
  if (result.isCanceled) return 'canceled';
  if (result.isMaxBuffer) return 'output-limit';
  if (result.signal !== undefined) return 'signal';
  if (result.exitCode === undefined) {
    if (!result.failed) return undefined;
    return (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'not-found' : 'spawn';
  }
  const ok = options.okExitCodes ?? [0];
  if (ok === 'any' || ok.includes(result.exitCode)) return undefined;
  return 'exit';
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return String(value);
}
