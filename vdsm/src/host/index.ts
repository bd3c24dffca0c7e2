export {
  type CapabilitySources,
  collectCapabilities,
  type HostCapabilities,
  interfaceFacing,
  type MemoryReservations,
  SUPPORTED_ENGINES,
} from './capabilities.js';
export { type HostDeviceList, listHostDevices } from './hostdev.js';
export { HostedEngineState } from './hosted-engine.js';
export type { KvmVerdict } from './libvirt-capabilities.js';
export { collectNetworkCapabilities, type NetworkCapabilities } from './network-caps.js';
export { computeStats, type HostStats, HostStatsSampler, type InterfaceStats, takeSample } from './stats.js';
