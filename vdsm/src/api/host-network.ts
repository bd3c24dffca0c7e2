/**
 * The network reporting verbs of the Host namespace (upstream API.py getNetworkCapabilities,
 * getNetworkStatistics, getLldp). The configuring verbs (setupNetworks, ...) are the network issue's.
 */
import { collectNetworkCapabilities, type HostStatsSampler } from '../host/index.js';
import type { Handlers } from './handler.js';
import { NET_CONFIG_DIRTY } from './host-capabilities.js';

export interface HostNetworkDeps {
  readonly sampler: HostStatsSampler;
}

export const HOST_NETWORK_HANDLERS = {
  'Host.getNetworkCapabilities': async () => ({
    ...(await collectNetworkCapabilities()),
    netConfigDirty: NET_CONFIG_DIRTY,
  }),
  'Host.getNetworkStatistics': async ({ sampler }) => {
    const { network, rxDropped, txDropped } = await sampler.stats();
    return { network, rxDropped, txDropped };
  },
  // vdsm-ts does not talk to lldpad: every NIC asked about (all of them for an empty filter) reports LLDP off, as
  // upstream reports a NIC on which lldpad does not receive
  'Host.getLldp': async (_deps, { filter }) => {
    const asked = filter.devices ?? [];
    const devices = asked.length > 0 ? asked : Object.keys((await collectNetworkCapabilities()).nics);
    return Object.fromEntries(devices.map((d) => [d, { enabled: false, tlvs: [] }]));
  },
} as const satisfies Handlers<HostNetworkDeps>;
