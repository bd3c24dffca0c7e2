/** Task namespace handlers. */
import type { StorageService } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';

export function taskHandlers(storage: StorageService): HandlerTable {
  return new Map([
    implement('Task.getStatus', (p) => storage.tasks.status(p.taskID)),
    implement('Task.getInfo', (p) => storage.tasks.info(p.taskID)),
    implement('Task.stop', (p) => {
      storage.tasks.stop(p.taskID);
      return undefined;
    }),
    implement('Task.clear', async (p) => {
      await storage.tasks.clear(p.taskID);
      return undefined;
    }),
    implement('Task.revert', async (p) => {
      await storage.tasks.revert(p.taskID);
      return undefined;
    }),
  ]);
}
