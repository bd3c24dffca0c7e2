/** StorageConnections: storage-server connections by domain type (file types only; others answer StorageDomainTypeError, 372). */
import { VdsmError } from '../../errors/vdsm-error.js';
import { type DomainTypeName, domainTypeName, FILE_DOMAIN_TYPES } from '../constants.js';
import type { StorageConnections } from '../services.js';
import type { ConnectionParams, ConnectionStatus, StorageServerConnections } from './storage-server.js';

/** The file domain type named by the API's number or name; SHAREDFS is upstream's old name of POSIXFS. */
export function fileDomainType(value: number | string): DomainTypeName {
  const name = typeof value === 'number' ? domainTypeName(value) : (value as DomainTypeName);
  if (name === undefined || !FILE_DOMAIN_TYPES.has(name === ('SHAREDFS' as string) ? 'POSIXFS' : name))
    throw new VdsmError('StorageDomainTypeError', `domain type ${String(value)} is not implemented`);
  return name === ('SHAREDFS' as string) ? 'POSIXFS' : name;
}

export class ConnectionService implements StorageConnections {
  constructor(private readonly servers: StorageServerConnections) {}

  connect(domainType: number | string, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]> {
    return this.servers.connectAll(fileDomainType(domainType), list);
  }

  disconnect(domainType: number | string, list: readonly ConnectionParams[]): Promise<ConnectionStatus[]> {
    return this.servers.disconnectAll(fileDomainType(domainType), list);
  }
}
