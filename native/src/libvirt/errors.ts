/**
 * Every failure of the binding is a LibvirtError: libvirt's own errors keep its virErrorNumber (`code`) and
 * virErrorDomain (`domain`); argument errors found by the binding use VIR_ERR_INVALID_ARG (8) and domain 0.
 */
export class LibvirtError extends Error {
  override readonly name = 'LibvirtError';
  constructor(
    message: string,
    readonly code: number,
    readonly domain: number,
  ) {
    super(message);
  }
}

export function isLibvirtError(err: unknown, code?: number): err is LibvirtError {
  return err instanceof LibvirtError && (code === undefined || err.code === code);
}
