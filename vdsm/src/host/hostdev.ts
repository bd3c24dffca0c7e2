/**
 * Host devices for Host.hostdevListByCaps (upstream common/hostdev.py, which reads libvirt's node devices; libvirt
 * builds those from the same sysfs read here): the `computer` root, PCI functions, USB devices and SCSI devices,
 * named and described as libvirt names them (`pci_0000_00_1f_2`, `usb_1_1`, `scsi_0_0_0_0`), addresses as decimal
 * strings. Network interfaces, storage, SCSI hosts and targets are not listed yet (a SCSI device names its target
 * as parent all the same). Vendor and
 * product names come from the device (USB strings); no ids database is consulted, so PCI devices carry ids only.
 */
import { readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { HostDeviceParams } from '../schema/api-types.generated.js';
import { listDir, readInt, readText } from './procfs.js';

export type HostDeviceList = Record<string, { params: HostDeviceParams }>;

const PCI = '/sys/bus/pci/devices';
const USB = '/sys/bus/usb/devices';
const SCSI = '/sys/bus/scsi/devices';
const PCI_ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/;
const SCSI_ADDRESS = /^(\d+):(\d+):(\d+):(\d+)$/;

const hex = (text: string | undefined) => (text ?? '').trim().toLowerCase();

export function pciName(address: string): string {
  return `pci_${address.replace(/[:.]/g, '_')}`;
}

/** The libvirt name of the sysfs device holding `path` (its nearest PCI or USB ancestor), or `computer`. */
function parentName(path: string): string {
  const parent = basename(dirname(path));
  if (PCI_ADDRESS.test(parent)) return pciName(parent);
  if (/^usb\d+$/.test(parent) || /^\d+-[\d.]+$/.test(parent)) return `usb_${parent.replace(/[-.]/g, '_')}`;
  return 'computer';
}

async function driverOf(dir: string): Promise<string | undefined> {
  return readlink(`${dir}/driver`).then(
    (link) => basename(link),
    () => undefined,
  );
}

/** Type 0 config headers are endpoints; bridges (1) and CardBus bridges (2) cannot be given to a guest. */
async function isEndpoint(dir: string): Promise<boolean> {
  const config = await readFile(`${dir}/config`).catch(() => undefined);
  return config !== undefined && config.length > 0x0e && (config[0x0e]! & 0x7f) === 0;
}

async function pciDevice(address: string): Promise<[string, { params: HostDeviceParams }] | undefined> {
  const m = PCI_ADDRESS.exec(address);
  if (m === null) return undefined;
  const dir = `${PCI}/${address}`;
  const [path, vendor, device, driver, numa, iommu, totalvfs, endpoint] = await Promise.all([
    realpath(dir),
    readText(`${dir}/vendor`),
    readText(`${dir}/device`),
    driverOf(dir),
    readInt(`${dir}/numa_node`),
    readlink(`${dir}/iommu_group`).then(
      (link) => basename(link),
      () => undefined,
    ),
    readInt(`${dir}/sriov_totalvfs`),
    isEndpoint(dir),
  ]);
  const params: HostDeviceParams = {
    capability: 'pci',
    vendor_id: hex(vendor),
    product_id: hex(device),
    parent: parentName(path),
    is_assignable: String(endpoint),
    address: {
      domain: String(Number.parseInt(m[1]!, 16)),
      bus: String(Number.parseInt(m[2]!, 16)),
      slot: String(Number.parseInt(m[3]!, 16)),
      function: String(Number.parseInt(m[4]!, 16)),
    },
    ...(driver === undefined ? {} : { driver }),
    ...(numa === undefined || numa < 0 ? {} : { numa_node: String(numa) }),
    ...(iommu === undefined ? {} : { iommu_group: iommu }),
    ...(totalvfs === undefined ? {} : { totalvfs }),
  };
  return [pciName(address), { params }];
}

async function usbDevice(name: string): Promise<[string, { params: HostDeviceParams }] | undefined> {
  // interfaces (1-1:1.0) are not devices
  if (name.includes(':')) return undefined;
  const dir = `${USB}/${name}`;
  const [path, bus, devnum, vendorId, productId, vendor, product, driver] = await Promise.all([
    realpath(dir),
    readInt(`${dir}/busnum`),
    readInt(`${dir}/devnum`),
    readText(`${dir}/idVendor`),
    readText(`${dir}/idProduct`),
    readText(`${dir}/manufacturer`),
    readText(`${dir}/product`),
    driverOf(dir),
  ]);
  if (bus === undefined || devnum === undefined) return undefined;
  const params: HostDeviceParams = {
    capability: 'usb_device',
    vendor_id: `0x${hex(vendorId)}`,
    product_id: `0x${hex(productId)}`,
    parent: parentName(path),
    is_assignable: 'true',
    address: { bus: String(bus), device: String(devnum) },
    ...(vendor === undefined ? {} : { vendor: vendor.trim() }),
    ...(product === undefined ? {} : { product: product.trim() }),
    ...(driver === undefined ? {} : { driver }),
  };
  return [`usb_${name.replace(/[-.]/g, '_')}`, { params }];
}

async function scsiDevice(name: string): Promise<[string, { params: HostDeviceParams }] | undefined> {
  const m = SCSI_ADDRESS.exec(name);
  if (m === null) return undefined;
  const dir = `${SCSI}/${name}`;
  const [vendor, model, generic, block, driver] = await Promise.all([
    readText(`${dir}/vendor`),
    readText(`${dir}/model`),
    listDir(`${dir}/scsi_generic`),
    listDir(`${dir}/block`),
    driverOf(dir),
  ]);
  const [host, bus, target, lun] = [m[1]!, m[2]!, m[3]!, m[4]!];
  const params: HostDeviceParams = {
    capability: 'scsi',
    parent: `scsi_target${host}_${bus}_${target}`,
    is_assignable: 'true',
    address: { host, bus, target, lun },
    ...(vendor === undefined ? {} : { vendor: vendor.trim() }),
    ...(model === undefined ? {} : { product: model.trim() }),
    ...(generic[0] === undefined ? {} : { udev_path: `/dev/${generic[0]}` }),
    ...(block[0] === undefined ? {} : { block_path: `/dev/${block[0]}` }),
    ...(driver === undefined ? {} : { driver }),
  };
  return [`scsi_${name.replace(/:/g, '_')}`, { params }];
}

/** libvirt's root device, which top-level PCI devices name as parent (upstream reports only these two facts). */
const COMPUTER: [string, { params: HostDeviceParams }] = [
  'computer',
  { params: { capability: 'system', is_assignable: 'true' } },
];

/** Every device, or those whose capability is one of `caps` (an empty or absent list means all, as upstream). */
export async function listHostDevices(caps?: readonly string[] | null): Promise<HostDeviceList> {
  const [pci, usb, scsi] = await Promise.all([listDir(PCI), listDir(USB), listDir(SCSI)]);
  const found = await Promise.all([
    COMPUTER,
    ...pci.sort().map(pciDevice),
    ...usb.sort().map(usbDevice),
    ...scsi.sort().map(scsiDevice),
  ]);
  const wanted = caps === undefined || caps === null || caps.length === 0 ? undefined : new Set(caps);
  const out: HostDeviceList = {};
  for (const entry of found) {
    if (entry === undefined) continue;
    if (wanted === undefined || wanted.has(entry[1].params.capability)) out[entry[0]] = entry[1];
  }
  return out;
}
