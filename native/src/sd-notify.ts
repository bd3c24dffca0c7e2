import { loadAddon } from './addon.js';

interface SdNotifyAddon {
  notify(state: string): boolean;
}

const addon = loadAddon<SdNotifyAddon>('sd_notify');

/** Sends a raw sd_notify state string. Returns false when not started by systemd (no NOTIFY_SOCKET). */
export function sdNotify(state: string): boolean {
  return addon.notify(state);
}

export const notifyReady = (status?: string): boolean =>
  sdNotify(status === undefined ? 'READY=1' : `READY=1\nSTATUS=${status}`);
export const notifyStatus = (status: string): boolean => sdNotify(`STATUS=${status}`);
export const notifyStopping = (): boolean => sdNotify('STOPPING=1');
export const notifyWatchdog = (): boolean => sdNotify('WATCHDOG=1');

/**
 * Starts WATCHDOG=1 pings at half the interval systemd asked for (WATCHDOG_USEC), as sd_watchdog_enabled(3)
 * recommends. Returns a stop function; does nothing when no watchdog is configured.
 */
export function startWatchdog(env: NodeJS.ProcessEnv = process.env): () => void {
  const usec = Number(env.WATCHDOG_USEC);
  const pid = env.WATCHDOG_PID === undefined ? undefined : Number(env.WATCHDOG_PID);
  if (!Number.isFinite(usec) || usec <= 0 || (pid !== undefined && pid !== process.pid)) return () => {};
  const timer = setInterval(notifyWatchdog, Math.max(1, Math.floor(usec / 2000)));
  timer.unref();
  return () => clearInterval(timer);
}
