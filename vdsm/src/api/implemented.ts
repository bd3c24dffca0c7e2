/** The implemented verbs, as a constant: the keys of the static handler tables (docs read it; nothing is built). */
import type { StorageServices } from '../storage/index.js';
import type { Handlers } from './handler.js';
import { HOST_HANDLERS } from './host.js';
import { HOST_STORAGE_HANDLERS } from './host-storage.js';
import { HOST_VIRT_HANDLERS } from './host-virt.js';
import { IMAGE_HANDLERS } from './image.js';
import { STORAGE_DOMAIN_HANDLERS } from './storage-domain.js';
import { STORAGE_POOL_HANDLERS } from './storage-pool.js';
import { TASK_HANDLERS } from './task.js';
import { VM_HANDLERS, type VmDeps } from './vm.js';
import { VOLUME_HANDLERS } from './volume.js';

/** The tables whose handlers need the virt layer (VM verbs, Host verbs about VMs). */
export const VIRT_TABLES: ReadonlyArray<Handlers<VmDeps>> = [VM_HANDLERS, HOST_VIRT_HANDLERS];

/** The storage namespaces' tables; their handlers need the storage service. */
export const STORAGE_TABLES: ReadonlyArray<Handlers<StorageServices>> = [
  HOST_STORAGE_HANDLERS,
  STORAGE_DOMAIN_HANDLERS,
  STORAGE_POOL_HANDLERS,
  TASK_HANDLERS,
  VOLUME_HANDLERS,
  IMAGE_HANDLERS,
];

/** Every verb that has a handler (the others answer code 44). */
export const IMPLEMENTED_METHODS: ReadonlySet<string> = new Set(
  [HOST_HANDLERS, ...VIRT_TABLES, ...STORAGE_TABLES].flatMap((table) => Object.keys(table)),
);
