/**
 * VM verbs of the engine: create from a template, edit, remove, and the run-time actions that go to vdsm
 * (run = schedule + VM.create with engine-made domain XML; stop = VM.destroy; shutdown; suspend = VM.pause;
 * start of a Paused VM = VM.cont; console ticket = VM.setTicket).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { VdsmRpcError } from '@vdsm-ts/vdsm/client/index';
import type { Db } from '../db/db.js';
import { clusters } from '../db/repo/clusters.js';
import { disks } from '../db/repo/disks.js';
import { events } from '../db/repo/events.js';
import { hosts } from '../db/repo/hosts.js';
import { BLANK_TEMPLATE_ID, templates } from '../db/repo/templates.js';
import { type Vm, type VmEdit, vms } from '../db/repo/vms.js';
import { EngineError } from '../errors.js';
import type { HostManager } from '../hosts/manager.js';
import { buildDomainXml } from './domain-xml.js';
import { schedule } from './scheduler.js';

export interface NewVm {
  name: string;
  clusterId: string;
  templateId?: string;
  description?: string;
  memoryMb?: number;
  cpus?: number;
  osType?: string;
  displayType?: 'vnc' | 'spice';
  kernelPath?: string;
  initrdPath?: string;
  kernelCmdline?: string;
  /** adds one virtio NIC on this logical network */
  network?: string;
}

export interface Ticket {
  value: string;
  expirySeconds: number;
  hostAddress: string;
}

function randomMac(): string {
  return ['56', '6f', ...[...randomBytes(4)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export class VmService {
  constructor(
    private readonly db: Db,
    private readonly hostManager: HostManager,
  ) {}

  async create(spec: NewVm, userId: string | null): Promise<Vm> {
    const cluster = await clusters.get(this.db, spec.clusterId);
    if (cluster === undefined) throw new EngineError('BAD_REQUEST', `cluster ${spec.clusterId} does not exist`);
    const template = await templates.get(this.db, spec.templateId ?? BLANK_TEMPLATE_ID);
    if (template === undefined) throw new EngineError('BAD_REQUEST', `template ${spec.templateId} does not exist`);
    if (await vms.findByName(this.db, spec.name)) {
      throw new EngineError('CONFLICT', `a VM named ${spec.name} already exists`);
    }
    const vm = await this.db.transaction(async (tx) => {
      const created = await vms.insert(tx, {
        id: randomUUID(),
        name: spec.name,
        description: spec.description ?? '',
        clusterId: cluster.id,
        templateId: template.id,
        memoryMb: spec.memoryMb ?? template.memoryMb,
        cpus: spec.cpus ?? template.cpus,
        osType: spec.osType ?? template.osType,
        displayType: spec.displayType ?? template.displayType,
        kernelPath: spec.kernelPath ?? '',
        initrdPath: spec.initrdPath ?? '',
        kernelCmdline: spec.kernelCmdline ?? '',
      });
      if (spec.network !== undefined) {
        await vms.addDevice(tx, {
          id: randomUUID(),
          vmId: created.id,
          type: 'interface',
          device: 'bridge',
          spec: { mac: randomMac(), network: spec.network },
        });
      }
      await events.add(tx, {
        severity: 'normal',
        code: 'VM_ADDED',
        message: `VM ${created.name} was created from template ${template.name}`,
        vmId: created.id,
        userId,
      });
      return created;
    });
    return vm;
  }

  async edit(id: string, patch: VmEdit): Promise<Vm> {
    const vm = await this.require(id);
    const runtimeFields = [
      patch.memoryMb,
      patch.cpus,
      patch.displayType,
      patch.kernelPath,
      patch.initrdPath,
      patch.kernelCmdline,
    ].some((v) => v !== undefined);
    if (runtimeFields && vm.status !== 'Down') {
      throw new EngineError(
        'CONFLICT',
        `VM ${vm.name} is ${vm.status}: memory, CPUs, display and boot change only when Down`,
      );
    }
    const updated = await vms.update(this.db, id, patch);
    if (updated === undefined) throw new EngineError('NOT_FOUND', `VM ${id} does not exist`);
    return updated;
  }

  async remove(id: string, userId: string | null): Promise<void> {
    const vm = await this.require(id);
    if (vm.status !== 'Down') throw new EngineError('CONFLICT', `VM ${vm.name} is ${vm.status}; stop it first`);
    await vms.remove(this.db, id);
    await events.add(this.db, { severity: 'normal', code: 'VM_REMOVED', message: `VM ${vm.name} was removed`, userId });
  }

  /** Down → scheduled host → VM.create; Paused → VM.cont. Returns the host it runs on. */
  async start(id: string, userId: string | null): Promise<string> {
    const vm = await this.require(id);
    if (vm.status === 'Paused' && vm.runOnHostId !== null) {
      await this.call(vm.runOnHostId, 'VM.cont', { vmID: vm.id });
      return vm.runOnHostId;
    }
    if (vm.status !== 'Down') throw new EngineError('CONFLICT', `VM ${vm.name} is ${vm.status}, not Down`);
    const cluster = await clusters.get(this.db, vm.clusterId);
    const result = schedule(vm, await hosts.listByCluster(this.db, vm.clusterId));
    if (!result.ok) {
      const why = result.rejections.map((r) => `${r.hostName}: ${r.reason} (${r.filter})`).join('; ');
      throw new EngineError(
        'NO_HOST',
        `no host can run VM ${vm.name}${why === '' ? ': the cluster has no hosts' : `: ${why}`}`,
      );
    }
    const host = result.host;
    const xml = buildDomainXml({
      vm,
      clusterVersion: cluster?.compatVersion ?? '4.7',
      devices: await vms.devices(this.db, vm.id),
      disks: await disks.listByVm(this.db, vm.id),
      poolId: cluster?.dataCenterId ?? '',
    });
    await vms.setRuntime(this.db, vm.id, 'WaitForLaunch', host.id);
    try {
      await this.call(host.id, 'VM.create', { vmID: vm.id, vmParams: { vmId: vm.id, xml } });
    } catch (err) {
      await vms.setRuntime(this.db, vm.id, 'Down', null);
      throw err;
    }
    // count the VM against the host now; the next Host.getStats replaces the estimate
    await this.db.query(
      'UPDATE hosts SET mem_free_mb = GREATEST(0, mem_free_mb - $2), vm_count = vm_count + 1 WHERE id = $1',
      [host.id, vm.memoryMb],
    );
    await events.add(this.db, {
      severity: 'normal',
      code: 'VM_STARTING',
      message: `VM ${vm.name} was started on host ${host.name}`,
      vmId: vm.id,
      hostId: host.id,
      userId,
    });
    return host.id;
  }

  async stop(id: string): Promise<void> {
    const vm = await this.running(id);
    await this.call(vm.runOnHostId!, 'VM.destroy', { vmID: vm.id });
    await vms.setRuntime(this.db, vm.id, 'Down', null);
  }

  async shutdown(id: string): Promise<void> {
    const vm = await this.running(id);
    await this.call(vm.runOnHostId!, 'VM.shutdown', { vmID: vm.id, delay: '30', message: 'System going down' });
    await vms.setStatus(this.db, vm.id, 'PoweringDown');
  }

  /** engine-lite suspends in memory (VM.pause); hibernation to a storage volume needs the storage layer. */
  async suspend(id: string): Promise<void> {
    const vm = await this.running(id);
    await this.call(vm.runOnHostId!, 'VM.pause', { vmID: vm.id });
    await vms.setStatus(this.db, vm.id, 'Paused');
  }

  async ticket(id: string, expirySeconds: number): Promise<Ticket> {
    const vm = await this.running(id);
    const host = await hosts.get(this.db, vm.runOnHostId!);
    const value = randomBytes(9).toString('base64url');
    await this.call(vm.runOnHostId!, 'VM.setTicket', {
      vmID: vm.id,
      password: value,
      ttl: expirySeconds,
      existingConnAction: 'disconnect',
      params: {},
    });
    return { value, expirySeconds, hostAddress: host?.address ?? '' };
  }

  private async require(id: string): Promise<Vm> {
    const vm = await vms.get(this.db, id);
    if (vm === undefined) throw new EngineError('NOT_FOUND', `VM ${id} does not exist`);
    return vm;
  }

  private async running(id: string): Promise<Vm> {
    const vm = await this.require(id);
    if (vm.runOnHostId === null || vm.status === 'Down')
      throw new EngineError('CONFLICT', `VM ${vm.name} is not running`);
    if (vm.status === 'Unknown') {
      throw new EngineError('CONFLICT', `VM ${vm.name} is Unknown: its host does not answer`);
    }
    return vm;
  }

  private async call(hostId: string, method: string, params: Record<string, unknown>): Promise<void> {
    try {
      const client = await this.hostManager.connection(hostId);
      await client.call(method, params);
    } catch (err) {
      if (err instanceof EngineError) throw err;
      const detail = err instanceof VdsmRpcError ? `vdsm error ${err.code}: ${err.message}` : String(err);
      throw new EngineError('HOST_CALL_FAILED', `${method} failed: ${detail}`);
    }
  }
}
