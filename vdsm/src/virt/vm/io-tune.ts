/**
 * VM.setIoTune input and its ovirt-vm record: checks the engine's `tunables` (VmDiskDeviceTuneParams list) before
 * anything reaches libvirt, and keeps each disk's resulting limits under its `<ovirt-vm:device devtype="disk">`
 * entry as `<ovirt-vm:ioTune>`.
 */
import { VdsmError } from '../../errors/vdsm-error.js';
import { OVIRT_VM_NS, OVIRT_VM_PREFIX, type VmMetadata } from '../metadata.js';
import { attr, children, type Element, escapeXml, parseXml } from '../xml.js';

export const IOTUNE_KEYS = [
  'total_bytes_sec',
  'read_bytes_sec',
  'write_bytes_sec',
  'total_iops_sec',
  'read_iops_sec',
  'write_iops_sec',
] as const;

export type IoTuneKey = (typeof IOTUNE_KEYS)[number];
export type IoTuneLimits = Partial<Record<IoTuneKey, number>>;

export interface IoTuneChange {
  readonly name?: string;
  readonly path?: string;
  readonly ioTune: IoTuneLimits;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A limit as the engine sends it: an integer >= 0 (upstream int()s strings too). */
function limitValue(key: string, value: unknown): number {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new VdsmError('InvalidParameter', `ioTune ${key} must be an integer >= 0, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The six engine-visible limits out of libvirt's getBlockIoTune answer. */
export function currentLimits(libvirt: Readonly<Record<string, number | string>>): Required<IoTuneLimits> {
  const limits = {} as Record<IoTuneKey, number>;
  for (const key of IOTUNE_KEYS) limits[key] = Number(libvirt[key] ?? 0);
  return limits;
}

/** Checks every entry first, so a bad one leaves all disks untouched. */
export function parseIoTuneChanges(tunables: unknown): IoTuneChange[] {
  if (!Array.isArray(tunables)) throw new VdsmError('InvalidParameter', 'tunables must be a list');
  return tunables.map((entry, i) => {
    if (!isRecord(entry)) throw new VdsmError('InvalidParameter', `tunables[${i}] must be an object`);
    const name = typeof entry.name === 'string' && entry.name !== '' ? entry.name : undefined;
    const path = typeof entry.path === 'string' && entry.path !== '' ? entry.path : undefined;
    if (name === undefined && path === undefined) {
      throw new VdsmError('MissingParameter', `tunables[${i}] needs a disk name or path`);
    }
    if (!isRecord(entry.ioTune)) throw new VdsmError('MissingParameter', `tunables[${i}].ioTune`);
    const ioTune: IoTuneLimits = {};
    for (const [key, value] of Object.entries(entry.ioTune)) {
      if (!(IOTUNE_KEYS as readonly string[]).includes(key)) {
        throw new VdsmError('InvalidParameter', `unknown ioTune limit ${key} (known: ${IOTUNE_KEYS.join(', ')})`);
      }
      ioTune[key as IoTuneKey] = limitValue(key, value);
    }
    return { ...(name !== undefined ? { name } : {}), ...(path !== undefined ? { path } : {}), ioTune };
  });
}

/** Records a disk's limits in its ovirt-vm device entry (creating the entry when the engine sent none). */
export function recordIoTune(metadata: VmMetadata, target: string, limits: IoTuneLimits): void {
  const isDisk = (d: Element): boolean => attr(d, 'devtype') === 'disk' && attr(d, 'name') === target;
  if (!metadata.devices().some(isDisk)) {
    const entry = parseXml(
      `<${OVIRT_VM_PREFIX}:device xmlns:${OVIRT_VM_PREFIX}="${OVIRT_VM_NS}" devtype="disk" name="${escapeXml(target)}"/>`,
    ).documentElement;
    if (entry !== null) metadata.mergeDevices([entry]);
  }
  const device = metadata.devices().find(isDisk);
  const doc = device?.ownerDocument;
  if (device === undefined || doc === undefined || doc === null) return;
  // A new entry came from a document of its own: the root already declares the prefix.
  device.removeAttribute(`xmlns:${OVIRT_VM_PREFIX}`);
  for (const old of children(device, 'ioTune')) device.removeChild(old);
  const ioTune = doc.createElementNS(OVIRT_VM_NS, `${OVIRT_VM_PREFIX}:ioTune`);
  for (const key of IOTUNE_KEYS) {
    const value = limits[key];
    if (value === undefined) continue;
    const element = doc.createElementNS(OVIRT_VM_NS, `${OVIRT_VM_PREFIX}:${key}`);
    element.setAttribute('type', 'int');
    element.appendChild(doc.createTextNode(String(value)));
    ioTune.appendChild(element);
  }
  device.appendChild(ioTune);
}
