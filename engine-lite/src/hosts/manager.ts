/** Owns one HostMonitor per host, and the host lifecycle verbs (add, activate, deactivate, remove). */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ClientTlsOptions, VdsmClient } from '@vdsm-ts/vdsm/client/index';
import type { Db } from '../db/db.js';
import { events } from '../db/repo/events.js';
import { type Host, type HostStatus, hosts } from '../db/repo/hosts.js';
import { vms } from '../db/repo/vms.js';
import { EngineError } from '../errors.js';
import { HostMonitor, type MonitorConfig } from './monitor.js';

export interface NewHost {
  name: string;
  address: string;
  port: number;
  clusterId: string;
  tls: boolean;
  spmPriority: number;
}

export class HostManager extends EventEmitter<{ status: [string, HostStatus]; cycle: [string] }> {
  private readonly monitors = new Map<string, HostMonitor>();

  constructor(
    private readonly db: Db,
    private readonly config: MonitorConfig,
    private readonly tls: () => Promise<ClientTlsOptions>,
  ) {
    super();
  }

  /** Starts monitoring every host in the database (engine start). */
  async startAll(): Promise<void> {
    for (const host of await hosts.list(this.db)) this.monitor(host.id);
  }

  async stopAll(): Promise<void> {
    const all = [...this.monitors.values()];
    this.monitors.clear();
    await Promise.all(all.map((m) => m.stop()));
  }

  async add(spec: NewHost, userId: string | null): Promise<Host> {
    const host = await hosts.insert(this.db, { id: randomUUID(), ...spec });
    await events.add(this.db, {
      severity: 'normal',
      code: 'HOST_ADDED',
      message: `Host ${host.name} (${host.address}:${host.port}) was added`,
      hostId: host.id,
      userId,
    });
    this.monitor(host.id);
    return host;
  }

  async activate(id: string): Promise<void> {
    const host = await this.require(id);
    if (host.status === 'Up') return;
    await hosts.setStatus(this.db, id, 'Initializing', 'activation requested');
    this.emit('status', id, 'Initializing');
    this.monitor(id).requestActivation();
  }

  /** Up/NonOperational/NonResponsive → Maintenance; refused while VMs run there. */
  async deactivate(id: string): Promise<void> {
    const host = await this.require(id);
    const running = (await vms.listOnHost(this.db, id)).filter((vm) => vm.status !== 'Down');
    if (running.length > 0) {
      throw new EngineError(
        'CONFLICT',
        `host ${host.name} still runs ${running.length} VM(s); stop or migrate them first`,
      );
    }
    await hosts.setStatus(this.db, id, 'Maintenance', '');
    await events.add(this.db, {
      severity: 'normal',
      code: 'HOST_MAINTENANCE',
      message: `Host ${host.name} was switched to Maintenance`,
      hostId: id,
    });
    this.emit('status', id, 'Maintenance');
  }

  async remove(id: string): Promise<void> {
    const host = await this.require(id);
    if (host.status !== 'Maintenance' && host.status !== 'Installing') {
      throw new EngineError(
        'CONFLICT',
        `host ${host.name} must be in Maintenance to be removed (it is ${host.status})`,
      );
    }
    await this.monitors.get(id)?.stop();
    this.monitors.delete(id);
    await hosts.remove(this.db, id);
  }

  /** The host's live vdsm connection (VM verbs). */
  connection(id: string): Promise<VdsmClient> {
    return this.monitor(id).connection();
  }

  private async require(id: string): Promise<Host> {
    const host = await hosts.get(this.db, id);
    if (host === undefined) throw new EngineError('NOT_FOUND', `host ${id} does not exist`);
    return host;
  }

  private monitor(id: string): HostMonitor {
    let monitor = this.monitors.get(id);
    if (monitor === undefined) {
      monitor = new HostMonitor(id, {
        db: this.db,
        config: this.config,
        tls: this.tls,
        onStatus: (hostId, status) => this.emit('status', hostId, status),
        onCycle: (hostId) => this.emit('cycle', hostId),
      });
      this.monitors.set(id, monitor);
      monitor.start();
    }
    return monitor;
  }
}
