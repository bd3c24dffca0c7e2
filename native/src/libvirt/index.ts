export { type CallSpec, type CallTable, call, type FacadeOf, forwardingClass } from './call-table.js';
export { Connection, type OpenOptions } from './connection.js';
export {
  CONNECTION_CALLS,
  CONNECTION_NATIVE_EXTRAS,
  type ConnectionCalls,
  type DomainCapabilitiesQuery,
} from './connection-calls.js';
export * from './constants.js';
export { Domain } from './domain.js';
export { DOMAIN_CALLS, DOMAIN_NATIVE_EXTRAS, type DomainCalls } from './domain-calls.js';
export { isLibvirtError, LibvirtError } from './errors.js';
export type * from './events.js';
export type { DomainHandle, Hypervisor, Subscription } from './interfaces.js';
export type { MigrateOptions, MigrateParams } from './migration.js';
export type { TypedParamTuple } from './native.js';
export { type TestDriverOptions, testDriverXml } from './test-driver-xml.js';
export type * from './types.js';
