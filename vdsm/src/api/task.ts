/** Task namespace handlers. */
import type { StorageService } from '../storage/index.js';
import type { Handlers } from './handler.js';

export const TASK_HANDLERS = {
  'Task.getStatus': (storage, p) => storage.tasks.status(p.taskID),
  'Task.getInfo': (storage, p) => storage.tasks.info(p.taskID),
  'Task.stop': (storage, p) => {
    storage.tasks.stop(p.taskID);
    return undefined;
  },
  'Task.clear': async (storage, p) => {
    await storage.tasks.clear(p.taskID);
    return undefined;
  },
  'Task.revert': async (storage, p) => {
    await storage.tasks.revert(p.taskID);
    return undefined;
  },
} as const satisfies Handlers<StorageService>;
