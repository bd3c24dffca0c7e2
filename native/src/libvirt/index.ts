export { Connection, type DomainHandle, type Hypervisor, type OpenOptions, type Subscription } from './connection.js';
export * from './constants.js';
export { Domain } from './domain.js';
export { isLibvirtError, LibvirtError } from './errors.js';
export type * from './events.js';
export type { MigrateOptions, MigrateParams } from './migration.js';
export type { TypedParamTuple } from './native.js';
export { type TestDriverOptions, testDriverXml } from './test-driver-xml.js';
export type * from './types.js';
