/**
 * Asynchronous storage tasks (storage/task.py, taskManager.py, B12 of the facts). A task runs one job; before each
 * step that changes storage the job registers a recovery (a named rollback with JSON params). A failed or stopped
 * task runs its recoveries newest first. SPM tasks are persisted under the master domain's task directory, so a new
 * SPM rolls back work a dead one left half done.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@vdsm-ts/common/logging';
import { VdsmError } from '../../errors/vdsm-error.js';
import { isUuid } from '../constants.js';
import { listTaskDirs, readFields, writeFields } from './task-file.js';

/** Internal task states (upstream names). */
export type TaskState = 'init' | 'running' | 'finished' | 'aborting' | 'recovering' | 'recovered' | 'failed';

export type WireTaskState = 'init' | 'running' | 'finished' | 'aborting' | 'cleaning' | 'unknown';
export type WireTaskResult = 'success' | 'cleanSuccess' | 'cleanFailure' | '';

export interface TaskStatusWire {
  taskID: string;
  taskState: WireTaskState;
  taskResult: WireTaskResult;
  code: number;
  message: string;
}

export interface TaskDetailsWire {
  id: string;
  verb: string;
  state: WireTaskState;
  code: number;
  message: string;
  result: WireTaskResult;
  tag: string;
}

export interface Recovery {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export type RecoveryFn = (params: Readonly<Record<string, unknown>>) => Promise<void>;

export interface JobContext {
  readonly taskId: string;
  /** Persists a rollback step before the change it undoes is made. */
  addRecovery(recovery: Recovery): Promise<void>;
  /** Throws TaskAborted once Task.stop was called. */
  checkAborted(): void;
}

interface TaskRecord {
  readonly id: string;
  readonly verb: string;
  readonly tag: string;
  state: TaskState;
  code: number;
  message: string;
  result: string;
  recoveries: Recovery[];
  aborted: boolean;
  /** Directory the task persists into; null = in memory only. */
  dir: string | null;
  /** Persisting is serialised per task: the files are replaced through one temp and one backup name. */
  writing: Promise<void>;
  done: Promise<void>;
}

const DONE: ReadonlySet<TaskState> = new Set(['finished', 'recovered', 'failed']);

function wireState(state: TaskState): [WireTaskState, WireTaskResult] {
  switch (state) {
    case 'init':
      return ['init', ''];
    case 'running':
      return ['running', ''];
    case 'finished':
      return ['finished', 'success'];
    case 'aborting':
      return ['aborting', ''];
    case 'recovering':
      return ['cleaning', ''];
    case 'recovered':
      return ['finished', 'cleanSuccess'];
    case 'failed':
      return ['finished', 'cleanFailure'];
  }
}

export interface TaskManagerOptions {
  /** Failures that no caller can be told about (persisting, rollback, loading) are logged here. */
  readonly log?: Logger;
}

export class TaskManager {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly recoveryFns = new Map<string, RecoveryFn>();

  constructor(private readonly options: TaskManagerOptions = {}) {}

  registerRecovery(name: string, fn: RecoveryFn): void {
    this.recoveryFns.set(name, fn);
  }

  /**
   * Starts `job` as a task and returns its id at once. `persistDir` (the pool's task directory) makes it an SPM task
   * that survives a restart.
   */
  async start(
    verb: string,
    job: (ctx: JobContext) => Promise<unknown>,
    options: { persistDir?: string | null; tag?: string; id?: string } = {},
  ): Promise<string> {
    const id = options.id ?? randomUUID();
    const record: TaskRecord = {
      id,
      verb,
      tag: options.tag ?? 'spm',
      state: 'init',
      code: 0,
      message: '',
      result: '',
      recoveries: [],
      aborted: false,
      dir: options.persistDir != null ? join(options.persistDir, id) : null,
      writing: Promise.resolve(),
      done: Promise.resolve(),
    };
    // persisted once as running before the job starts (init is never observable: the job starts right away)
    record.state = 'running';
    if (record.dir !== null) {
      try {
        await mkdir(record.dir, { recursive: true, mode: 0o755 });
        await this.persist(record);
      } catch (error) {
        throw new VdsmError('TaskMetaDataSaveError', `${id}: ${(error as Error).message}`, { cause: error });
      }
    }
    this.tasks.set(id, record);
    const ctx: JobContext = {
      taskId: id,
      addRecovery: async (recovery) => {
        record.recoveries.push(recovery);
        if (record.dir !== null) {
          const n = record.recoveries.length - 1;
          const dir = record.dir;
          await this.serialised(record, () =>
            writeFields(dir, id, `${id}.recover.${n}`, {
              name: recovery.name,
              params: JSON.stringify(recovery.params),
            }),
          );
          await this.persist(record);
        }
      },
      checkAborted: () => {
        if (record.aborted) throw new VdsmError('TaskAborted', `value=${id} abortedcode=411`);
      },
    };
    record.done = (async () => {
      try {
        const result = await job(ctx);
        ctx.checkAborted();
        record.state = 'finished';
        record.code = 0;
        record.message = '1 jobs completed successfully';
        record.result = result === undefined ? '' : String(result);
      } catch (error) {
        record.code = error instanceof VdsmError ? error.code : 100;
        record.message = (error as Error).message;
        record.state = record.aborted ? 'aborting' : 'recovering';
        await this.rollback(record);
      }
      await this.persist(record).catch((err: unknown) =>
        this.options.log?.error({ err, taskId: id }, 'cannot persist task'),
      );
    })();
    return id;
  }

  private async rollback(record: TaskRecord): Promise<void> {
    record.state = 'recovering';
    await this.persist(record).catch(() => {});
    try {
      for (const recovery of [...record.recoveries].reverse()) {
        const fn = this.recoveryFns.get(recovery.name);
        if (fn === undefined) throw new Error(`no recovery named ${recovery.name}`);
        await fn(recovery.params);
      }
      record.state = 'recovered';
    } catch (error) {
      this.options.log?.error({ err: error, taskId: record.id }, 'task rollback failed');
      record.state = 'failed';
    }
  }

  private serialised(record: TaskRecord, write: () => Promise<void>): Promise<void> {
    const next = record.writing.then(write, write);
    record.writing = next.catch(() => {});
    return next;
  }

  private persist(record: TaskRecord): Promise<void> {
    return this.serialised(record, () => this.writeTask(record));
  }

  private async writeTask(record: TaskRecord): Promise<void> {
    if (record.dir === null) return;
    await writeFields(record.dir, record.id, `${record.id}.task`, {
      id: record.id,
      name: record.verb,
      tag: record.tag,
      store: record.dir,
      recoveryPolicy: 'auto',
      persistPolicy: 'auto',
      cleanPolicy: 'manual',
      priority: 'low',
      state: record.state,
      njobs: '1',
      nrecoveries: String(record.recoveries.length),
      metadataVersion: '1',
    });
    if (DONE.has(record.state)) {
      await writeFields(record.dir, record.id, `${record.id}.result`, {
        code: String(record.code),
        message: record.message,
        result: record.result,
      });
    }
  }

  private get(taskId: string): TaskRecord {
    const record = isUuid(taskId) ? this.tasks.get(taskId) : undefined;
    if (record === undefined) throw new VdsmError('UnknownTask', taskId);
    return record;
  }

  /** Resolves when the task has reached a done state (tests, spmStop). */
  async wait(taskId: string): Promise<void> {
    await this.get(taskId).done;
  }

  status(taskId: string): TaskStatusWire {
    const r = this.get(taskId);
    const [taskState, taskResult] = wireState(r.state);
    return { taskID: r.id, taskState, taskResult, code: r.code, message: r.message };
  }

  info(taskId: string): { id: string; verb: string } {
    const r = this.get(taskId);
    return { id: r.id, verb: r.verb };
  }

  allStatuses(): Record<string, TaskStatusWire> {
    return Object.fromEntries([...this.tasks.keys()].map((id) => [id, this.status(id)]));
  }

  /** Host.getAllTasks: `{id, verb, state, code, message, result, tag}` per task. */
  allDetails(): Record<string, TaskDetailsWire> {
    const out: Record<string, TaskDetailsWire> = {};
    for (const r of this.tasks.values()) {
      const [state, result] = wireState(r.state);
      out[r.id] = { id: r.id, verb: r.verb, state, code: r.code, message: r.message, result, tag: r.tag };
    }
    return out;
  }

  allInfo(): Record<string, { id: string; verb: string }> {
    return Object.fromEntries([...this.tasks.keys()].map((id) => [id, this.info(id)]));
  }

  /** Task.stop: aborts a running task; its recoveries then roll the work back. */
  stop(taskId: string): void {
    const r = this.get(taskId);
    if (DONE.has(r.state)) throw new VdsmError('TaskStateError', `task ${taskId} is ${r.state}`);
    r.aborted = true;
  }

  /** Task.clear: forgets a done task and removes its persisted directory. */
  async clear(taskId: string): Promise<void> {
    const r = this.get(taskId);
    if (!DONE.has(r.state)) throw new VdsmError('TaskStateError', `can't clear task in state ${r.state}`);
    this.tasks.delete(taskId);
    if (r.dir !== null) await rm(r.dir, { recursive: true, force: true });
  }

  /** Task.revert: runs the recoveries of a finished task, undoing its work. */
  async revert(taskId: string): Promise<void> {
    const r = this.get(taskId);
    if (!DONE.has(r.state)) throw new VdsmError('TaskStateError', `can't revert task in state ${r.state}`);
    await this.rollback(r);
    await this.persist(r);
  }

  runningTasks(): string[] {
    return [...this.tasks.values()].filter((r) => !DONE.has(r.state)).map((r) => r.id);
  }

  /**
   * Loads the persisted tasks of `tasksDir` (SPM start): done ones come back with their results; unfinished ones
   * were cut short by a dead SPM and are rolled back now.
   */
  async loadPersisted(tasksDir: string): Promise<string[]> {
    const loaded: string[] = [];
    for (const id of await listTaskDirs(tasksDir)) {
      if (!isUuid(id) || this.tasks.has(id)) continue;
      const dir = join(tasksDir, id);
      let fields: Record<string, string>;
      try {
        fields = await readFields(join(dir, `${id}.task`));
      } catch (error) {
        this.options.log?.warn({ err: error, taskId: id }, 'cannot load task');
        continue;
      }
      const recoveries: Recovery[] = [];
      for (let n = 0; n < Number(fields.nrecoveries ?? 0); n++) {
        try {
          const rec = await readFields(join(dir, `${id}.recover.${n}`));
          recoveries.push({ name: rec.name ?? '', params: JSON.parse(rec.params ?? '{}') as Record<string, unknown> });
        } catch {
          // a recovery announced in .task but never written: its change was not started either
        }
      }
      const state = (fields.state ?? 'init') as TaskState;
      const record: TaskRecord = {
        id,
        verb: fields.name ?? '',
        tag: fields.tag ?? 'spm',
        state,
        code: 0,
        message: '',
        result: '',
        recoveries,
        aborted: false,
        dir,
        writing: Promise.resolve(),
        done: Promise.resolve(),
      };
      if (DONE.has(state)) {
        const result = await readFields(join(dir, `${id}.result`)).catch(() => ({}) as Record<string, string>);
        record.code = Number(result.code ?? 0);
        record.message = result.message ?? '';
        record.result = result.result ?? '';
      } else {
        record.code = 100;
        record.message = 'Task was interrupted (SPM restarted); rolled back';
        record.done = this.rollback(record).then(() => this.persist(record));
      }
      this.tasks.set(id, record);
      loaded.push(id);
    }
    await Promise.all(loaded.map((id) => this.tasks.get(id)!.done));
    return loaded;
  }

  /** Drops SPM tasks from memory (SPM stop); they stay on disk for the next SPM. */
  forgetPersisted(): void {
    for (const [id, r] of this.tasks) if (r.dir !== null && DONE.has(r.state)) this.tasks.delete(id);
  }
}
