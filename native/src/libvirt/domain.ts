import { forwardingClass } from './call-table.js';
import { ErrorCode, MetadataType, OVIRT_VM_NS, OVIRT_VM_PREFIX } from './constants.js';
import { DOMAIN_CALLS } from './domain-calls.js';
import { LibvirtError } from './errors.js';
import type { DomainHandle } from './interfaces.js';
import type { NativeDomain, TypedParamTuple } from './native.js';
import type { BlockIoTune } from './types.js';

/**
 * One libvirt domain. Name, UUID and ID are cached locally; every other call runs on a worker thread and
 * returns a Promise that rejects with a LibvirtError. The native handle is freed when this object is collected.
 * The calls of DOMAIN_CALLS come from that table.
 */
export class Domain
  extends forwardingClass(DOMAIN_CALLS, (self: { readonly native: object }) => self.native)
  implements DomainHandle
{
  /** @internal */
  constructor(readonly native: NativeDomain) {
    super();
  }

  get name(): string {
    return this.native.getName();
  }
  get uuid(): string {
    return this.native.getUUID();
  }
  /** -1 when not running (as of when this handle was obtained). */
  get id(): number {
    return this.native.getID();
  }

  /** The `<ovirt-vm:vm>` element of the domain's metadata (rejects with NO_DOMAIN_METADATA when absent). */
  getOvirtMetadata(flags = 0): Promise<string> {
    return this.native.getMetadata(MetadataType.ELEMENT, OVIRT_VM_NS, flags);
  }
  /** Replaces the `ovirt-vm` metadata element; `xml` is the element itself (e.g. `<vm>...</vm>`), or null to remove. */
  setOvirtMetadata(xml: string | null, flags = 0): Promise<number> {
    return this.native.setMetadata(MetadataType.ELEMENT, xml, OVIRT_VM_PREFIX, OVIRT_VM_NS, flags);
  }

  /**
   * Block I/O limits of one disk (target dev or source path); flags Affect.LIVE / Affect.CONFIG. Numbers travel
   * as libvirt's unsigned long long; a negative or fractional number is refused before reaching libvirt.
   */
  setBlockIoTune(disk: string, limits: BlockIoTune, flags = 0): Promise<number> {
    const tuples: TypedParamTuple[] = [];
    for (const [name, value] of Object.entries(limits)) {
      if (typeof value === 'string') tuples.push([name, 'string', value]);
      else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
        tuples.push([name, 'ullong', value]);
      else {
        const message = `block I/O tune ${name} must be a non-negative integer, got ${String(value)}`;
        return Promise.reject(new LibvirtError(message, ErrorCode.INVALID_ARG, 0));
      }
    }
    return this.native.setBlockIoTune(disk, tuples, flags);
  }
}

/** The addon object behind a handle; undefined for another implementation's handle (the addon refuses those). */
export function nativeDomain(handle: DomainHandle): NativeDomain | undefined {
  return (handle as Partial<Domain>).native;
}
