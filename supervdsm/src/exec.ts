import { ExecError, type ExecFailureKind, exec } from '@vdsm-ts/common/exec';
import { SupervdsmError, type SupervdsmErrorCode } from '@vdsm-ts/supervdsm-protocol/errors';

export interface RunOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Per stream; a command that prints more is killed and the call fails. */
  readonly maxBuffer?: number;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that are an answer, not a failure (default: only 0). */
  readonly okExitCodes?: readonly number[];
}

/** What the caller of an operation is told when its command failed in this way. */
const CODE_OF_FAILURE: Readonly<Record<ExecFailureKind, SupervdsmErrorCode>> = {
  'not-found': 'NOT_AVAILABLE',
  timeout: 'TIMEOUT',
  canceled: 'TIMEOUT',
  'output-limit': 'COMMAND_FAILED',
  exit: 'COMMAND_FAILED',
  signal: 'COMMAND_FAILED',
  spawn: 'COMMAND_FAILED',
};

/** Runs one external command through the common exec wrapper and returns its stdout; failures become SupervdsmErrors. */
export async function run(argv: readonly string[], options: RunOptions): Promise<string> {
  try {
    const result = await exec(argv, {
      timeoutMs: options.timeoutMs,
      ...(options.maxBuffer === undefined ? {} : { maxOutputBytes: options.maxBuffer }),
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.okExitCodes === undefined ? {} : { okExitCodes: options.okExitCodes }),
    });
    return result.stdout;
  } catch (error) {
    if (error instanceof ExecError) throw new SupervdsmError(CODE_OF_FAILURE[error.kind], error.message);
    throw error;
  }
}
