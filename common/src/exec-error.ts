/** How a command run through exec() failed; each daemon maps these kinds to its own error codes. */
export type ExecFailureKind =
  /** It ran and exited with a code it was not allowed to. */
  | 'exit'
  /** A signal ended it (not our timeout or cancel). */
  | 'signal'
  /** It ran past its timeout and was killed. */
  | 'timeout'
  /** The caller's AbortSignal fired and it was killed. */
  | 'canceled'
  /** It printed more than the bound on stdout or stderr and was killed. */
  | 'output-limit'
  /** The program does not exist (ENOENT). */
  | 'not-found'
  /** It could not be started for another reason (EACCES, bad cwd, ...). */
  | 'spawn';

/** The most of stderr an error message carries: enough to diagnose, never a whole log. */
const STDERR_IN_MESSAGE = 2000;

export interface ExecFailure {
  readonly kind: ExecFailureKind;
  readonly argv: readonly string[];
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timeoutMs?: number;
  /** What it printed before failing (bounded by the call's output limit). */
  readonly stdout: string;
  readonly stderr: string;
}

export class ExecError extends Error {
  override readonly name = 'ExecError';
  readonly kind: ExecFailureKind;
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;

  constructor(failure: ExecFailure, options?: { cause?: unknown }) {
    super(describe(failure), options);
    this.kind = failure.kind;
    this.argv = failure.argv;
    this.exitCode = failure.exitCode;
    this.signal = failure.signal;
    this.stdout = failure.stdout;
    this.stderr = failure.stderr;
  }

  /** The program's name, e.g. `qemu-img`. */
  get program(): string {
    return this.argv[0] ?? '';
  }
}

function describe(f: ExecFailure): string {
  const cmd = f.argv.join(' ');
  switch (f.kind) {
    case 'not-found':
      return `${f.argv[0] ?? ''} is not installed`;
    case 'spawn':
      return `${cmd}: cannot start`;
    case 'timeout':
      return `${cmd}: timed out after ${f.timeoutMs ?? '?'} ms`;
    case 'canceled':
      return `${cmd}: canceled`;
    case 'output-limit':
      return `${cmd}: output too large`;
    case 'signal':
      return `${cmd} killed by ${f.signal ?? 'a signal'}${tail(f.stderr)}`;
    case 'exit':
      return `${cmd} exited with ${f.exitCode ?? '?'}${tail(f.stderr)}`;
  }
}

function tail(stderr: string): string {
  const text = stderr.trim();
  if (text === '') return '';
  return `: ${text.length > STDERR_IN_MESSAGE ? text.slice(-STDERR_IN_MESSAGE) : text}`;
}
