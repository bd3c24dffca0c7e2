/**
 * Runs an external program: argv array (never a shell), a timeout and a bounded output. Uses
 * node:child_process so the bundled agent needs nothing beyond `node`.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';

export interface ExecResult {
  /** exit status; null when the program was killed (timeout) or could not start */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** set when the program could not start, timed out or overflowed its output limit */
  readonly error: string | undefined;
}

export interface ExecOptions {
  readonly timeoutMs?: number;
  readonly maxBuffer?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined || file === '') {
    return Promise.resolve({ exitCode: null, stdout: '', stderr: '', error: 'empty command' });
  }
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: opts.timeoutMs ?? 30_000,
        maxBuffer: opts.maxBuffer ?? 1024 * 1024,
        killSignal: 'SIGKILL',
        encoding: 'utf8',
        env: opts.env ?? { ...process.env, LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve({ exitCode: 0, stdout, stderr, error: undefined });
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
        if (typeof e.code === 'number') {
          resolve({ exitCode: e.code, stdout, stderr, error: undefined });
          return;
        }
        const reason = e.killed === true ? 'timed out' : (e.code ?? e.message);
        resolve({ exitCode: null, stdout, stderr, error: `${file}: ${reason}` });
      },
    );
  });
}

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Finds a program in the usual system directories plus $PATH; undefined when absent. */
export async function which(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}
