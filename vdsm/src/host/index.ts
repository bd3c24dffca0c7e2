export { collectCapabilities, type HostCapabilities, interfaceFacing, SUPPORTED_ENGINES } from './capabilities.js';
export { computeStats, type HostStats, HostStatsSampler, type InterfaceStats, takeSample } from './stats.js';
