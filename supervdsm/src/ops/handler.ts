/**
 * The shape every operation handler has. Handlers get the raw params (validated inside the handler with
 * ../validate.ts, before any command runs) and a context; one file per area exports a HandlerSet for its
 * operations, and the registry joins them so a missing operation fails to compile.
 */

import type { Config } from '@vdsm-ts/common/config';
import type { Logger } from '@vdsm-ts/common/logging';
import type { OperationName, OpResult } from '@vdsm-ts/supervdsm-protocol/operations';

export interface OpContext {
  /** Aborted when the operation's timeout passes or the caller goes away; pass it to run(). */
  readonly signal: AbortSignal;
  /** What is left of the operation's time budget when the handler starts. */
  readonly timeoutMs: number;
  readonly config: Config;
  readonly log: Logger;
}

export type OpHandler<K extends OperationName> = (params: unknown, context: OpContext) => Promise<OpResult<K>>;

/** The handlers of a set of operations, e.g. HandlerSet<'netLinks' | 'netAddBridge'>. */
export type HandlerSet<K extends OperationName> = { readonly [P in K]: OpHandler<P> };
