/** The request bodies of the REST API, as the route schemas accept them; the SDK sends the same types. */

/** an entity named by `id` or `name` (resolved by refs.ts) */
export interface Ref {
  id?: string;
  name?: string;
}

export interface NewDataCenter {
  name: string;
  description?: string;
  version?: { major: number; minor: number };
}

export interface NewCluster {
  name: string;
  data_center: Ref;
  cpu: { type: string };
  description?: string;
  version?: { major: number; minor: number };
}

export interface NewHost {
  name: string;
  address: string;
  port?: number;
  cluster: Ref;
  tls?: boolean;
  spm?: { priority: number };
}

/** what PUT /vms/ID edits, and what POST /vms takes besides its own fields */
export interface VmFields {
  name?: string;
  description?: string;
  /** bytes, a whole number of MiB */
  memory?: number;
  cpu?: { topology: { sockets?: number } };
  /** kernel/initrd (absolute paths on the host) and cmdline: direct kernel boot, as oVirt's VM os fields */
  os?: { type?: string; kernel?: string; initrd?: string; cmdline?: string };
  display?: { type: 'vnc' | 'spice' };
}

export interface NewVm extends VmFields {
  name: string;
  cluster: Ref;
  template?: Ref;
  network?: string;
}

export interface NewStorageDomain {
  name: string;
  type?: 'data' | 'iso' | 'export';
  storage: { type: 'nfs' | 'posixfs' | 'localfs' | 'iscsi' | 'glusterfs'; address?: string; path: string };
  data_center?: Ref;
}
