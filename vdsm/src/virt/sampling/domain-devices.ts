/**
 * What the bulk stats cannot say about a VM and its stats need: NIC MACs and models, disk kinds and image IDs,
 * memory sizes, the balloon device and CPU tuning. Read from the live domain XML once per VM (again only when its
 * set of NICs or disks changes), never on the request path.
 */
import { OVIRT_VM_NS } from '../metadata.js';
import { attr, child, children, type Element, KIB_PER_UNIT, parseXml, text } from '../xml.js';

export interface NicInfo {
  readonly mac: string;
  readonly model: string;
}

export interface DiskInfo {
  /** disk, cdrom, floppy or lun */
  readonly device: string;
  readonly imageID?: string;
}

export interface DomainDevices {
  /** By host-side device name (`<target dev>`, e.g. vnet0): how libvirt names NICs in bulk stats. */
  readonly nics: ReadonlyMap<string, NicInfo>;
  /** By guest target (`vda`). */
  readonly disks: ReadonlyMap<string, DiskInfo>;
  /** `<memory>` in KiB. */
  readonly memoryKiB: number;
  /** `<currentMemory>` in KiB: the balloon target libvirt keeps. */
  readonly currentMemoryKiB: number;
  /** A `<memballoon>` other than model none. */
  readonly balloon: boolean;
  /** ovirt-vm:minGuaranteedMemoryMb, in KiB. */
  readonly minGuaranteedKiB: number;
  /** ovirt-vm:ballooningEnabled (default: a balloon exists). */
  readonly ballooningEnabled: boolean;
  readonly vcpuQuota?: number;
  readonly vcpuPeriod?: number;
}

function kib(e: Element | undefined): number {
  const n = Number(text(e));
  if (e === undefined || !Number.isFinite(n)) return 0;
  return Math.round(n * (KIB_PER_UNIT[(attr(e, 'unit') ?? 'KiB').toLowerCase()] ?? 1));
}

function optionalInt(e: Element | undefined): number | undefined {
  const s = text(e);
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isInteger(n) ? n : undefined;
}

/** The `<ovirt-vm:vm>` element of `<metadata>`, matched by namespace. */
function ovirtVm(domain: Element): Element | undefined {
  const metadata = child(domain, 'metadata');
  return metadata === undefined ? undefined : children(metadata, 'vm').find((e) => e.namespaceURI === OVIRT_VM_NS);
}

/** Parses the live domain XML; throws XmlError on text that is not XML. */
export function parseDomainDevices(xml: string): DomainDevices {
  const domain = parseXml(xml).documentElement;
  if (domain === null || domain.localName !== 'domain') throw new Error('not a domain XML: no <domain> element');
  const devices = child(domain, 'devices');
  const ovirt = ovirtVm(domain);

  const imageIds = new Map<string, string>();
  for (const d of ovirt === undefined ? [] : children(ovirt, 'device')) {
    const name = attr(d, 'name');
    const imageID = text(child(d, 'imageID')) ?? text(child(d, 'GUID'));
    if (name !== undefined && imageID !== undefined && imageID !== '') imageIds.set(name, imageID);
  }

  const nics = new Map<string, NicInfo>();
  const disks = new Map<string, DiskInfo>();
  let balloon = false;
  for (const d of devices === undefined ? [] : children(devices)) {
    if (d.localName === 'interface') {
      const dev = attr(child(d, 'target'), 'dev');
      const mac = attr(child(d, 'mac'), 'address');
      if (dev !== undefined && mac !== undefined) nics.set(dev, { mac, model: attr(child(d, 'model'), 'type') ?? '' });
    } else if (d.localName === 'disk') {
      const dev = attr(child(d, 'target'), 'dev');
      if (dev === undefined) continue;
      const imageID = imageIds.get(dev);
      disks.set(dev, { device: attr(d, 'device') ?? 'disk', ...(imageID === undefined ? {} : { imageID }) });
    } else if (d.localName === 'memballoon' && attr(d, 'model') !== 'none') {
      balloon = true;
    }
  }

  const ballooning = ovirt === undefined ? undefined : text(child(ovirt, 'ballooningEnabled'));
  const cputune = child(domain, 'cputune');
  const quota = cputune === undefined ? undefined : optionalInt(child(cputune, 'quota'));
  const period = cputune === undefined ? undefined : optionalInt(child(cputune, 'period'));
  const memoryKiB = kib(child(domain, 'memory'));
  const current = kib(child(domain, 'currentMemory'));
  const minGuaranteedMiB = ovirt === undefined ? undefined : optionalInt(child(ovirt, 'minGuaranteedMemoryMb'));
  return {
    nics,
    disks,
    memoryKiB,
    currentMemoryKiB: current > 0 ? current : memoryKiB,
    balloon,
    minGuaranteedKiB: (minGuaranteedMiB ?? 0) * 1024,
    ballooningEnabled: ballooning === undefined ? balloon : ballooning === 'true',
    ...(quota === undefined ? {} : { vcpuQuota: quota }),
    ...(period === undefined ? {} : { vcpuPeriod: period }),
  };
}
