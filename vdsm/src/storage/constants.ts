/** Storage constants shared by every backend, with upstream's values (sd.py, constants.py, volume.py). */

export const BLANK_UUID = '00000000-0000-0000-0000-000000000000';

/** Domain type ids as the API sends them, and the names the metadata stores. */
export const DOMAIN_TYPES = {
  0: 'UNKNOWN',
  1: 'NFS',
  2: 'FCP',
  3: 'ISCSI',
  4: 'LOCALFS',
  5: 'CIFS',
  6: 'POSIXFS',
  7: 'GLUSTERFS',
} as const;
export type DomainTypeId = keyof typeof DOMAIN_TYPES;
export type DomainTypeName = (typeof DOMAIN_TYPES)[DomainTypeId];

export function domainTypeName(id: number): DomainTypeName | undefined {
  return Object.hasOwn(DOMAIN_TYPES, id) ? DOMAIN_TYPES[id as DomainTypeId] : undefined;
}

export const FILE_DOMAIN_TYPES: ReadonlySet<DomainTypeName> = new Set(['NFS', 'LOCALFS', 'POSIXFS', 'GLUSTERFS']);

export type DomainClass = 'Data' | 'Iso' | 'Backup';
/** API class ids (DATA_DOMAIN=1, ISO_DOMAIN=2, BACKUP_DOMAIN=3) to metadata names. */
export const DOMAIN_CLASSES: ReadonlyMap<number | string, DomainClass> = new Map<number | string, DomainClass>([
  [1, 'Data'],
  [2, 'Iso'],
  [3, 'Backup'],
  ['Data', 'Data'],
  ['Iso', 'Iso'],
  ['Backup', 'Backup'],
]);

export type DomainRole = 'Master' | 'Regular';
export type DomainStatus = 'Active' | 'Attached' | 'Unattached' | 'Unknown';

export const SUPPORTED_DOMAIN_VERSIONS: readonly number[] = [0, 2, 3, 4, 5];
export const DEFAULT_DOMAIN_VERSION = 5;

/** Upstream sd.py defaults written at domain creation. */
export const DEFAULT_LEASE_PARAMS = {
  LOCKRENEWALINTERVALSEC: 5,
  LEASETIMESEC: 60,
  IOOPTIMEOUTSEC: 10,
  LEASERETRIES: 3,
} as const;

export const MAX_DESCRIPTION_LENGTH = 50;
export const MAX_VOLUME_DESCRIPTION_LENGTH = 210;

/** v5 file domains: leases aligned to 1 MiB, 512-byte sectors (file storage on 4K devices is not probed yet). */
export const ALIGNMENT_1M = 1024 * 1024;
export const MAILBOX_SIZE = 16 * 1024 * 1024;
/** SDM lease: slot 1 of the leases volume. */
export const SDM_LEASE_NAME = 'SDM';
export const SDM_LEASE_SLOT = 1;
export const MAX_HOST_ID = 250;

/** ISO domains keep every file in this fixed image directory. */
export const ISO_IMAGE_UUID = '11111111-1111-1111-1111-111111111111';
export const REMOVED_IMAGE_PREFIX = '_remove_me_';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** Mode of every metadata file vdsm writes on a domain (vdsm:kvm rw, as upstream's fileUtils). */
export const METADATA_FILE_MODE = 0o660;
