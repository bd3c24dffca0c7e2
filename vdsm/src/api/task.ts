/** Task namespace handlers. */
import type { StorageTasks } from '../storage/index.js';
import { type HandlerTable, implement } from './handler.js';

export function taskHandlers(tasks: StorageTasks): HandlerTable {
  return new Map([
    implement('Task.getStatus', (p) => tasks.status(p.taskID)),
    implement('Task.getInfo', (p) => tasks.info(p.taskID)),
    implement('Task.stop', (p) => {
      tasks.stop(p.taskID);
      return undefined;
    }),
    implement('Task.clear', async (p) => {
      await tasks.clear(p.taskID);
      return undefined;
    }),
    implement('Task.revert', async (p) => {
      await tasks.revert(p.taskID);
      return undefined;
    }),
  ]);
}
