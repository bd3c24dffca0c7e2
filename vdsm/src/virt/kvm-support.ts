/**
 * Can this host run ordinary guests under KVM? `/dev/kvm` alone does not say: a host with only the PVM module
 * (kvm_pvm) has a /dev/kvm that runs PVM-aware guest kernels only, and ordinary guests need the hardware-assisted
 * vendor module (kvm_intel / kvm_amd on x86). The probe reads sysfs and /proc once: cheap, no guest started.
 *
 * `[vars] fake_kvm_support` turns the answer into policy: `auto` runs guests under TCG (`<domain type='qemu'>`)
 * only when KVM cannot run them, `true` always does, `false` never does. Host.getCapabilities reports the result.
 */
import { access, constants, readFile } from 'node:fs/promises';
import { arch } from 'node:os';

export type FakeKvmSetting = 'auto' | 'true' | 'false';

export interface KvmProbe {
  /** Whether KVM can run an ordinary (non-paravirtualized) guest here. */
  readonly usable: boolean;
  /** Why, in words, for logs and capabilities. */
  readonly reason: string;
}

export interface KvmSupport extends KvmProbe {
  /** True when guests asking for `kvm` run under TCG (`qemu`) instead. */
  readonly useTcg: boolean;
  readonly setting: FakeKvmSetting;
}

export interface ProbeRoots {
  /** Root of /dev, /sys and /proc; tests point it at a fake tree. Default '/'. */
  readonly root?: string;
  /** Node's architecture name (os.arch()); default this machine's. */
  readonly arch?: string;
}

const X86_VENDOR_MODULES = ['kvm_intel', 'kvm_amd'] as const;

async function exists(path: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

function join(root: string, path: string): string {
  return root === '/' ? path : `${root.replace(/\/$/, '')}${path}`;
}

/** Probes the host once; no side effects. */
export async function probeKvm(options: ProbeRoots = {}): Promise<KvmProbe> {
  const root = options.root ?? '/';
  const machine = options.arch ?? arch();
  const dev = join(root, '/dev/kvm');
  if (!(await exists(dev))) return { usable: false, reason: '/dev/kvm does not exist' };
  if (!(await exists(dev, constants.R_OK | constants.W_OK))) {
    return { usable: false, reason: '/dev/kvm is not readable and writable by vdsmd' };
  }
  if (machine !== 'x64' && machine !== 'ia32') return { usable: true, reason: '/dev/kvm is present' };
  const vendor: string[] = [];
  for (const module of X86_VENDOR_MODULES) {
    if (await exists(join(root, `/sys/module/${module}`))) vendor.push(module);
  }
  if (vendor.length > 0) return { usable: true, reason: `/dev/kvm is served by ${vendor.join(', ')}` };
  if (await exists(join(root, '/sys/module/kvm_pvm'))) {
    return {
      usable: false,
      reason: '/dev/kvm is served by kvm_pvm only (no kvm_intel/kvm_amd): it runs PVM guest kernels only',
    };
  }
  const cpuinfo = await readFile(join(root, '/proc/cpuinfo'), 'utf8').catch(() => '');
  const hasVirtFlag = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
  return {
    usable: false,
    reason: hasVirtFlag
      ? 'no KVM vendor module (kvm_intel/kvm_amd) is loaded'
      : 'the CPU offers no hardware virtualization (vmx/svm) and no KVM vendor module is loaded',
  };
}

/** Turns the probe and `[vars] fake_kvm_support` into the policy VM.create applies. */
export function decideKvmSupport(setting: FakeKvmSetting, probe: KvmProbe): KvmSupport {
  const useTcg = setting === 'true' || (setting === 'auto' && !probe.usable);
  return { ...probe, setting, useTcg };
}

let cached: Promise<KvmProbe> | undefined;

/** The probe of this host, run once per process. */
export function hostKvmProbe(): Promise<KvmProbe> {
  cached ??= probeKvm();
  return cached;
}

/** What `fake_kvm_support` means on this host: the probe (run once) and the decision. */
export async function kvmSupport(setting: FakeKvmSetting): Promise<KvmSupport> {
  return decideKvmSupport(setting, await hostKvmProbe());
}
