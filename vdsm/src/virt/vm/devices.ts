/**
 * Live device changes of a running VM: console ticket (VM.setTicket), disk and NIC hot(un)plug, balloon target,
 * vCPU count, NIC link/network updates and block I/O limits (VM.setIoTune / VM.getIoTune). Each edits the device
 * XML as libvirt reports it live, applies it with attach/detach/updateDevice (block limits: setBlockIoTune), and keeps
 * the ovirt-vm device metadata in step.
 */

import type { Logger } from '@vdsm-ts/common/logging';
import { Affect, DeviceModify } from '@vdsm-ts/native/libvirt/index';
import { VdsmError } from '../../errors/vdsm-error.js';
import { deviceElements, setDiskSource } from '../domain-xml.js';
import type { DrivePreparer } from '../drives.js';
import { deviceImage, isDiskEntry, OVIRT_VM_NS, type VdsmImage } from '../metadata.js';
import {
  attr,
  child,
  childAttr,
  children,
  type Document,
  type Element,
  escapeXml,
  parseXml,
  serializeXml,
} from '../xml.js';
import { currentLimits, IOTUNE_KEYS, parseIoTuneChanges, recordIoTune } from './io-tune.js';
import type { VmLifecycle } from './lifecycle.js';
import type { Vm } from './vm.js';

export interface DevicesDeps {
  readonly lifecycle: VmLifecycle;
  readonly logger: Logger;
  /** Prepares a hot-plugged disk that names an oVirt image (as VM.create's drives); paths are used as given without. */
  readonly drives?: DrivePreparer;
}

export interface TicketOptions {
  readonly password: string;
  readonly ttl: number;
  readonly existingConnAction: string;
  readonly graphicsType?: string;
}

export interface IoTuneEntry {
  readonly name: string;
  readonly path: string;
  readonly ioTune: Readonly<Record<string, number>>;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function libvirtFailure(what: string, err: unknown): VdsmError {
  return new VdsmError('GeneralException', `${what}: ${errorMessage(err)}`);
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, libvirt's passwdValidTo format. */
export function validTo(ttlSeconds: number, now = Date.now()): string {
  return new Date(now + ttlSeconds * 1000).toISOString().slice(0, 19);
}

/** The devices and metadata of a `<hotplug>` document (or a bare device element). */
function readHotplug(
  xml: string,
  device: 'disk' | 'interface',
): { doc: Document; device: Element; metadata: Element[] } {
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new VdsmError('InvalidParameter', `hot-plug XML is not well-formed: ${(err as Error).message}`);
  }
  const root = doc.documentElement;
  if (root === null) throw new VdsmError('InvalidParameter', 'empty hot-plug XML');
  const devices = root.localName === device ? [root] : children(child(root, 'devices') ?? root, device);
  const found = devices[0];
  if (found === undefined) throw new VdsmError('InvalidParameter', `hot-plug XML has no <${device}>`);
  const metadata = child(root, 'metadata');
  const vm = metadata === undefined ? undefined : children(metadata).find((e) => e.namespaceURI === OVIRT_VM_NS);
  const entries = vm === undefined ? [] : children(vm).filter((e) => e.localName === 'device');
  return { doc, device: found, metadata: entries };
}

export class VmDevices {
  constructor(private readonly deps: DevicesDeps) {}

  private get lifecycle(): VmLifecycle {
    return this.deps.lifecycle;
  }

  /** VM.setTicket: the first graphics device (or the given type) gets the password, valid for ttl seconds. */
  async setTicket(vm: Vm, o: TicketOptions): Promise<void> {
    const handle = this.lifecycle.running(vm);
    await this.lifecycle.refreshDescription(vm);
    const graphics = this.liveDevices(vm, 'graphics').find(
      (g) => o.graphicsType === undefined || attr(g, 'type') === o.graphicsType,
    );
    if (graphics === undefined) throw new VdsmError('InvalidParameter', `VM ${vm.id} has no graphics device`);
    const edited = graphics.cloneNode(true) as Element;
    edited.setAttribute('passwd', o.password);
    if (o.ttl > 0) edited.setAttribute('passwdValidTo', validTo(o.ttl));
    else edited.removeAttribute('passwdValidTo');
    if (attr(edited, 'type') === 'spice') edited.setAttribute('connected', o.existingConnAction);
    try {
      await handle.updateDevice(serializeXml(edited), Affect.LIVE);
    } catch (err) {
      throw libvirtFailure('cannot set the console ticket', err);
    }
  }

  private liveDevices(vm: Vm, name: string): Element[] {
    return deviceElements(vm.description.xml).devices.filter((e) => e.localName === name);
  }

  async hotplugNic(vm: Vm, params: { xml?: string; nic?: Readonly<Record<string, unknown>> }): Promise<void> {
    const handle = this.lifecycle.running(vm);
    let xml: string;
    let metadata: Element[] = [];
    if (params.xml !== undefined) {
      const parsed = readHotplug(params.xml, 'interface');
      xml = serializeXml(parsed.device);
      metadata = parsed.metadata;
    } else if (params.nic !== undefined) {
      xml = legacyNicXml(params.nic);
    } else throw new VdsmError('MissingParameter', 'params.xml or params.nic');
    try {
      await handle.attachDevice(xml, DeviceModify.LIVE | DeviceModify.CONFIG);
    } catch (err) {
      throw libvirtFailure('cannot hot-plug the NIC', err);
    }
    await this.afterChange(vm, metadata);
  }

  async hotunplugNic(vm: Vm, params: { xml?: string; nic?: Readonly<Record<string, unknown>> }): Promise<void> {
    const handle = this.lifecycle.running(vm);
    let mac: string | undefined;
    if (params.xml !== undefined) mac = childAttr(readHotplug(params.xml, 'interface').device, 'mac', 'address');
    else if (typeof params.nic?.macAddr === 'string') mac = params.nic.macAddr;
    if (mac === undefined) throw new VdsmError('MissingParameter', 'the NIC MAC address');
    const wanted = mac.toLowerCase();
    const live = this.liveDevices(vm, 'interface').find(
      (e) => (childAttr(e, 'mac', 'address') ?? '').toLowerCase() === wanted,
    );
    if (live === undefined) throw new VdsmError('InvalidParameter', `VM ${vm.id} has no NIC ${mac}`);
    try {
      await handle.detachDevice(serializeXml(live), DeviceModify.LIVE | DeviceModify.CONFIG);
    } catch (err) {
      throw libvirtFailure('cannot hot-unplug the NIC', err);
    }
    vm.metadata.removeDevices((d) => (attr(d, 'mac_address') ?? '').toLowerCase() === wanted);
    await this.afterChange(vm, []);
  }

  async hotplugDisk(vm: Vm, params: { xml?: string; drive?: Readonly<Record<string, unknown>> }): Promise<void> {
    const handle = this.lifecycle.running(vm);
    let xml: string;
    let metadata: Element[] = [];
    let prepared: VdsmImage | undefined;
    if (params.xml !== undefined) {
      const parsed = readHotplug(params.xml, 'disk');
      prepared = await this.prepareHotplugged(parsed.doc, parsed.device, parsed.metadata);
      xml = serializeXml(parsed.device);
      metadata = parsed.metadata;
    } else if (params.drive !== undefined) {
      xml = legacyDiskXml(params.drive);
    } else throw new VdsmError('MissingParameter', 'params.xml or params.drive');
    try {
      await handle.attachDevice(xml, DeviceModify.LIVE | DeviceModify.CONFIG);
    } catch (err) {
      // Upstream tears the prepared volume down again when libvirt refuses the disk.
      if (prepared !== undefined) await this.deps.drives?.teardown(prepared).catch(() => undefined);
      throw libvirtFailure('cannot hot-plug the disk', err);
    }
    await this.afterChange(vm, metadata);
  }

  /**
   * A hot-plugged disk whose metadata entry names an oVirt image is prepared first and its source set to the path
   * (upstream hotplugDisk: prepareVolumePath before attaching). Answers the prepared image, if any.
   */
  private async prepareHotplugged(
    doc: Document,
    disk: Element,
    metadata: readonly Element[],
  ): Promise<VdsmImage | undefined> {
    const drives = this.deps.drives;
    const target = childAttr(disk, 'target', 'dev');
    const entry = target === undefined ? undefined : metadata.find((e) => isDiskEntry(e, target));
    const image = entry === undefined ? undefined : deviceImage(entry);
    if (drives === undefined || image === undefined) return undefined;
    let path: string;
    try {
      path = await drives.prepare(image);
    } catch (err) {
      this.deps.logger.warn({ drive: target, err }, 'cannot prepare the hot-plugged disk');
      throw new VdsmError('GeneralException', `Bad volume specification ${JSON.stringify({ name: target, ...image })}`);
    }
    setDiskSource(doc, disk, path);
    return image;
  }

  async hotunplugDisk(vm: Vm, params: { xml?: string; drive?: Readonly<Record<string, unknown>> }): Promise<void> {
    const handle = this.lifecycle.running(vm);
    let target: string | undefined;
    let path: string | undefined;
    if (params.xml !== undefined) {
      const disk = readHotplug(params.xml, 'disk').device;
      target = childAttr(disk, 'target', 'dev');
      const source = child(disk, 'source');
      path = attr(source, 'file') ?? attr(source, 'dev');
    } else if (params.drive !== undefined) {
      target = typeof params.drive.name === 'string' ? params.drive.name : undefined;
      path = typeof params.drive.path === 'string' ? params.drive.path : undefined;
    }
    const live = vm.description.disks.find(
      (d) => (target !== undefined && d.target === target) || (path !== undefined && d.path === path),
    );
    const element = this.liveDevices(vm, 'disk').find((e) => childAttr(e, 'target', 'dev') === live?.target);
    if (live === undefined || element === undefined) {
      throw new VdsmError('InvalidParameter', `VM ${vm.id} has no such disk`);
    }
    try {
      await handle.detachDevice(serializeXml(element), DeviceModify.LIVE | DeviceModify.CONFIG);
    } catch (err) {
      throw libvirtFailure('cannot hot-unplug the disk', err);
    }
    // Read before the entry goes: the VM's metadata, not the cached XML, knows the images of hot-plugged disks.
    const image = vm.metadata.diskImage(live.target);
    vm.metadata.removeDevices((d) => isDiskEntry(d, live.target));
    await this.afterChange(vm, []);
    if (image !== undefined) {
      await this.deps.drives?.teardown(image).catch((err: unknown) => {
        this.deps.logger.warn({ vmId: vm.id, drive: live.target, err }, 'cannot tear down the unplugged disk');
      });
    }
  }

  private async afterChange(vm: Vm, metadata: readonly Element[]): Promise<void> {
    if (metadata.length > 0) vm.metadata.mergeDevices(metadata);
    await this.lifecycle.refreshDescription(vm);
    await this.lifecycle.writeMetadata(vm);
    vm.refresh();
  }

  /** DEVICE_REMOVED: the guest let go of a device (unplug finished). */
  onDeviceRemoved(vm: Vm, alias: string): void {
    this.deps.logger.info({ vmId: vm.id, alias }, 'device removed');
    void this.lifecycle.refreshDescription(vm);
  }

  /** VM.setBalloonTarget (KiB). */
  async setBalloonTarget(vm: Vm, targetKiB: number): Promise<void> {
    const handle = this.lifecycle.running(vm);
    if (!Number.isInteger(targetKiB) || targetKiB <= 0 || targetKiB > vm.description.memoryKiB) {
      throw new VdsmError('InvalidParameter', `balloon target must be 1..${vm.description.memoryKiB} KiB`);
    }
    try {
      await handle.setMemory(targetKiB, Affect.LIVE);
    } catch (err) {
      throw libvirtFailure('cannot set the balloon target', err);
    }
    vm.metadata.set('balloonTarget', targetKiB);
    await this.lifecycle.writeMetadata(vm);
  }

  /** VM.setNumberOfCpus: vCPU hot-plug up to the domain's maximum. */
  async setNumberOfCpus(vm: Vm, count: number): Promise<void> {
    const handle = this.lifecycle.running(vm);
    if (!Number.isInteger(count) || count < 1 || count > vm.description.maxVcpus) {
      throw new VdsmError('InvalidParameter', `numberOfCpus must be 1..${vm.description.maxVcpus}`);
    }
    try {
      await handle.setVcpus(count, Affect.LIVE);
    } catch (err) {
      throw libvirtFailure('cannot change the number of vCPUs', err);
    }
    await this.lifecycle.refreshDescription(vm);
  }

  /** VM.updateDevice for a NIC: link state and/or network (bridge). */
  async updateNic(vm: Vm, o: { alias?: string; linkActive?: boolean; network?: string }): Promise<void> {
    const handle = this.lifecycle.running(vm);
    await this.lifecycle.refreshDescription(vm);
    const { doc, devices } = deviceElements(vm.description.xml);
    const edited = devices.find(
      (e) => e.localName === 'interface' && o.alias !== undefined && childAttr(e, 'alias', 'name') === o.alias,
    );
    if (edited === undefined) {
      throw new VdsmError('InvalidParameter', `VM ${vm.id} has no NIC with alias ${o.alias}`);
    }
    if (o.linkActive !== undefined) {
      let link = child(edited, 'link');
      if (link === undefined) {
        link = doc.createElement('link');
        edited.appendChild(link);
      }
      link.setAttribute('state', o.linkActive ? 'up' : 'down');
    }
    if (o.network !== undefined && o.network !== '') {
      const source = child(edited, 'source');
      if (source !== undefined && attr(edited, 'type') === 'bridge') source.setAttribute('bridge', o.network);
    }
    try {
      await handle.updateDevice(serializeXml(edited), DeviceModify.LIVE);
    } catch (err) {
      throw libvirtFailure('cannot update the NIC', err);
    }
    await this.lifecycle.refreshDescription(vm);
    vm.refresh();
  }

  /**
   * VM.setIoTune: each entry's limits applied live (and to the persistent config) through virDomainSetBlockIoTune;
   * limits an entry leaves out keep their value. The resulting limits go to the disk's ovirt-vm device entry.
   */
  async setIoTune(vm: Vm, tunables: unknown): Promise<void> {
    const handle = this.lifecycle.running(vm);
    const changes = parseIoTuneChanges(tunables);
    const targets = changes.map((change) => {
      const disk = vm.description.disks.find(
        (d) =>
          (change.name !== undefined && d.target === change.name) ||
          (change.path !== undefined && d.path === change.path),
      );
      if (disk === undefined) {
        throw new VdsmError(
          'UpdateDeviceFailed',
          `setIoTune called on a non-existent device name=${change.name ?? ''} path=${change.path ?? ''}`,
        );
      }
      return disk.target;
    });
    try {
      for (const [i, change] of changes.entries()) {
        const target = targets[i] as string;
        try {
          if (Object.keys(change.ioTune).length > 0) {
            // A call setting one limit of a group (bytes/s, iops) zeroes the group's others in libvirt: pass the
            // current six with the change over them, as upstream merges.
            const current = await handle.getBlockIoTune(target, Affect.LIVE);
            const merged = { ...currentLimits(current), ...change.ioTune };
            await handle.setBlockIoTune(target, merged, Affect.LIVE | Affect.CONFIG);
          }
          const applied = currentLimits(await handle.getBlockIoTune(target, Affect.LIVE));
          this.deps.logger.info({ vmId: vm.id, disk: target, ioTune: applied }, 'I/O limits set');
          recordIoTune(vm.metadata, target, applied);
        } catch (err) {
          throw new VdsmError('UpdateDeviceFailed', `cannot set the I/O limits of ${target}: ${errorMessage(err)}`);
        }
      }
    } finally {
      // Entries applied before a failing one stay applied: the cached XML and the metadata must show them.
      await this.afterChange(vm, []);
    }
  }

  /** VM.getIoTune: the limits each disk has in the live XML. */
  ioTune(vm: Vm): IoTuneEntry[] {
    const out: IoTuneEntry[] = [];
    for (const disk of this.liveDevices(vm, 'disk')) {
      const iotune = child(disk, 'iotune');
      if (iotune === undefined) continue;
      const values: Record<string, number> = {};
      for (const key of IOTUNE_KEYS) {
        const element = child(iotune, key);
        if (element !== undefined) values[key] = Number(element.textContent ?? 0);
      }
      const source = child(disk, 'source');
      out.push({
        name: childAttr(disk, 'target', 'dev') ?? '',
        path: attr(source, 'file') ?? attr(source, 'dev') ?? '',
        ioTune: values,
      });
    }
    return out;
  }
}

function str(record: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The pre-4.2 `nic` dict as libvirt XML (bridge NIC). */
function legacyNicXml(nic: Readonly<Record<string, unknown>>): string {
  const mac = str(nic, 'macAddr');
  const network = str(nic, 'network');
  if (mac === undefined || network === undefined)
    throw new VdsmError('MissingParameter', 'nic.macAddr and nic.network');
  const model = str(nic, 'nicModel') ?? 'virtio';
  const link = nic.linkActive === false ? 'down' : 'up';
  return `<interface type="bridge"><mac address="${escapeXml(mac)}"/><source bridge="${escapeXml(network)}"/><model type="${escapeXml(model === 'pv' ? 'virtio' : model)}"/><link state="${link}"/></interface>`;
}

/** The pre-4.2 `drive` dict as libvirt XML; only drives given by path (storage preparation is not done here). */
function legacyDiskXml(drive: Readonly<Record<string, unknown>>): string {
  const path = str(drive, 'path');
  if (path === undefined) {
    throw new VdsmError(
      'ImageError',
      'drive.path is required: the pre-4.2 drive dict is not prepared from storage (send the disk as domain XML, whose oVirt image is prepared)',
    );
  }
  const name = str(drive, 'name');
  if (name === undefined) throw new VdsmError('MissingParameter', 'drive.name (the target device, e.g. vdb)');
  const bus = str(drive, 'iface') ?? 'virtio';
  const format = str(drive, 'format') === 'cow' ? 'qcow2' : 'raw';
  const readonly = drive.readonly === true ? '<readonly/>' : '';
  return `<disk type="file" device="disk"><driver name="qemu" type="${format}" cache="none"/><source file="${escapeXml(path)}"/><target dev="${escapeXml(name)}" bus="${escapeXml(bus)}"/>${readonly}</disk>`;
}
