/**
 * The agent: reports on schedules, answers host commands, negotiates the API version. It wires the
 * transport, the line splitter and the collectors together; bytes are parsed by the protocol module.
 */
import { hostname } from 'node:os';
import { findPackageTools, listApplications, type PackageTools } from '../collectors/applications.js';
import { listContainers } from '../collectors/containers.js';
import { diskMapping, disksUsage } from '../collectors/disks.js';
import { MemorySampler } from '../collectors/memory.js';
import { listInterfaces } from '../collectors/network.js';
import { getFqdn, numberOfCpus, osInfo, osVersion, timezone } from '../collectors/system.js';
import { activeUser } from '../collectors/users.js';
import { type HostCommand, parseCommand } from '../protocol/commands.js';
import type { ProtocolErrorCode } from '../protocol/errors.js';
import { decodeLine, encodeLine, LineSplitter } from '../protocol/framing.js';
import type { GuestMessageArgs, GuestMessageName } from '../protocol/messages.js';
import {
  clampApiVersion,
  DISABLED_API_VERSION,
  MAX_API_VERSION,
  MESSAGE_MIN_API_VERSION,
} from '../protocol/version.js';
import { type ActionOutcome, GuestActions } from './actions.js';
import type { AgentConfig } from './config.js';
import type { Logger } from './log.js';
import { openTransport, type Transport } from './transport.js';

export interface AgentCounters {
  linesIn: number;
  commands: number;
  messagesOut: number;
  /** messages not sent because the negotiated version is too low */
  gated: number;
  refused: Partial<Record<ProtocolErrorCode, number>>;
}

/** Guest actions (programs) allowed to wait for their turn; more are refused. */
const MAX_PENDING_ACTIONS = 8;

type Handlers = { [N in HostCommand['name']]: (command: Extract<HostCommand, { name: N }>) => Promise<void> };

export class Agent {
  readonly counters: AgentCounters = { linesIn: 0, commands: 0, messagesOut: 0, gated: 0, refused: {} };
  #apiVersion = DISABLED_API_VERSION;
  #firstHeartbeat = true;
  #lastUser: string | undefined;
  #transport: Transport | undefined;
  #stopped = false;
  #packageTools: PackageTools | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** report sequences run one after another so their messages never interleave */
  #sequence: Promise<void> = Promise.resolve();
  #refreshQueued: Promise<void> | undefined;
  #actionChain: Promise<void> = Promise.resolve();
  #pendingActions = 0;
  readonly #memory = new MemorySampler();
  readonly #actions: GuestActions;
  readonly #splitter: LineSplitter;
  readonly #handlers: Handlers;

  constructor(
    private readonly config: AgentConfig,
    private readonly device: string,
    private readonly log: Logger,
  ) {
    this.#actions = new GuestActions(config, log);
    this.#splitter = new LineSplitter(
      {
        line: (line) => void this.#onLine(line),
        oversized: (dropped) => this.#refuse('GA_ERR_LINE_TOO_LONG', `${dropped} bytes`),
      },
      config.max_line,
    );
    this.#handlers = {
      refresh: (c) => this.#onRefresh(c.apiVersion),
      'api-version': (c) => this.#onApiVersion(c.apiVersion),
      shutdown: (c) => this.#onShutdown(c.timeout, c.message, c.reboot),
      'lock-screen': () => this.#action('lock-screen', () => this.#actions.lockScreen()),
      'log-off': () => this.#action('log-off', async () => this.#actions.logOff(await activeUser(this.config.utmp))),
      login: async () => {
        // Single sign-on needs a desktop credentials plugin (GDM/KDM), which this agent does not ship.
        this.log.error('command not implemented: login (single sign-on)');
      },
      echo: async (c) => {
        this.#send('echo', c.args);
      },
      hibernate: (c) => this.#action('hibernate', () => this.#actions.hibernate(c.state)),
      'set-number-of-cpus': async (c) => {
        // Linux onlines hot-plugged CPUs by itself; report what is online now.
        this.log.info('set-number-of-cpus', { count: c.count });
        await this.#serial(() => this.#sendNumberOfCpus());
      },
      'lifecycle-event': (c) =>
        this.#limited(`hooks ${c.type}`, async () => {
          for (const r of await this.#actions.runHooks(c.type)) this.#report(`hook ${c.type}`, r);
          if (c.replyId !== undefined) this.#send('completion', { reply_id: c.replyId, done: true });
        }),
    };
  }

  get apiVersion(): number {
    return this.#apiVersion;
  }

  async start(): Promise<void> {
    this.#packageTools = await findPackageTools();
    const transport = await openTransport(
      this.device,
      {
        onData: (chunk) => this.#splitter.push(chunk),
        onConnected: () => this.#splitter.reset(),
        onDisconnected: (reason) => {
          this.#splitter.reset();
          this.log.debug('channel down', { reason });
        },
      },
      this.log,
      () => this.#stopped,
    );
    if (transport === undefined) return;
    this.#transport = transport;
    this.log.info('agent started', { device: this.device, transport: transport.kind });
    // Heartbeats stay off the serial queue: a slow package query must not make the guest look dead.
    this.#every(this.config.heart_beat_rate, () => this.#heartbeat());
    await this.#serial(() => this.#startSequence());
    this.#every(this.config.report_user_rate, () => this.#serial(() => this.#sendUser(false)));
    this.#every(this.config.report_num_cpu_rate, () => this.#serial(() => this.#sendNumberOfCpus()));
    this.#every(this.config.report_application_rate, () =>
      this.#serial(async () => {
        await this.#sendApplications();
        await this.#sendInfo();
        await this.#sendContainers();
        await this.#sendFqdn();
      }),
    );
    this.#every(this.config.report_disk_usage, () => this.#serial(() => this.#sendDisksUsage()));
  }

  /** Sends session-shutdown, lets queued messages out (bounded) and stops every schedule. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#send('session-shutdown', {});
    await this.#transport?.close(2000);
    this.log.info('agent stopped', { counters: this.counters });
  }

  // ---- incoming ----

  async #onLine(line: Buffer): Promise<void> {
    this.counters.linesIn++;
    const decoded = decodeLine(line);
    if (!decoded.ok) {
      this.#refuse(decoded.error.code, decoded.error.message);
      return;
    }
    const parsed = parseCommand(decoded.name, decoded.args);
    if (!parsed.ok) {
      this.#refuse(parsed.error.code, parsed.error.message);
      return;
    }
    this.counters.commands++;
    const command = parsed.command;
    this.log.info('command received', { name: command.name });
    try {
      await (this.#handlers[command.name] as (c: HostCommand) => Promise<void>)(command);
    } catch (err) {
      this.log.error('command failed', { name: command.name, error: (err as Error).message });
    }
  }

  #refuse(code: ProtocolErrorCode, message: string): void {
    this.counters.refused[code] = (this.counters.refused[code] ?? 0) + 1;
    const level = code === 'GA_ERR_UNKNOWN_NAME' ? 'error' : 'warn';
    this.log[level]('ignored input from host', { code, message: message.slice(0, 200) });
  }

  async #onRefresh(apiVersion: number | undefined): Promise<void> {
    if (apiVersion === undefined && this.#apiVersion > DISABLED_API_VERSION) {
      this.log.info('host does not negotiate API versions; disabling versioning');
      this.#apiVersion = DISABLED_API_VERSION;
    }
    await this.#queueRefresh();
  }

  async #onApiVersion(requested: number): Promise<void> {
    const next = clampApiVersion(requested);
    if (next === this.#apiVersion) return;
    this.log.info('API version updated', { from: this.#apiVersion, to: next });
    this.#apiVersion = next;
    await this.#queueRefresh();
  }

  #onShutdown(timeout: number, message: string, reboot: boolean): Promise<void> {
    this.log.info(reboot ? 'rebooting' : 'shutting down', { timeout, message });
    return this.#action(reboot ? 'reboot' : 'shutdown', () => this.#actions.shutdown(timeout, message, reboot));
  }

  #report(what: string, result: ActionOutcome): void {
    if (result.ok) this.log.info(`${what} done`, { argv: result.argv });
    else this.log.error(`${what} failed`, { argv: result.argv, detail: result.detail });
  }

  // ---- outgoing ----

  /** Sends one message if the negotiated version allows it; false when gated or dropped. */
  #send<N extends GuestMessageName>(name: N, args: GuestMessageArgs[N]): boolean {
    if (MESSAGE_MIN_API_VERSION[name] > this.#apiVersion) {
      this.counters.gated++;
      return false;
    }
    const transport = this.#transport;
    if (transport === undefined) return false;
    const sent = transport.write(encodeLine(name, args));
    if (sent) this.counters.messagesOut++;
    return sent;
  }

  /** Runs a collector; a failure is logged and that message skipped, never fatal. */
  async #collect<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.log.warn('collector failed', { what, error: (err as Error).message });
      return undefined;
    }
  }

  /**
   * Queues a full refresh unless one is already waiting to start: that one will report the state as it
   * is when it runs, so a burst of refresh commands costs at most two refreshes.
   */
  #queueRefresh(): Promise<void> {
    if (this.#refreshQueued !== undefined) return this.#refreshQueued;
    const queued = this.#serial(() => {
      this.#refreshQueued = undefined;
      return this.#fullRefresh();
    });
    this.#refreshQueued = queued;
    return queued;
  }

  /**
   * Runs a guest action (a program) one at a time; beyond MAX_PENDING_ACTIONS waiting, new ones are
   * refused, so a flood of commands cannot fork a flood of processes.
   */
  #action(what: string, task: () => Promise<ActionOutcome>): Promise<void> {
    return this.#limited(what, async () => this.#report(what, await task()));
  }

  #limited(what: string, task: () => Promise<void>): Promise<void> {
    if (this.#pendingActions >= MAX_PENDING_ACTIONS) {
      this.log.warn('too many pending actions; command dropped', { what, pending: this.#pendingActions });
      return Promise.resolve();
    }
    this.#pendingActions++;
    const next = this.#actionChain.then(async () => {
      try {
        await task();
      } finally {
        this.#pendingActions--;
      }
    });
    this.#actionChain = next.catch(() => {});
    return next;
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const next = this.#sequence.then(task, task);
    this.#sequence = next.catch(() => {});
    return next;
  }

  #every(seconds: number, task: () => Promise<void>): void {
    const schedule = (): void => {
      if (this.#stopped) return;
      const timer = setTimeout(async () => {
        this.#timers.delete(timer);
        await task().catch((err: Error) => this.log.error('periodic task failed', { error: err.message }));
        schedule();
      }, seconds * 1000);
      this.#timers.add(timer);
    };
    schedule();
  }

  async #startSequence(): Promise<void> {
    this.#send('session-startup', {});
    await this.#sendInfo();
    await this.#sendUser(false);
    await this.#sendApplications();
    await this.#sendContainers();
    await this.#sendFqdn();
    await this.#sendTimezone();
    await this.#sendOsInfo();
  }

  async #fullRefresh(): Promise<void> {
    this.#send('session-startup', {});
    await this.#sendUser(true);
    await this.#sendApplications();
    await this.#sendContainers();
    await this.#sendInfo();
    await this.#sendDisksUsage();
    await this.#sendFqdn();
    await this.#sendTimezone();
    await this.#sendOsInfo();
  }

  async #heartbeat(): Promise<void> {
    const mem = await this.#collect('memory', () => this.#memory.sample());
    if (mem === undefined) return;
    // The first heartbeat after start offers version 0 and later ones the maximum: the change makes a host
    // that already stored a version send api-version again.
    const offered = this.#firstHeartbeat ? DISABLED_API_VERSION : MAX_API_VERSION;
    if (this.#send('heartbeat', { 'free-ram': mem.freeRam, 'memory-stat': mem.stat, apiVersion: offered })) {
      this.#firstHeartbeat = false;
    }
  }

  async #sendInfo(): Promise<void> {
    const name = (await this.#collect('fqdn', () => getFqdn())) ?? hostname();
    this.#send('host-name', { name });
    this.#send('os-version', { version: osVersion() });
    const interfaces = await this.#collect('network', () => listInterfaces(this.config.ignored_nics));
    if (interfaces !== undefined) this.#send('network-interfaces', { interfaces });
  }

  async #sendUser(force: boolean): Promise<void> {
    const name = await activeUser(this.config.utmp);
    if (force || name !== this.#lastUser) {
      if (this.#send('active-user', { name })) this.#lastUser = name;
    }
  }

  async #sendApplications(): Promise<void> {
    const tools = this.#packageTools;
    if (tools === undefined) return;
    const applications = await this.#collect('applications', () =>
      listApplications(this.config.applications_list, tools),
    );
    if (applications !== undefined) this.#send('applications', { applications });
  }

  async #sendContainers(): Promise<void> {
    if (MESSAGE_MIN_API_VERSION.containers > this.#apiVersion) return;
    this.#send('containers', { list: await listContainers(this.config.docker_socket) });
  }

  async #sendFqdn(): Promise<void> {
    this.#send('fqdn', { fqdn: (await this.#collect('fqdn', () => getFqdn())) ?? hostname() });
  }

  async #sendTimezone(): Promise<void> {
    if (MESSAGE_MIN_API_VERSION.timezone > this.#apiVersion) return;
    const tz = await this.#collect('timezone', () => timezone());
    if (tz !== undefined) this.#send('timezone', tz);
  }

  async #sendOsInfo(): Promise<void> {
    if (MESSAGE_MIN_API_VERSION['os-info'] > this.#apiVersion) return;
    const info = await this.#collect('os-info', () => osInfo());
    if (info !== undefined) this.#send('os-info', info);
  }

  async #sendDisksUsage(): Promise<void> {
    const disks = await this.#collect('disks', () =>
      disksUsage(this.config.ignored_fs, this.config.ignore_zero_size_fs),
    );
    if (disks === undefined) return;
    const mapping = (await this.#collect('disk mapping', () => diskMapping())) ?? {};
    this.#send('disks-usage', { disks, mapping });
  }

  async #sendNumberOfCpus(): Promise<void> {
    this.#send('number-of-cpus', { count: await numberOfCpus() });
  }
}
