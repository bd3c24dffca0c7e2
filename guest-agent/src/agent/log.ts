/**
 * A small leveled logger writing one line per record to stderr (journald adds the timestamp and unit).
 * Levels below the threshold are replaced by a no-op once, so a filtered call costs one empty call.
 */
import type { LogLevel } from './config.js';

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFn = (message: string, fields?: Readonly<Record<string, unknown>>) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  setLevel(level: LogLevel): void;
}

const noop: LogFn = () => {};

function safeJson(fields: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify(fields);
  } catch {
    return '{"fields":"unserializable"}';
  }
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const make =
    (name: LogLevel): LogFn =>
    (message, fields) =>
      write(`${name.toUpperCase()} ${message}${fields === undefined ? '' : ` ${safeJson(fields)}`}\n`);
  const logger: Logger = {
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    setLevel(next) {
      for (const name of Object.keys(ORDER) as LogLevel[]) {
        logger[name] = ORDER[name] >= ORDER[next] ? make(name) : noop;
      }
    },
  };
  logger.setLevel(level);
  return logger;
}
