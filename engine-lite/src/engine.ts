/** What the REST API and the CLI's `serve` work with: the database and the services built on it. */
import type { Db } from './db/db.js';
import type { HostManager } from './hosts/manager.js';
import type { CertificateAuthority } from './pki/ca.js';
import type { PoolManager } from './storage/pool-manager.js';
import type { VmService } from './vms/service.js';

export interface Engine {
  readonly db: Db;
  readonly hosts: HostManager;
  readonly vms: VmService;
  readonly ca: CertificateAuthority;
  readonly pools: PoolManager;
}
