/**
 * A short-lived connection to systemd's manager on the system bus (dbus-next). Calls are plain messages with
 * known signatures: no introspection round trip, and every failure becomes a SupervdsmError with a stable code.
 */

import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import dbus from 'dbus-next';

const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER_PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
const UNIT = 'org.freedesktop.systemd1.Unit';
const SERVICE = 'org.freedesktop.systemd1.Service';
const JOB = 'org.freedesktop.systemd1.Job';
const PROPERTIES = 'org.freedesktop.DBus.Properties';

/** D-Bus error names that mean "nobody answers for systemd here". */
const NOT_RUNNING = new Set(['org.freedesktop.DBus.Error.ServiceUnknown', 'org.freedesktop.DBus.Error.NameHasNoOwner']);
/** Errors of bus activation: a bus that tries to start systemd on demand (a plain dbus-daemon) has none to start. */
const ACTIVATION_FAILED = 'org.freedesktop.DBus.Error.Spawn.';

export type JobMethod = 'StartUnit' | 'StopUnit' | 'RestartUnit';

/** How a job ended, as JobRemoved reports it: done, canceled, timeout, failed, dependency or skipped. */
export type JobResult = string;

export interface UnitProperties {
  readonly id: string;
  readonly loadState: string;
  readonly activeState: string;
  readonly subState: string;
  /** Service units only; 0 for other types or when nothing runs. */
  readonly mainPid: number;
  /** Service units only: the Result property (success, exit-code, signal, timeout, ...). */
  readonly serviceResult: string | null;
  readonly execMainStatus: number | null;
}

interface Waiter {
  readonly resolve: (result: JobResult) => void;
}

export class SystemdManager {
  /** JobRemoved results that arrived before the caller knew the job path (fast jobs finish before the reply). */
  private readonly finished = new Map<string, JobResult>();
  private readonly waiters = new Map<string, Waiter>();
  private broken: SupervdsmError | null = null;
  private readonly onBroken = new Set<(err: SupervdsmError) => void>();

  private constructor(private readonly bus: dbus.MessageBus) {
    bus.on('message', (msg: dbus.Message) => this.onMessage(msg));
    bus.on('error', (err: unknown) => this.fail(connectionLost(err)));
  }

  /** Connects, subscribes to job signals, and fails with NOT_AVAILABLE when there is no bus or no systemd on it. */
  static async open(signal: AbortSignal): Promise<SystemdManager> {
    if (signal.aborted) throw aborted('connecting to the system bus');
    let bus: dbus.MessageBus;
    try {
      bus = dbus.systemBus();
    } catch (err) {
      // A malformed DBUS_SYSTEM_BUS_ADDRESS throws here rather than emitting 'error'.
      const address = JSON.stringify(process.env.DBUS_SYSTEM_BUS_ADDRESS ?? '');
      throw new SupervdsmError(
        'NOT_AVAILABLE',
        `bad system D-Bus address ${address}: ${(err as Error).message ?? err}`,
      );
    }
    // dbus-next can emit 'error' more than once on a dying connection, and an unhandled one would end supervdsmd.
    bus.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(aborted('connecting to the system bus'));
        bus.once('connect', () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
        bus.once('error', (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(
            new SupervdsmError('NOT_AVAILABLE', `no system D-Bus to reach systemd: ${(err as Error).message ?? err}`),
          );
        });
        signal.addEventListener('abort', onAbort, { once: true });
      });
    } catch (err) {
      bus.disconnect();
      throw err;
    }
    const manager = new SystemdManager(bus);
    try {
      await manager.call(
        'org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus',
        'AddMatch',
        's',
        [`type='signal',sender='${SYSTEMD}',interface='${MANAGER}',member='JobRemoved'`],
        signal,
      );
      // systemd sends JobRemoved only while at least one client is subscribed.
      await manager.call(SYSTEMD, MANAGER_PATH, MANAGER, 'Subscribe', '', [], signal);
    } catch (err) {
      manager.close();
      throw err;
    }
    return manager;
  }

  close(): void {
    this.bus.disconnect();
  }

  /** Queues a job with mode "replace" and resolves with its result once systemd removes it. */
  async runJob(method: JobMethod, unit: string, signal: AbortSignal): Promise<JobResult> {
    const [jobPath] = (await this.call(SYSTEMD, MANAGER_PATH, MANAGER, method, 'ss', [unit, 'replace'], signal)) as [
      string,
    ];
    try {
      return await this.waitForJob(jobPath, signal);
    } catch (err) {
      // Out of time: take the job back so it does not run on behind the caller's back.
      if (signal.aborted) await this.cancelJob(jobPath);
      throw err;
    }
  }

  async reload(signal: AbortSignal): Promise<void> {
    await this.call(SYSTEMD, MANAGER_PATH, MANAGER, 'Reload', '', [], signal);
  }

  /** Loads the unit (an unknown name gives LoadState "not-found") and reads its state. */
  async unitProperties(unit: string, signal: AbortSignal): Promise<UnitProperties> {
    const [path] = (await this.call(SYSTEMD, MANAGER_PATH, MANAGER, 'LoadUnit', 's', [unit], signal)) as [string];
    const props = await this.getAll(path, UNIT, signal);
    const loadState = text(props.LoadState);
    const isService = unit.endsWith('.service') && loadState === 'loaded';
    const service = isService ? await this.getAll(path, SERVICE, signal) : {};
    return {
      id: text(props.Id) || unit,
      loadState,
      activeState: text(props.ActiveState),
      subState: text(props.SubState),
      mainPid: isService ? count(service.MainPID) : 0,
      serviceResult: isService ? text(service.Result) : null,
      execMainStatus: isService ? count(service.ExecMainStatus) : null,
    };
  }

  private async getAll(path: string, iface: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    const [props] = (await this.call(SYSTEMD, path, PROPERTIES, 'GetAll', 's', [iface], signal)) as [
      Record<string, dbus.Variant>,
    ];
    const out: Record<string, unknown> = {};
    for (const [key, variant] of Object.entries(props ?? {})) out[key] = variant.value;
    return out;
  }

  private waitForJob(jobPath: string, signal: AbortSignal): Promise<JobResult> {
    const early = this.finished.get(jobPath);
    if (early !== undefined) {
      this.finished.delete(jobPath);
      return Promise.resolve(early);
    }
    return new Promise<JobResult>((resolve, reject) => {
      const cleanup = (): void => {
        this.waiters.delete(jobPath);
        this.onBroken.delete(onBroken);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        cleanup();
        reject(aborted(`waiting for systemd job ${jobPath}`));
      };
      const onBroken = (err: SupervdsmError): void => {
        cleanup();
        reject(err);
      };
      if (this.broken !== null) return reject(this.broken);
      if (signal.aborted) return onAbort();
      this.waiters.set(jobPath, {
        resolve: (result) => {
          cleanup();
          resolve(result);
        },
      });
      this.onBroken.add(onBroken);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async cancelJob(jobPath: string): Promise<void> {
    try {
      await this.call(SYSTEMD, jobPath, JOB, 'Cancel', '', [], AbortSignal.timeout(2000));
    } catch {
      // The job may have finished meanwhile (NoSuchJob); either way there is nothing left to cancel.
    }
  }

  private onMessage(msg: dbus.Message): void {
    if (msg.type !== dbus.MessageType.SIGNAL || msg.interface !== MANAGER || msg.member !== 'JobRemoved') return;
    const [, jobPath, , result] = msg.body as [number, string, string, string];
    const waiter = this.waiters.get(jobPath);
    if (waiter !== undefined) waiter.resolve(result);
    else {
      this.finished.set(jobPath, result);
      // Keep the buffer small: only this connection's own jobs are ever claimed.
      if (this.finished.size > 256) this.finished.delete(this.finished.keys().next().value as string);
    }
  }

  private fail(err: SupervdsmError): void {
    if (this.broken !== null) return;
    this.broken = err;
    for (const notify of [...this.onBroken]) notify(err);
  }

  private call(
    destination: string,
    path: string,
    iface: string,
    member: string,
    signature: string,
    body: readonly unknown[],
    signal: AbortSignal,
  ): Promise<unknown[]> {
    if (this.broken !== null) return Promise.reject(this.broken);
    if (signal.aborted) return Promise.reject(aborted(`${member}`));
    const message = new dbus.Message({ destination, path, interface: iface, member, signature, body: [...body] });
    return new Promise<unknown[]>((resolve, reject) => {
      const cleanup = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.onBroken.delete(onBroken);
      };
      const onAbort = (): void => {
        cleanup();
        reject(aborted(member));
      };
      const onBroken = (err: SupervdsmError): void => {
        cleanup();
        reject(err);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.onBroken.add(onBroken);
      this.bus.call(message).then(
        (reply) => {
          cleanup();
          resolve(reply?.body ?? []);
        },
        (err: unknown) => {
          cleanup();
          reject(fromDbusError(err, member));
        },
      );
    });
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function count(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return 0;
}

function aborted(what: string): SupervdsmError {
  return new SupervdsmError('TIMEOUT', `${what}: timed out`);
}

function connectionLost(err: unknown): SupervdsmError {
  return new SupervdsmError('NOT_AVAILABLE', `lost the system D-Bus connection: ${(err as Error)?.message ?? err}`);
}

/** Maps a D-Bus error reply to our codes; the D-Bus name stays in the message for the log. */
export function fromDbusError(err: unknown, member: string): SupervdsmError {
  if (err instanceof SupervdsmError) return err;
  if (!(err instanceof dbus.DBusError))
    return new SupervdsmError('INTERNAL', `${member}: ${(err as Error)?.message ?? err}`);
  const detail = `${err.text} (${err.type})`;
  if (NOT_RUNNING.has(err.type) || err.type.startsWith(ACTIVATION_FAILED))
    return new SupervdsmError('NOT_AVAILABLE', `systemd is not running on the system bus: ${detail}`);
  if (err.type === 'org.freedesktop.systemd1.NoSuchUnit' || err.type === 'org.freedesktop.systemd1.LoadFailed')
    return new SupervdsmError('INVALID_PARAMS', detail);
  if (
    err.type === 'org.freedesktop.DBus.Error.AccessDenied' ||
    err.type === 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'
  )
    return new SupervdsmError('PERMISSION_DENIED', detail);
  return new SupervdsmError('COMMAND_FAILED', `${member}: ${detail}`);
}
