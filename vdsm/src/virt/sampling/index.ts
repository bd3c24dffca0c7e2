export type { DomainDevices } from './domain-devices.js';
export { type CycleReport, VmSampler, type VmSamplerOptions } from './sampler.js';
export type { BalloonInfo, GuestMemoryStats, SampledVmStats, VmDiskStats, VmNetworkStats } from './vm-stats.js';
