import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';
export const LOG_LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export interface LoggingOptions {
  /** Daemon name, bound to every line. */
  readonly name: string;
  readonly level: Level;
  /** JSON lines to this file; empty or undefined logs to stderr. */
  readonly file?: string;
  /** Pretty-print for people; defaults to whether stderr is a terminal. */
  readonly pretty?: boolean;
}

/**
 * One root logger per daemon and one child per module. pino children copy their level when created, so the
 * registry remembers them all and setLevel reaches every one (what Host.setLogLevel needs).
 */
export class Logging {
  readonly root: Logger;
  private readonly modules = new Map<string, Logger>();

  constructor(options: LoggingOptions, destination?: DestinationStream) {
    this.root = pino(
      { name: options.name, level: options.level, base: { pid: process.pid } },
      destination ?? pickDestination(options),
    );
  }

  /** The logger of one module (e.g. 'rpc.stomp'); the same instance on every call. */
  get(module: string): Logger {
    let logger = this.modules.get(module);
    if (logger === undefined) {
      logger = this.root.child({ module });
      this.modules.set(module, logger);
    }
    return logger;
  }

  /** Changes the level of every module, or of the one named. */
  setLevel(level: string, module?: string): void {
    if (!isLevel(level))
      throw new RangeError(`unknown log level ${JSON.stringify(level)} (known: ${LOG_LEVELS.join(', ')})`);
    if (module !== undefined) {
      this.get(module).level = level;
      return;
    }
    this.root.level = level;
    for (const logger of this.modules.values()) logger.level = level;
  }

  /** Writes out buffered lines; call before exiting. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.root.flush(() => resolve()));
  }
}

export function isLevel(value: string): value is Level {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function pickDestination(options: LoggingOptions): DestinationStream {
  if (options.file !== undefined && options.file !== '') {
    return pino.destination({ dest: options.file, mkdir: true, sync: false });
  }
  if (options.pretty ?? process.stderr.isTTY === true) {
    return pretty({
      destination: 2,
      sync: true,
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
  }
  return pino.destination({ dest: 2, sync: false });
}

/** A logger that drops everything, for code under test whose log lines are not what the test checks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A daemon's Logging that writes nowhere, for wiring under test (e.g. an in-process API and dispatcher). */
export function silentLogging(): Logging {
  return new Logging({ name: 'test', level: 'fatal' }, new Writable({ write: (_chunk, _encoding, done) => done() }));
}
