import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { execa } from 'execa';

export interface RunOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Per stream; a command that prints more is killed and the call fails. */
  readonly maxBuffer?: number;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs one external command (argv array, never a shell) and returns its stdout; failures become typed errors. */
export async function run(argv: readonly string[], options: RunOptions): Promise<string> {
  const [file, ...args] = argv;
  if (file === undefined) throw new SupervdsmError('INTERNAL', 'empty command');
  const result = await execa(file, args, {
    timeout: options.timeoutMs,
    maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024,
    reject: false,
    forceKillAfterDelay: 2000,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    env: { LC_ALL: 'C', ...options.env },
    extendEnv: true,
    stripFinalNewline: false,
  });
  if (result.failed) {
    const cmd = argv.join(' ');
    if ((result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      throw new SupervdsmError('NOT_AVAILABLE', `${file} is not installed`);
    if (result.timedOut || result.isCanceled) throw new SupervdsmError('TIMEOUT', `${cmd}: timed out`);
    if (result.isMaxBuffer) throw new SupervdsmError('COMMAND_FAILED', `${cmd}: output too large`);
    const stderr = String(result.stderr ?? '')
      .trim()
      .slice(0, 2000);
    throw new SupervdsmError('COMMAND_FAILED', `${cmd} exited with ${result.exitCode ?? result.signal}: ${stderr}`);
  }
  return String(result.stdout ?? '');
}
