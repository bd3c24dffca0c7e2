/** Task namespace handlers. */
import type { StorageServices } from '../storage/index.js';
import type { Handlers } from './handler.js';

export const TASK_HANDLERS = {
  'Task.getStatus': ({ tasks }, p) => tasks.status(p.taskID),
  'Task.getInfo': ({ tasks }, p) => tasks.info(p.taskID),
  'Task.stop': ({ tasks }, p) => {
    tasks.stop(p.taskID);
    return undefined;
  },
  'Task.clear': async ({ tasks }, p) => {
    await tasks.clear(p.taskID);
    return undefined;
  },
  'Task.revert': async ({ tasks }, p) => {
    await tasks.revert(p.taskID);
    return undefined;
  },
} as const satisfies Handlers<Pick<StorageServices, 'tasks'>>;
