import { OPERATIONS, type OperationName } from '@vdsm-ts/supervdsm-protocol/operations';
import { PROTOCOL_VERSION } from '@vdsm-ts/supervdsm-protocol/protocol';
import { fields } from '../validate.js';
import type { HandlerSet } from './handler.js';

const NAMES = Object.keys(OPERATIONS).sort() as OperationName[];

/** Liveness and discovery: what vdsmd asks first after (re)connecting. */
export const metaHandlers: HandlerSet<'ping' | 'listOperations'> = {
  ping: async (params) => {
    fields(params, []);
    return { version: PROTOCOL_VERSION, pid: process.pid };
  },
  listOperations: async (params) => {
    fields(params, []);
    return { version: PROTOCOL_VERSION, operations: [...NAMES] };
  },
};
