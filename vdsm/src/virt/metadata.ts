/**
 * The `ovirt-vm` metadata of a domain (`<ovirt-vm:vm>` under `<metadata>`, namespace http://ovirt.org/vm/1.0): flat
 * typed key/values (`type="int|float|bool"`, none for strings) plus `<ovirt-vm:device>` entries. Elements are matched
 * by namespace URI, never by prefix. vdsmd reads the engine's keys and writes its own (startTime, exit info,
 * balloonTarget, ...) back through libvirt's metadata API, leaving everything else as it found it.
 */
import { attr, children, type Document, documentOf, type Element, parseXml, serializeXml, text } from './xml.js';

export const OVIRT_VM_NS = 'http://ovirt.org/vm/1.0';
export const OVIRT_VM_PREFIX = 'ovirt-vm';

export type MetadataValue = string | number | boolean;

/** A drive's image in oVirt storage: pool, domain, image and volume (upstream's PDIV). */
export interface VdsmImage {
  readonly poolID: string;
  readonly domainID: string;
  readonly imageID: string;
  readonly volumeID: string;
}

function typed(element: Element): MetadataValue {
  const raw = text(element) ?? '';
  switch (attr(element, 'type')) {
    case 'int':
    case 'float': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    case 'bool':
      return raw.toLowerCase() === 'true';
    default:
      return raw;
  }
}

function typeOf(value: MetadataValue): string | undefined {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return undefined;
}

/** A mutable view of one `<ovirt-vm:vm>` element. */
export class VmMetadata {
  private constructor(
    private readonly doc: Document,
    private readonly root: Element,
  ) {}

  /** Metadata from an element's XML (libvirt's getMetadata answer); an empty one when undefined. */
  static fromXml(xml: string | undefined): VmMetadata {
    const doc = parseXml(xml ?? `<${OVIRT_VM_PREFIX}:vm xmlns:${OVIRT_VM_PREFIX}="${OVIRT_VM_NS}"/>`);
    const root = doc.documentElement;
    if (root === null || root.namespaceURI !== OVIRT_VM_NS || root.localName !== 'vm') {
      throw new Error('ovirt-vm metadata must be an <ovirt-vm:vm> element in the http://ovirt.org/vm/1.0 namespace');
    }
    return new VmMetadata(doc, root);
  }

  /**
   * The `<ovirt-vm:vm>` element inside a domain's `<metadata>`, if any, copied node by node into a document of its
   * own (not re-parsed from text, and without keeping the domain's DOM alive).
   */
  static fromDomainMetadata(metadata: Element | undefined): VmMetadata | undefined {
    if (metadata === undefined) return undefined;
    const vm = children(metadata).find((e) => e.namespaceURI === OVIRT_VM_NS && e.localName === 'vm');
    if (vm === undefined) return undefined;
    const { doc, root } = documentOf(vm);
    return new VmMetadata(doc, root);
  }

  private keyElement(key: string): Element | undefined {
    return children(this.root).find((e) => e.namespaceURI === OVIRT_VM_NS && e.localName === key);
  }

  get(key: string): MetadataValue | undefined {
    const element = this.keyElement(key);
    return element === undefined ? undefined : typed(element);
  }

  getNumber(key: string): number | undefined {
    const value = this.get(key);
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) return Number(value);
    return undefined;
  }

  getBool(key: string): boolean | undefined {
    const value = this.get(key);
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return undefined;
  }

  getString(key: string): string | undefined {
    const value = this.get(key);
    return value === undefined ? undefined : String(value);
  }

  set(key: string, value: MetadataValue): void {
    let element = this.keyElement(key);
    if (element === undefined) {
      element = this.doc.createElementNS(OVIRT_VM_NS, `${OVIRT_VM_PREFIX}:${key}`);
      // Keys go before the device entries, as upstream writes them.
      const firstDevice = this.devices()[0];
      if (firstDevice === undefined) this.root.appendChild(element);
      else this.root.insertBefore(element, firstDevice);
    }
    while (element.firstChild !== null) element.removeChild(element.firstChild);
    const type = typeOf(value);
    if (type === undefined) element.removeAttribute('type');
    else element.setAttribute('type', type);
    element.appendChild(this.doc.createTextNode(String(value)));
  }

  delete(key: string): void {
    const element = this.keyElement(key);
    if (element !== undefined) this.root.removeChild(element);
  }

  /** `<ovirt-vm:device>` entries (NICs by mac_address, disks by devtype+name). */
  devices(): Element[] {
    return children(this.root).filter((e) => e.namespaceURI === OVIRT_VM_NS && e.localName === 'device');
  }

  /**
   * The oVirt image a disk names in its device entry (`devtype="disk"`, `name` = the target dev): all four of
   * poolID, domainID, imageID and volumeID, or undefined (upstream's isVdsmImage).
   */
  diskImage(target: string): VdsmImage | undefined {
    const entry = this.devices().find((e) => isDiskEntry(e, target));
    return entry === undefined ? undefined : deviceImage(entry);
  }

  /** Adds device entries (from hot-plug metadata), replacing entries that match the same device. */
  mergeDevices(entries: readonly Element[]): void {
    for (const entry of entries) {
      this.removeDevices((e) => sameDevice(e, entry));
      this.root.appendChild(this.doc.importNode(entry, true));
    }
  }

  removeDevices(match: (device: Element) => boolean): void {
    for (const device of this.devices()) if (match(device)) this.root.removeChild(device);
  }

  /** The element with its ovirt-vm prefix (for logs and tests). */
  toXml(): string {
    return serializeXml(this.root);
  }

  /**
   * The element as libvirt's metadata API takes it: without any namespace. libvirt puts the element and all its
   * children into the ovirt-vm namespace itself (and refuses an element that already declares the prefix).
   */
  toLibvirtXml(): string {
    return serializeXml(renamespace(this.root, null, ''));
  }

  /** Metadata as libvirt's getMetadata returns it (the same namespace-less form). */
  static fromLibvirtXml(xml: string): VmMetadata {
    const root = parseXml(xml).documentElement;
    if (root === null || root.localName !== 'vm') throw new Error('ovirt-vm metadata must be a <vm> element');
    return VmMetadata.fromXml(serializeXml(renamespace(root, OVIRT_VM_NS, `${OVIRT_VM_PREFIX}:`)));
  }
}

/** A copy of `from` whose ovirt-vm (or namespace-less) elements are moved to namespace `ns` with `prefix`. */
function renamespace(from: Element, ns: string | null, prefix: string): Element {
  const doc = parseXml(ns === null ? '<vm/>' : `<${prefix}vm xmlns:${prefix.slice(0, -1)}="${ns}"/>`);
  const copy = (source: Element, target: Element): void => {
    for (const a of Array.from(source.attributes)) {
      if (a.name !== 'xmlns' && !a.name.startsWith('xmlns:')) target.setAttribute(a.name, a.value);
    }
    for (let node = source.firstChild; node !== null; node = node.nextSibling) {
      if (node.nodeType === 1) {
        const element = node as Element;
        const ours = element.namespaceURI === OVIRT_VM_NS || element.namespaceURI === null;
        const name = element.localName ?? element.nodeName;
        const created = ours
          ? ns === null
            ? doc.createElement(name)
            : doc.createElementNS(ns, `${prefix}${name}`)
          : doc.createElementNS(element.namespaceURI, element.nodeName);
        copy(element, created);
        target.appendChild(created);
      } else if (node.nodeType === 3 || node.nodeType === 4) {
        target.appendChild(doc.createTextNode(node.nodeValue ?? ''));
      }
    }
  };
  const root = doc.documentElement as Element;
  copy(from, root);
  return root;
}

/** A `<ovirt-vm:device devtype="disk" name="<target>">` entry. */
export function isDiskEntry(entry: Element, target: string): boolean {
  return attr(entry, 'devtype') === 'disk' && attr(entry, 'name') === target;
}

/** The image a device entry names: all four of poolID, domainID, imageID and volumeID (upstream isVdsmImage). */
export function deviceImage(entry: Element): VdsmImage | undefined {
  const value = (key: string): string | undefined => {
    const element = children(entry).find((e) => e.namespaceURI === OVIRT_VM_NS && e.localName === key);
    const found = element === undefined ? undefined : text(element);
    return found === undefined || found === '' ? undefined : found;
  };
  const poolID = value('poolID');
  const domainID = value('domainID');
  const imageID = value('imageID');
  const volumeID = value('volumeID');
  if (poolID === undefined || domainID === undefined || imageID === undefined || volumeID === undefined) {
    return undefined;
  }
  return { poolID, domainID, imageID, volumeID };
}

function sameDevice(a: Element, b: Element): boolean {
  const mac = attr(a, 'mac_address');
  if (mac !== undefined) return mac.toLowerCase() === (attr(b, 'mac_address') ?? '').toLowerCase();
  return attr(a, 'devtype') === attr(b, 'devtype') && attr(a, 'name') === attr(b, 'name');
}
