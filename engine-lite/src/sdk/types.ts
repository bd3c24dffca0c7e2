/** The REST API's entity shapes, as the server presents them (JSON: dates are ISO strings). */
import type { present } from '../api/present.js';

export type DataCenter = ReturnType<typeof present.datacenter>;
export type Cluster = ReturnType<typeof present.cluster>;
export type Host = ReturnType<typeof present.host>;
export type Vm = ReturnType<typeof present.vm>;
export type Template = ReturnType<typeof present.template>;
export type Disk = ReturnType<typeof present.disk>;
export type StorageDomain = ReturnType<typeof present.storageDomain>;
export type AuditEvent = ReturnType<typeof present.event>;

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

export interface VmFields {
  name?: string;
  description?: string;
  /** bytes, a whole number of MiB */
  memory?: number;
  cpu?: { topology: { sockets: number } };
  os?: { type: string };
  display?: { type: 'vnc' | 'spice' };
}

export interface NewVm extends VmFields {
  name: string;
  cluster: Ref;
  template?: Ref;
  network?: string;
}

export interface HostPki {
  'keys/vdsmkey.pem': string;
  'certs/vdsmcert.pem': string;
  'certs/cacert.pem': string;
}

export interface NewStorageDomain {
  name: string;
  type?: 'data' | 'iso' | 'export';
  storage: { type: 'nfs' | 'posixfs' | 'localfs' | 'glusterfs'; address?: string; path: string };
  data_center?: Ref;
}
