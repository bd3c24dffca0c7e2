/**
 * Host.getAllVmIoTunePolicies for one VM, as upstream's vm.py io_tune_policy_values: `policy` is the engine's QoS from
 * the domain metadata (`<ovirt-tune:qos><ovirt-tune:ioTune><ovirt-tune:device name= path=>` with `guaranteed` and
 * `maximum` limits, vmtune.io_tune_dom_all_to_list), `current_values` the live limits libvirt applies to each drive
 * that names an oVirt image.
 */
import { Affect } from '@vdsm-ts/native/libvirt/index';
import { imageDrives } from '../drives.js';
import { attr, child, children, type Element, parseXml, text } from '../xml.js';
import { currentLimits, type IoTuneLimits } from './io-tune.js';
import type { VmView } from './vm.js';

export const OVIRT_TUNE_NS = 'http://ovirt.org/vm/tune/1.0';

export interface IoTunePolicyEntry {
  readonly name?: string;
  readonly path?: string;
  readonly guaranteed?: Readonly<Record<string, number>>;
  readonly maximum?: Readonly<Record<string, number>>;
}

export interface IoTuneCurrentValues {
  readonly name: string;
  readonly path: string;
  readonly ioTune: Required<IoTuneLimits>;
}

export interface IoTunePolicyValues {
  readonly policy: readonly IoTunePolicyEntry[];
  readonly current_values: readonly IoTuneCurrentValues[];
}

function tuneChild(parent: Element, name: string): Element | undefined {
  return children(parent).find((e) => e.namespaceURI === OVIRT_TUNE_NS && e.localName === name);
}

/** Integer children by tag (upstream collect_inner_elements skips what is not an integer). */
function limits(element: Element): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of children(element)) {
    const value = text(e) ?? '';
    if (/^-?\d+$/.test(value.trim())) out[e.localName ?? e.nodeName] = Number(value);
  }
  return out;
}

/** The QoS I/O policy in a domain XML's metadata (an empty list when there is none). */
export function ioTunePolicy(domainXml: string): IoTunePolicyEntry[] {
  const root = parseXml(domainXml).documentElement;
  const metadata = root === null ? undefined : child(root, 'metadata');
  const qos = metadata === undefined ? undefined : tuneChild(metadata, 'qos');
  const ioTune = qos === undefined ? undefined : tuneChild(qos, 'ioTune');
  if (ioTune === undefined) return [];
  return children(ioTune)
    .filter((e) => e.namespaceURI === OVIRT_TUNE_NS && e.localName === 'device')
    .map((device) => {
      const name = attr(device, 'name');
      const path = attr(device, 'path');
      const guaranteed = tuneChild(device, 'guaranteed');
      const maximum = tuneChild(device, 'maximum');
      return {
        ...(name ? { name } : {}),
        ...(path ? { path } : {}),
        ...(guaranteed === undefined ? {} : { guaranteed: limits(guaranteed) }),
        ...(maximum === undefined ? {} : { maximum: limits(maximum) }),
      };
    });
}

/** The VM's policy and current limits; undefined when libvirt cannot answer (upstream leaves such a VM out). */
export async function ioTunePolicyValues(vm: VmView): Promise<IoTunePolicyValues | undefined> {
  const handle = vm.handle;
  if (handle === undefined || vm.isDown()) return undefined;
  try {
    const current: IoTuneCurrentValues[] = [];
    for (const drive of imageDrives(vm.description.disks, vm.metadata)) {
      const live = await handle.getBlockIoTune(drive.target, Affect.LIVE);
      current.push({ name: drive.target, path: drive.path ?? '', ioTune: currentLimits(live) });
    }
    return { policy: ioTunePolicy(vm.description.xml), current_values: current };
  } catch {
    return undefined;
  }
}
