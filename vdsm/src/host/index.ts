export {
  type CapabilitySources,
  collectCapabilities,
  type HostCapabilities,
  interfaceFacing,
  SUPPORTED_ENGINES,
} from './capabilities.js';
export type { KvmVerdict } from './libvirt-capabilities.js';
export { computeStats, type HostStats, HostStatsSampler, type InterfaceStats, takeSample } from './stats.js';
