// Tests on the real hypervisor (qemu:///system) open it once up front: where it cannot be reached the file's tests
// skip with the reason, except under CI=true, where CI must have started libvirtd and the file fails instead.

import { Connection } from '@vdsm-ts/native/libvirt/index';

export const SYSTEM_URI = 'qemu:///system';

/** A skip reason when qemu:///system is unreachable here, or false when it answers. */
export async function systemLibvirtSkip(): Promise<string | false> {
  try {
    await (await Connection.open({ uri: SYSTEM_URI })).close();
    return false;
  } catch (error) {
    const why = `${SYSTEM_URI} is not reachable (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(why);
    return why;
  }
}
