/** The few DOM helpers the virt layer needs on top of @xmldom/xmldom: strict parsing and element walking. */
import { DOMImplementation, DOMParser, type Document, type Element, XMLSerializer } from '@xmldom/xmldom';

export type { Document, Element };

const ELEMENT_NODE = 1;

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

const parser = new DOMParser({
  locator: false,
  onError: (level, message) => {
    if (level !== 'warning') throw new XmlError(message.trim());
  },
});
const serializer = new XMLSerializer();

/** Parses XML strictly: any error (not just fatal ones) throws XmlError. */
export function parseXml(text: string): Document {
  try {
    return parser.parseFromString(text, 'text/xml');
  } catch (err) {
    if (err instanceof XmlError) throw err;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new XmlError(message ?? 'invalid XML');
  }
}

const implementation = new DOMImplementation();
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const COMMENT_NODE = 8;

/**
 * A document of its own holding a copy of `element` (elements, attributes, text, comments), built node by node rather than
 * re-parsed from text. xmldom's importNode keeps attribute nodes owned by the source document, which would keep a
 * whole domain DOM alive behind a small copy.
 */
export function documentOf(element: Element): { readonly doc: Document; readonly root: Element } {
  const doc = implementation.createDocument(null, '', null);
  const copy = (source: Element): Element => {
    const target = doc.createElementNS(source.namespaceURI, source.tagName);
    for (let i = 0; i < source.attributes.length; i++) {
      const a = source.attributes.item(i);
      if (a !== null) target.setAttributeNS(a.namespaceURI, a.name, a.value);
    }
    for (let node = source.firstChild; node !== null; node = node.nextSibling) {
      if (node.nodeType === ELEMENT_NODE) target.appendChild(copy(node as Element));
      else if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE)
        target.appendChild(doc.createTextNode(node.nodeValue ?? ''));
      else if (node.nodeType === COMMENT_NODE) target.appendChild(doc.createComment(node.nodeValue ?? ''));
    }
    return target;
  };
  const root = copy(element);
  doc.appendChild(root);
  return { doc, root };
}

export function serializeXml(node: Document | Element): string {
  return serializer.serializeToString(node);
}

/** Child elements of `parent`, optionally only those with this local name (any namespace). */
export function children(parent: Element | Document, localName?: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType !== ELEMENT_NODE) continue;
    const element = node as Element;
    if (localName === undefined || element.localName === localName) out.push(element);
  }
  return out;
}

export function child(parent: Element | Document, localName: string): Element | undefined {
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE && (node as Element).localName === localName) return node as Element;
  }
  return undefined;
}

/** The attribute's value, or undefined when absent (getAttribute gives '' or null depending on version). */
export function attr(element: Element | undefined, name: string): string | undefined {
  if (element === undefined || !element.hasAttribute(name)) return undefined;
  return element.getAttribute(name) ?? undefined;
}

export function text(element: Element | undefined): string | undefined {
  if (element === undefined) return undefined;
  return (element.textContent ?? '').trim();
}

/** `<parent><a><b attr=...>` shortcut: attribute of a direct child. */
export function childAttr(parent: Element, localName: string, name: string): string | undefined {
  return attr(child(parent, localName), name);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** libvirt's size units (`<memory unit='MiB'>`) as multiples of KiB, keyed in lower case; absent means KiB. */
export const KIB_PER_UNIT: Readonly<Record<string, number>> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  k: 1,
  kib: 1,
  kb: 1000 / 1024,
  m: 1024,
  mib: 1024,
  mb: 1e6 / 1024,
  g: 1024 ** 2,
  gib: 1024 ** 2,
  gb: 1e9 / 1024,
  t: 1024 ** 3,
  tib: 1024 ** 3,
  tb: 1e12 / 1024,
};
