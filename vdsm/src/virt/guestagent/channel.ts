/**
 * vdsmd's end of one VM's oVirt guest agent channel (upstream `guestagent.py` + `vmchannels.py`): connects to the
 * socket QEMU binds for the `ovirt-guest-agent.0` port, keeps reconnecting, reads bounded lines into GuestInfo,
 * negotiates the API version from heartbeats and sends commands. Nothing the guest sends closes the channel: bad
 * input is counted, logged (rate-limited) and dropped.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '@vdsm-ts/common/logging';
import type { HostCommandName, HostCommandWireArgs, LifecycleEventType } from '@vdsm-ts/guest-agent/protocol/commands';
import type { ProtocolErrorCode } from '@vdsm-ts/guest-agent/protocol/errors';
import { DEFAULT_MAX_LINE, encodeLine } from '@vdsm-ts/guest-agent/protocol/framing';
import type { DiskMapping } from '@vdsm-ts/guest-agent/protocol/messages';
import {
  COMMAND_MIN_API_VERSION,
  clampApiVersion,
  DISABLED_API_VERSION,
  MAX_API_VERSION,
} from '@vdsm-ts/guest-agent/protocol/version';
import { negotiateOnHeartbeat } from './api-version.js';
import { ChannelConnection } from './connection.js';
import { GuestInfo } from './guest-info.js';
import { MessageReader } from './reader.js';

export interface ChannelTiming {
  /** the agent counts as responsive this long after its last message (upstream: 120 s, hard-coded) */
  readonly responsiveMs: number;
  /** without a heartbeat this long memUsage falls back to 0 (upstream: guest_agent_timeout, 30 s) */
  readonly heartbeatTimeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** longest line accepted, newline included (upstream MAX_MESSAGE_SIZE, 1 MiB) */
  readonly maxLineBytes: number;
}

export const DEFAULT_CHANNEL_TIMING: ChannelTiming = {
  responsiveMs: 120_000,
  heartbeatTimeoutMs: 30_000,
  retryInitialMs: 500,
  retryMaxMs: 30_000,
  maxLineBytes: DEFAULT_MAX_LINE,
};

export interface GuestAgentChannelOptions {
  readonly vmId: string;
  /** e.g. /var/lib/libvirt/qemu/channels/<vmId>.ovirt-guest-agent.0 */
  readonly socketPath: string;
  readonly logger: Logger;
  /** the version stored in the VM metadata (`guestAgentAPIVersion`); 0 when unknown */
  readonly apiVersion?: number;
  /** the VM's memory size; with it stats() carries memUsage computed from the heartbeat's free-ram */
  readonly memSizeMiB?: number;
  readonly timing?: Partial<ChannelTiming>;
}

export interface ShutdownRequest {
  readonly delaySeconds: number;
  readonly message: string;
  readonly reboot: boolean;
}

export interface ChannelCounters {
  connects: number;
  disconnects: number;
  messages: number;
  commandsSent: number;
  refused: Partial<Record<ProtocolErrorCode, number>>;
}

export interface GuestAgentChannelEvents {
  connected: [];
  disconnected: [reason: string];
  /** a message was applied (or, for unknown names, at least decoded) */
  message: [name: string];
  /** the negotiated API version changed; store it as the VM's guestAgentAPIVersion */
  apiVersion: [version: number];
  refused: [code: ProtocolErrorCode];
}

const ECHO_ID_KEY = 'vdsmEchoId';

export class GuestAgentChannel extends EventEmitter<GuestAgentChannelEvents> {
  readonly vmId: string;
  readonly socketPath: string;
  readonly counters: ChannelCounters = { connects: 0, disconnects: 0, messages: 0, commandsSent: 0, refused: {} };
  readonly #log: Logger;
  readonly #timing: ChannelTiming;
  readonly #memSizeMiB: number | undefined;
  readonly #info = new GuestInfo();
  readonly #reader: MessageReader;
  readonly #connection: ChannelConnection;
  /** echo and lifecycle-event replies awaited, by the id we sent */
  readonly #replyWaiters = new Map<string, (args: Record<string, unknown> | undefined) => void>();
  #apiVersion: number;
  #lastMessageAt: number | undefined;
  #lastHeartbeatAt: number | undefined;

  constructor(o: GuestAgentChannelOptions) {
    super();
    this.vmId = o.vmId;
    this.socketPath = o.socketPath;
    this.#log = o.logger.child({ vmId: o.vmId, channel: 'ovirt-guest-agent' });
    this.#timing = { ...DEFAULT_CHANNEL_TIMING, ...o.timing };
    this.#memSizeMiB = o.memSizeMiB;
    this.#apiVersion = clampApiVersion(o.apiVersion ?? DISABLED_API_VERSION);
    this.#reader = new MessageReader(
      {
        message: (name, args) => this.#onMessage(name, args),
        refused: (code, detail) => this.#refuse(code, detail),
      },
      this.#timing.maxLineBytes,
    );
    this.#connection = new ChannelConnection(
      o.socketPath,
      { initialMs: this.#timing.retryInitialMs, maxMs: this.#timing.retryMaxMs },
      {
        connected: () => this.#onConnected(),
        data: (chunk) => this.#reader.push(chunk),
        disconnected: (reason) => this.#onDisconnected(reason),
      },
    );
  }

  start(): void {
    this.#connection.start();
  }

  stop(): void {
    this.#connection.stop();
    this.#reader.reset();
    for (const settle of [...this.#replyWaiters.values()]) settle(undefined);
    this.#replyWaiters.clear();
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  /** the negotiated API version (0: base protocol only) */
  get apiVersion(): number {
    return this.#apiVersion;
  }

  /** Any message from the agent within the last 120 s (upstream's rule). */
  isResponsive(): boolean {
    return this.#lastMessageAt !== undefined && performance.now() - this.#lastMessageAt < this.#timing.responsiveMs;
  }

  /** `Up` once a heartbeat was processed and the agent is still responsive; the VM status follows it. */
  guestStatus(): 'Up' | undefined {
    return this.#lastHeartbeatAt !== undefined && this.isResponsive() ? 'Up' : undefined;
  }

  /** The guest rebooted (libvirt said so): the user is logged out and the guest is not Up until the next heartbeat. */
  guestRebooted(): void {
    this.#info.guestRebooted();
    this.#lastHeartbeatAt = undefined;
  }

  /** The guest's disk serial → device mapping from the last disks-usage (upstream guestDiskMapping). */
  diskMapping(): Readonly<DiskMapping> {
    return structuredClone(this.#info.diskMapping);
  }

  /** The guest part of VM.getStats, upstream field names and encodings. */
  stats(): Readonly<Record<string, unknown>> {
    return this.#info.stats({ responsive: this.isResponsive(), memUsage: this.#memUsage() });
  }

  /** Asks the agent to power the guest off (or reboot) after `delaySeconds`; false unless the agent is responsive. */
  async shutdown(o: ShutdownRequest): Promise<boolean> {
    if (!Number.isFinite(o.delaySeconds) || o.delaySeconds < 0) {
      throw new RangeError(`delaySeconds must be a non-negative number, got ${o.delaySeconds}`);
    }
    return this.#sendIfResponsive('shutdown', {
      timeout: Math.trunc(o.delaySeconds),
      message: o.message,
      // The agent compares the string; a JSON boolean would silently mean "shut down".
      reboot: o.reboot ? 'True' : 'False',
    });
  }

  /** VM.desktopLock */
  async lockScreen(): Promise<boolean> {
    return this.#sendIfResponsive('lock-screen', {});
  }

  /** VM.desktopLogoff */
  async logoff(): Promise<boolean> {
    return this.#sendIfResponsive('log-off', {});
  }

  /** Asks the agent to report everything again. */
  async refresh(): Promise<boolean> {
    return this.#sendIfResponsive('refresh', { apiVersion: MAX_API_VERSION });
  }

  /**
   * Sends `echo` and resolves with the arguments the agent sends back, or undefined when the agent is not
   * responsive or no reply comes within `timeoutMs`.
   */
  async echo(
    args: Readonly<Record<string, unknown>> = {},
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown> | undefined> {
    if (!this.isResponsive()) return undefined;
    return this.#awaitReply(timeoutMs, (id) => this.#send('echo', { ...args, [ECHO_ID_KEY]: id }));
  }

  /**
   * Tells the agent about a migration or hibernation (API 3 and later). A `before_*` event carries a reply id and
   * waits up to `replyTimeoutMs` (upstream guest_lifecycle_event_reply_timeout, 10 s) for the agent's `completion`,
   * which comes once its hooks ran. Resolves true when completed (before_*) or sent (after_*); false when the agent
   * is not responsive, speaks an older API, or did not answer in time.
   */
  async lifecycleEvent(
    type: LifecycleEventType,
    o: { readonly failure?: boolean; readonly replyTimeoutMs?: number } = {},
  ): Promise<boolean> {
    if (!this.isResponsive()) return false;
    if (!type.startsWith('before_')) {
      return this.#send('lifecycle-event', { type, ...(o.failure === true ? { failure: true } : {}) });
    }
    const reply = await this.#awaitReply(o.replyTimeoutMs ?? 10_000, (id) =>
      this.#send('lifecycle-event', { type, reply_id: id }),
    );
    return reply !== undefined;
  }

  /** Sends a command carrying a fresh id and resolves with the reply that names it, or undefined at the deadline. */
  #awaitReply(timeoutMs: number, send: (id: string) => boolean): Promise<Record<string, unknown> | undefined> {
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), timeoutMs);
      const settle = (reply: Record<string, unknown> | undefined): void => {
        clearTimeout(timer);
        this.#replyWaiters.delete(id);
        resolve(reply);
      };
      this.#replyWaiters.set(id, settle);
      if (!send(id)) settle(undefined);
    });
  }

  #onConnected(): void {
    this.counters.connects++;
    this.#reader.reset();
    this.#log.debug({ path: this.socketPath }, 'guest agent channel connected');
    // Upstream advertises the highest version on every connect; only api-version changes the agent's.
    this.#send('refresh', { apiVersion: MAX_API_VERSION });
    this.emit('connected');
  }

  #onDisconnected(reason: string): void {
    this.counters.disconnects++;
    this.#reader.reset();
    this.#log.debug({ reason }, 'guest agent channel disconnected; reconnecting');
    this.emit('disconnected', reason);
  }

  #onMessage(name: string, args: Record<string, unknown>): void {
    this.#lastMessageAt = performance.now();
    this.counters.messages++;
    const result = this.#info.apply(name, args);
    if (!result.ok) {
      this.#refuse(result.code, result.detail);
      if (result.code === 'GA_ERR_UNKNOWN_NAME') this.emit('message', name);
      return;
    }
    if (name === 'heartbeat') this.#onHeartbeat(args);
    else if (name === 'echo') this.#onEcho(args);
    else if (name === 'completion' && typeof args.reply_id === 'string') this.#replyWaiters.get(args.reply_id)?.(args);
    this.emit('message', name);
  }

  #onHeartbeat(args: Record<string, unknown>): void {
    this.#lastHeartbeatAt = this.#lastMessageAt;
    const step = negotiateOnHeartbeat(this.#apiVersion, args);
    if (step.version === this.#apiVersion) return;
    this.#log.info({ from: this.#apiVersion, to: step.version }, 'guest agent API version changed');
    this.#apiVersion = step.version;
    if (step.announce) this.#send('api-version', { apiVersion: step.version });
    this.emit('apiVersion', step.version);
  }

  #onEcho(args: Record<string, unknown>): void {
    const id = args[ECHO_ID_KEY];
    if (typeof id !== 'string') return;
    const { [ECHO_ID_KEY]: _id, ...rest } = args;
    this.#replyWaiters.get(id)?.(rest);
  }

  #refuse(code: ProtocolErrorCode, detail: string): void {
    const count = (this.counters.refused[code] ?? 0) + 1;
    this.counters.refused[code] = count;
    // A broken or hostile agent can send these at line rate: log the 1st, 2nd, 4th, 8th, ... of each kind.
    const level = (count & (count - 1)) === 0 ? 'warn' : 'debug';
    this.#log[level]({ code, count, detail: detail.slice(0, 200) }, 'guest agent input ignored');
    this.emit('refused', code);
  }

  #memUsage(): string | undefined {
    const size = this.#memSizeMiB;
    if (size === undefined || size <= 0) return undefined;
    const free = this.#info.freeRamMiB;
    const fresh =
      this.#lastHeartbeatAt !== undefined &&
      performance.now() - this.#lastHeartbeatAt < this.#timing.heartbeatTimeoutMs;
    if (free === undefined || !fresh) return '0';
    return String(Math.min(100, Math.max(0, Math.trunc(100 - (free / size) * 100))));
  }

  async #sendIfResponsive<N extends HostCommandName>(name: N, args: HostCommandWireArgs[N]): Promise<boolean> {
    if (!this.isResponsive()) {
      this.#log.info({ command: name }, 'guest agent not responsive; command not sent');
      return false;
    }
    return this.#send(name, args);
  }

  #send<N extends HostCommandName>(name: N, args: HostCommandWireArgs[N]): boolean {
    if (COMMAND_MIN_API_VERSION[name] > this.#apiVersion) {
      this.#log.warn({ command: name, apiVersion: this.#apiVersion }, 'command needs a newer guest agent API');
      return false;
    }
    const sent = this.#connection.write(encodeLine(name, args));
    if (sent) this.counters.commandsSent++;
    else this.#log.debug({ command: name }, 'guest agent channel not connected; command not sent');
    return sent;
  }
}
