import type { OperationName } from '@vdsm-ts/supervdsm-protocol/operations';
import type { OpHandler } from './ops/handler.js';
import { hardwareHandlers } from './ops/hardware.js';
import { iscsiHandlers } from './ops/iscsi.js';
import { libvirtConfHandlers } from './ops/libvirt-conf.js';
import { lvmHandlers } from './ops/lvm.js';
import { memoryHandlers } from './ops/memory.js';
import { metaHandlers } from './ops/meta.js';
import { networkHandlers } from './ops/network.js';
import { storageHandlers } from './ops/storage.js';
import { systemdHandlers } from './ops/systemd.js';

/** Every exposed operation's handler; the type makes a missing (or extra) operation a compile error. */
export const HANDLERS: { readonly [K in OperationName]: OpHandler<K> } = {
  ...metaHandlers,
  ...storageHandlers,
  ...lvmHandlers,
  ...iscsiHandlers,
  ...networkHandlers,
  ...systemdHandlers,
  ...memoryHandlers,
  ...hardwareHandlers,
  ...libvirtConfHandlers,
};
