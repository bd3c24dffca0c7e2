/**
 * What the virt layer reads from a domain XML (the engine's, or libvirt's live one): identity, size, the devices VDSM
 * reports on (graphics, NICs, disks, guest channels) and the ovirt-vm metadata. Parsed once per change, never per
 * stats call.
 */
import { createHash } from 'node:crypto';
import { VmMetadata } from './metadata.js';
import {
  attr,
  child,
  childAttr,
  children,
  type Document,
  type Element,
  KIB_PER_UNIT,
  parseXml,
  serializeXml,
  text,
} from './xml.js';

export class DomainXmlError extends Error {
  override readonly name = 'DomainXmlError';
}

export interface GraphicsInfo {
  readonly type: string;
  /** '' when not known yet (autoport before start) or -1. */
  readonly port: string;
  readonly tlsPort: string;
  readonly listen: string;
}

export interface InterfaceInfo {
  readonly mac: string;
  readonly alias: string | undefined;
  readonly model: string | undefined;
  readonly linkState: string | undefined;
}

export interface DiskInfo {
  readonly device: string;
  readonly target: string;
  readonly bus: string | undefined;
  readonly alias: string | undefined;
  readonly path: string | undefined;
}

export interface ChannelInfo {
  readonly name: string;
  readonly path: string;
}

/** Facts only: no DOM is kept, so a thousand VMs stay cheap; devices.ts re-parses `xml` when it edits devices. */
export interface DomainDescription {
  readonly xml: string;
  readonly uuid: string;
  readonly name: string;
  readonly type: string;
  readonly arch: string | undefined;
  readonly memoryKiB: number;
  readonly vcpus: number;
  readonly maxVcpus: number;
  readonly acpi: boolean;
  readonly onReboot: string | undefined;
  readonly graphics: readonly GraphicsInfo[];
  readonly interfaces: readonly InterfaceInfo[];
  readonly disks: readonly DiskInfo[];
  readonly channels: readonly ChannelInfo[];
  /** The ovirt-vm metadata; undefined for domains vdsm does not manage. */
  readonly metadata: VmMetadata | undefined;
  /** Changes whenever the device list changes (engine re-reads devices then). */
  readonly devicesHash: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function memoryKiB(element: Element | undefined): number {
  const value = Number(text(element));
  if (element === undefined || !Number.isFinite(value) || value <= 0) {
    throw new DomainXmlError('<memory> is missing or not a positive number');
  }
  const unit = (attr(element, 'unit') ?? 'KiB').toLowerCase();
  const factor = KIB_PER_UNIT[unit];
  if (factor === undefined) throw new DomainXmlError(`unknown memory unit ${unit}`);
  return Math.round(value * factor);
}

function graphicsInfo(element: Element): GraphicsInfo {
  const port = attr(element, 'port') ?? '';
  const tlsPort = attr(element, 'tlsPort') ?? '';
  const listenElement = child(element, 'listen');
  const listen = attr(listenElement, 'address') ?? attr(element, 'listen') ?? '0';
  return {
    type: attr(element, 'type') ?? '',
    port: port === '-1' ? '' : port,
    tlsPort: tlsPort === '-1' ? '' : tlsPort,
    listen,
  };
}

function channelInfo(element: Element): ChannelInfo | undefined {
  if (attr(element, 'type') !== 'unix') return undefined;
  const name = childAttr(element, 'target', 'name');
  const path = childAttr(element, 'source', 'path');
  return name === undefined || path === undefined ? undefined : { name, path };
}

/** A domain XML parsed once: its document (for edits before the domain is defined) and what was read from it. */
export interface ParsedDomain {
  readonly doc: Document;
  readonly description: DomainDescription;
}

/** Parses and checks a domain XML. Throws DomainXmlError with a message fit for the API caller. */
export function describeDomain(xml: string): DomainDescription {
  return parseDomain(xml).description;
}

/** describeDomain, keeping the document. */
export function parseDomain(xml: string): ParsedDomain {
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new DomainXmlError(`domain XML is not well-formed: ${(err as Error).message}`);
  }
  const root = doc.documentElement;
  if (root === null || root.localName !== 'domain') throw new DomainXmlError('root element is not <domain>');
  const type = attr(root, 'type');
  if (type === undefined || type === '') throw new DomainXmlError('<domain> has no type attribute');
  const uuid = text(child(root, 'uuid'));
  if (uuid === undefined || !UUID_RE.test(uuid)) throw new DomainXmlError('<uuid> is missing or not a UUID');
  const name = text(child(root, 'name'));
  if (name === undefined || name === '') throw new DomainXmlError('<name> is missing');
  const vcpu = child(root, 'vcpu');
  const maxVcpus = vcpu === undefined ? 1 : Number(text(vcpu));
  const vcpus = Number(attr(vcpu, 'current') ?? maxVcpus);
  if (!Number.isInteger(maxVcpus) || maxVcpus < 1 || !Number.isInteger(vcpus) || vcpus < 1) {
    throw new DomainXmlError('<vcpu> is not a positive integer');
  }
  const devices = child(root, 'devices');
  const all = devices === undefined ? [] : children(devices);
  const interfaces: InterfaceInfo[] = [];
  const disks: DiskInfo[] = [];
  const graphics: GraphicsInfo[] = [];
  const channels: ChannelInfo[] = [];
  for (const element of all) {
    switch (element.localName) {
      case 'graphics':
        graphics.push(graphicsInfo(element));
        break;
      case 'interface': {
        const mac = childAttr(element, 'mac', 'address');
        if (mac === undefined) break;
        interfaces.push({
          mac: mac.toLowerCase(),
          alias: childAttr(element, 'alias', 'name'),
          model: childAttr(element, 'model', 'type'),
          linkState: childAttr(element, 'link', 'state'),
        });
        break;
      }
      case 'disk': {
        const target = childAttr(element, 'target', 'dev');
        if (target === undefined) throw new DomainXmlError('a <disk> has no <target dev>');
        const source = child(element, 'source');
        disks.push({
          device: attr(element, 'device') ?? 'disk',
          target,
          bus: childAttr(element, 'target', 'bus'),
          alias: childAttr(element, 'alias', 'name'),
          path: attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'name'),
        });
        break;
      }
      case 'channel': {
        const channel = channelInfo(element);
        if (channel !== undefined) channels.push(channel);
        break;
      }
    }
  }
  const features = child(root, 'features');
  const metadata = VmMetadata.fromDomainMetadata(child(root, 'metadata'));
  const description: DomainDescription = {
    xml,
    uuid: uuid.toLowerCase(),
    name,
    type,
    arch: childAttr(child(root, 'os') ?? root, 'type', 'arch'),
    memoryKiB: memoryKiB(child(root, 'memory')),
    vcpus,
    maxVcpus,
    acpi: features !== undefined && child(features, 'acpi') !== undefined,
    onReboot: text(child(root, 'on_reboot')),
    graphics,
    interfaces,
    disks,
    channels,
    metadata,
    devicesHash: devices === undefined ? '0' : hashOf(serializeXml(devices)),
  };
  return { doc, description };
}

function hashOf(value: string): string {
  // A decimal string like upstream's Python hash(); only equality matters to the engine.
  return BigInt(`0x${createHash('sha1').update(value).digest('hex').slice(0, 15)}`).toString();
}

/**
 * The same domain with the root's `type` replaced, edited in the parsed document (not parsed again): only `type`
 * and `xml` of the description change.
 */
export function withDomainType(parsed: ParsedDomain, type: string): DomainDescription {
  const root = parsed.doc.documentElement;
  if (root === null) throw new DomainXmlError('root element is not <domain>');
  root.setAttribute('type', type);
  return { ...parsed.description, type, xml: serializeXml(root) };
}

/** The `<devices>` children of a domain XML as elements, for editing one and sending it back to libvirt. */
export function deviceElements(xml: string): { readonly doc: Document; readonly devices: readonly Element[] } {
  const doc = parseXml(xml);
  const root = doc.documentElement;
  const devices = root === null ? undefined : child(root, 'devices');
  return { doc, devices: devices === undefined ? [] : children(devices) };
}

/**
 * `description` (the parsed domain's, perhaps with its type changed) with prepared paths put into its disks'
 * `<source>` (by target dev), edited in the parsed document as withDomainType does: `file` for file disks, `dev`
 * for block disks.
 */
export function withDrivePaths(
  parsed: ParsedDomain,
  description: DomainDescription,
  paths: ReadonlyMap<string, string>,
): DomainDescription {
  const root = parsed.doc.documentElement;
  const devices = root === null ? undefined : child(root, 'devices');
  if (root === null || devices === undefined) return description;
  for (const disk of children(devices, 'disk')) {
    const target = childAttr(disk, 'target', 'dev');
    const path = target === undefined ? undefined : paths.get(target);
    if (path !== undefined) setDiskSource(parsed.doc, disk, path);
  }
  const disks = description.disks.map((d) => {
    const path = paths.get(d.target);
    return path === undefined ? d : { ...d, path };
  });
  return { ...description, disks, xml: serializeXml(root) };
}

/** Points a `<disk>` element at `path`: `<source file>` for file disks, `<source dev>` for block disks. */
export function setDiskSource(doc: Document, disk: Element, path: string): void {
  let source = child(disk, 'source');
  if (source === undefined) {
    source = doc.createElementNS(disk.namespaceURI, 'source');
    disk.insertBefore(source, disk.firstChild);
  }
  source.setAttribute(attr(disk, 'type') === 'block' ? 'dev' : 'file', path);
}
