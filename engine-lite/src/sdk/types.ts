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

export type { NewCluster, NewDataCenter, NewHost, NewStorageDomain, NewVm, Ref, VmFields } from '../api/bodies.js';

export interface HostPki {
  'keys/vdsmkey.pem': string;
  'certs/vdsmcert.pem': string;
  'certs/cacert.pem': string;
}
