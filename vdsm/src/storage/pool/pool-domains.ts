/** The pool's domain map as the master domain stores it: `POOL_DOMAINS=sdUUID:Active,sdUUID:Attached`. */
import type { DomainStatus } from '../constants.js';

export type PoolDomains = Map<string, DomainStatus>;

export function parsePoolDomains(text: string | undefined): PoolDomains {
  const out: PoolDomains = new Map();
  for (const item of (text ?? '').split(',')) {
    const [sd, status] = item.split(':');
    if (sd === undefined || sd === '') continue;
    out.set(sd, normalizeStatus(status ?? 'Attached'));
  }
  return out;
}

export function formatPoolDomains(domains: PoolDomains): string {
  return [...domains].map(([sd, status]) => `${sd}:${status}`).join(',');
}

/** The engine sends lower- or capitalised statuses; `Inactive` is the deprecated name of Attached. */
export function normalizeStatus(status: string): DomainStatus {
  switch (status.toLowerCase()) {
    case 'active':
      return 'Active';
    case 'attached':
    case 'inactive':
      return 'Attached';
    case 'unattached':
      return 'Unattached';
    default:
      return 'Unknown';
  }
}
