/**
 * The cluster CPU check at host activation. oVirt compares the cluster's CPU type with the `model_*` flags in
 * Host.getCapabilities' `cpuFlags`. vdsm-ts does not report cpuFlags yet; then only the vendor of `cpuModel` can be
 * checked, and the host's status detail says so.
 */
export interface CpuType {
  readonly name: string;
  readonly vendor: 'Intel' | 'AMD' | 'IBM';
  /** libvirt/vdsm model flag without the `model_` prefix */
  readonly model: string;
}

export const CPU_TYPES: readonly CpuType[] = [
  { name: 'Intel Nehalem Family', vendor: 'Intel', model: 'Nehalem' },
  { name: 'Intel Westmere Family', vendor: 'Intel', model: 'Westmere' },
  { name: 'Intel SandyBridge Family', vendor: 'Intel', model: 'SandyBridge' },
  { name: 'Intel IvyBridge Family', vendor: 'Intel', model: 'IvyBridge' },
  { name: 'Intel Haswell Family', vendor: 'Intel', model: 'Haswell-noTSX' },
  { name: 'Intel Broadwell Family', vendor: 'Intel', model: 'Broadwell-noTSX' },
  { name: 'Intel Skylake Client Family', vendor: 'Intel', model: 'Skylake-Client' },
  { name: 'Intel Skylake Server Family', vendor: 'Intel', model: 'Skylake-Server' },
  { name: 'Intel Cascadelake Server Family', vendor: 'Intel', model: 'Cascadelake-Server' },
  { name: 'Intel Icelake Server Family', vendor: 'Intel', model: 'Icelake-Server' },
  // oVirt 3.x's oldest AMD types: what QEMU under TCG can run (a host without KVM reports only these)
  { name: 'AMD Opteron G1', vendor: 'AMD', model: 'Opteron_G1' },
  { name: 'AMD Opteron G2', vendor: 'AMD', model: 'Opteron_G2' },
  { name: 'AMD Opteron G3', vendor: 'AMD', model: 'Opteron_G3' },
  { name: 'AMD Opteron G4', vendor: 'AMD', model: 'Opteron_G4' },
  { name: 'AMD Opteron G5', vendor: 'AMD', model: 'Opteron_G5' },
  { name: 'AMD EPYC', vendor: 'AMD', model: 'EPYC' },
  { name: 'Secure AMD EPYC', vendor: 'AMD', model: 'EPYC-IBPB' },
  { name: 'AMD EPYC-Rome', vendor: 'AMD', model: 'EPYC-Rome' },
  { name: 'IBM POWER9', vendor: 'IBM', model: 'POWER9' },
];

export function findCpuType(name: string): CpuType | undefined {
  return CPU_TYPES.find((t) => t.name === name);
}

export type CpuCheck = { ok: true; detail: string } | { ok: false; detail: string };

/** `caps` is Host.getCapabilities' result. */
export function checkClusterCpu(clusterCpu: string, caps: { cpuModel?: unknown; cpuFlags?: unknown }): CpuCheck {
  const type = findCpuType(clusterCpu);
  if (type === undefined) return { ok: false, detail: `unknown cluster CPU type ${JSON.stringify(clusterCpu)}` };
  if (typeof caps.cpuFlags === 'string' && caps.cpuFlags !== '') {
    const flags = new Set(caps.cpuFlags.split(','));
    return flags.has(`model_${type.model}`)
      ? { ok: true, detail: '' }
      : { ok: false, detail: `host CPU lacks model_${type.model} required by cluster CPU type ${type.name}` };
  }
  const model = typeof caps.cpuModel === 'string' ? caps.cpuModel : '';
  const vendor = /\bAMD\b/i.test(model)
    ? 'AMD'
    : /\bIntel\b/i.test(model)
      ? 'Intel'
      : /POWER/i.test(model)
        ? 'IBM'
        : '';
  if (vendor !== type.vendor) {
    return { ok: false, detail: `host CPU "${model}" is not ${type.vendor}, cluster CPU type is ${type.name}` };
  }
  return { ok: true, detail: 'host reports no cpuFlags: only the CPU vendor was checked' };
}
