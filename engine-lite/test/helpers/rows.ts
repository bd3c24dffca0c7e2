/** Database rows for unit tests of code that takes them (scheduler, domain XML), with only the differences spelled out. */
import { BLANK_TEMPLATE_ID } from '../../src/db/repo/templates.js';
import type { Vm } from '../../src/db/repo/vms.js';

/** a Down VM of 1 GiB and 2 CPUs */
export function vmRow(over: Partial<Vm> = {}): Vm {
  return {
    id: 'vm',
    name: 'vm1',
    description: '',
    clusterId: 'cluster',
    templateId: BLANK_TEMPLATE_ID,
    memoryMb: 1024,
    cpus: 2,
    osType: 'other',
    displayType: 'vnc',
    kernelPath: '',
    initrdPath: '',
    kernelCmdline: '',
    status: 'Down',
    runOnHostId: null,
    stats: {},
    ...over,
  };
}
