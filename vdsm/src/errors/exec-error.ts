/**
 * How a failed external command (an ExecError from @vdsm-ts/common/exec) reaches the engine: as the VDSM error of
 * the operation that ran it, never as InternalError. The operation names its error; the kind of failure goes into
 * the detail so the engine's log says whether the program was missing, timed out or exited non-zero.
 */
import { ExecError } from '@vdsm-ts/common/exec';
import type { ErrorName } from './codes.js';
import { VdsmError } from './vdsm-error.js';

/** A missing program is a host that cannot do this at all, whatever operation asked. */
const NOT_INSTALLED: ErrorName = 'ResourceUnavailable';

export function vdsmErrorFromExec(error: ExecError, name: ErrorName): VdsmError {
  const failed = error.kind === 'not-found' ? NOT_INSTALLED : name;
  return new VdsmError(failed, `${error.kind}: ${error.message}`, { cause: error });
}

/** Runs `work`; an ExecError it throws becomes the VDSM error `name`, anything else passes through unchanged. */
export async function mapExecErrors<T>(name: ErrorName, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ExecError) throw vdsmErrorFromExec(error, name);
    throw error;
  }
}
