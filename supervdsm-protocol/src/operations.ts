/**
 * The exposed-operation table: the only operations supervdsmd runs, with their typed params and results.
 * The server registers one handler per key (a missing one fails to compile) and the typed client builds one
 * method per key.
 */

export type Area = 'host' | 'storage' | 'lvm' | 'iscsi' | 'network' | 'systemd';

export interface OperationSpec {
  readonly area: Area;
  /** Server-side limit for the whole operation. */
  readonly timeoutMs: number;
  /** Changes host state: logged to the audit log with its params. */
  readonly mutates: boolean;
}

// ---- shared shapes ----
/** Every LVM call names the block devices it may look at; nothing else on the host is scanned. */
export interface LvmScope {
  readonly devices: readonly string[];
}
export interface PvReport {
  readonly name: string;
  readonly vgName: string;
  readonly size: number;
  readonly free: number;
  readonly uuid: string;
}
export interface VgReport {
  readonly name: string;
  readonly uuid: string;
  readonly size: number;
  readonly free: number;
  readonly extentSize: number;
  readonly pvCount: number;
  readonly lvCount: number;
  readonly tags: readonly string[];
}
export interface LvReport {
  readonly name: string;
  readonly vgName: string;
  readonly uuid: string;
  readonly size: number;
  readonly active: boolean;
  readonly tags: readonly string[];
}
export interface LinkInfo {
  readonly name: string;
  readonly index: number;
  readonly mtu: number;
  readonly state: string;
  readonly mac: string | null;
  readonly master: string | null;
  readonly kind: string | null;
}
export interface AddressInfo {
  readonly link: string;
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly prefixLength: number;
}
export interface RouteInfo {
  readonly destination: string;
  readonly gateway: string | null;
  readonly device: string | null;
  readonly table: string | null;
}
export interface MountInfo {
  readonly target: string;
  readonly source: string;
  readonly fstype: string;
  readonly options: string;
}
export interface IscsiTarget {
  readonly iqn: string;
  readonly portals: readonly string[];
}
export interface BlockDevice {
  readonly name: string;
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly vendor: string;
  readonly model: string;
  readonly serial: string;
  readonly wwn: string;
  readonly logicalSectorSize: number;
}
export interface LunInfo {
  readonly target: string;
  readonly lun: number;
  readonly vendor: string;
  readonly product: string;
  readonly serial: string;
  readonly size: number;
  readonly blockSize: number;
}
export interface UnitStatus {
  readonly name: string;
  readonly activeState: string;
  readonly subState: string;
  readonly loadState: string;
  readonly mainPid: number;
}
export type NetworkNs = { readonly netns?: string };
export interface HardwareInfo {
  /** Where the facts came from; 'none' when neither DMI tables nor sysfs DMI attributes exist on this host. */
  readonly source: 'dmidecode' | 'sysfs' | 'none';
  readonly systemManufacturer?: string;
  readonly systemProductName?: string;
  readonly systemVersion?: string;
  readonly systemSerialNumber?: string;
  readonly systemUUID?: string;
  readonly systemFamily?: string;
}

/** Params and result of every operation. */
export interface OperationTypes {
  ping: { params: Record<string, never>; result: { version: number; pid: number } };
  listOperations: { params: Record<string, never>; result: { version: number; operations: string[] } };

  /**
   * vfsType 'bind' bind-mounts a directory, 'nfs' and 'glusterfs' add VDSM's options for those, and any other
   * filesystem type (a POSIX-compliant FS domain) is mounted as given. The target must lie under [irs] repository.
   */
  mount: {
    params: {
      readonly spec: string;
      readonly target: string;
      readonly vfsType: string;
      readonly options?: readonly string[];
    };
    result: MountInfo;
  };
  umount: { params: { readonly target: string; readonly force?: boolean; readonly lazy?: boolean }; result: null };
  /** Mounts at or below the repository root. */
  listMounts: { params: Record<string, never>; result: MountInfo[] };
  setOwnership: {
    params: { readonly path: string; readonly uid: number; readonly gid: number; readonly mode?: number };
    result: null;
  };

  lvmPvCreate: { params: LvmScope & { readonly pvs: readonly string[]; readonly metadataSize?: string }; result: null };
  lvmPvResize: { params: LvmScope & { readonly pv: string }; result: null };
  lvmVgCreate: {
    params: LvmScope & {
      readonly vg: string;
      readonly pvs: readonly string[];
      readonly extentSize?: string;
      readonly tags?: readonly string[];
    };
    result: null;
  };
  lvmVgExtend: { params: LvmScope & { readonly vg: string; readonly pvs: readonly string[] }; result: null };
  lvmVgReduce: { params: LvmScope & { readonly vg: string; readonly pvs: readonly string[] }; result: null };
  lvmVgRemove: { params: LvmScope & { readonly vg: string }; result: null };
  lvmLvCreate: {
    params: LvmScope & {
      readonly vg: string;
      readonly lv: string;
      readonly sizeMiB: number;
      readonly tags?: readonly string[];
      /** Upstream activates new LVs; false creates it inactive without zeroing (needs no device-mapper). */
      readonly activate?: boolean;
    };
    result: null;
  };
  lvmLvExtend: {
    params: LvmScope & { readonly vg: string; readonly lv: string; readonly sizeMiB: number };
    result: null;
  };
  lvmLvReduce: {
    params: LvmScope & { readonly vg: string; readonly lv: string; readonly sizeMiB: number };
    result: null;
  };
  lvmLvRemove: { params: LvmScope & { readonly vg: string; readonly lv: string }; result: null };
  lvmChangeTags: {
    params: LvmScope & {
      readonly vg: string;
      readonly lv?: string;
      readonly add?: readonly string[];
      readonly del?: readonly string[];
    };
    result: null;
  };
  lvmActivate: {
    params: LvmScope & { readonly vg: string; readonly lvs: readonly string[]; readonly active: boolean };
    result: null;
  };
  lvmPvs: { params: LvmScope; result: PvReport[] };
  lvmVgs: { params: LvmScope; result: VgReport[] };
  lvmLvs: { params: LvmScope & { readonly vg?: string }; result: LvReport[] };

  iscsiDiscover: { params: { readonly portal: string }; result: IscsiTarget[] };
  iscsiLogin: { params: { readonly portal: string; readonly iqn: string }; result: null };
  iscsiLogout: { params: { readonly portal: string; readonly iqn: string }; result: null };
  iscsiLuns: { params: { readonly portal: string; readonly iqn: string }; result: LunInfo[] };
  /** Whole block devices (disks, LUNs, loop devices) with size, vendor and serial, for Host.getDeviceList. */
  listBlockDevices: { params: Record<string, never>; result: BlockDevice[] };

  netLinks: { params: NetworkNs; result: LinkInfo[] };
  netAddresses: { params: NetworkNs; result: AddressInfo[] };
  netRoutes: { params: NetworkNs; result: RouteInfo[] };
  netAddBridge: { params: NetworkNs & { readonly name: string; readonly mtu?: number }; result: null };
  netAddVeth: { params: NetworkNs & { readonly name: string; readonly peer: string }; result: null };
  netAddTap: { params: NetworkNs & { readonly name: string }; result: null };
  netDelLink: { params: NetworkNs & { readonly name: string }; result: null };
  netSetLink: {
    params: NetworkNs & {
      readonly name: string;
      readonly mtu?: number;
      readonly up?: boolean;
      readonly master?: string | null;
    };
    result: null;
  };
  netAddAddress: { params: NetworkNs & { readonly name: string; readonly cidr: string }; result: null };
  netAddRoute: {
    params: NetworkNs & { readonly destination: string; readonly gateway?: string; readonly device?: string };
    result: null;
  };
  netDelAddress: { params: NetworkNs & { readonly name: string; readonly cidr: string }; result: null };
  /** Saves the running configuration of one link (a bridge with its ports, MTU, addresses, routes) by name. */
  netPersist: { params: NetworkNs & { readonly name: string }; result: null };
  /** Re-applies a saved configuration; ports that are gone and cannot be recreated are listed. */
  netRestore: {
    params: NetworkNs & { readonly name: string };
    result: { readonly created: boolean; readonly missingPorts: readonly string[] };
  };

  systemdStart: { params: { readonly unit: string }; result: null };
  systemdStop: { params: { readonly unit: string }; result: null };
  systemdRestart: { params: { readonly unit: string }; result: null };
  systemdReload: { params: Record<string, never>; result: null };
  systemdStatus: { params: { readonly unit: string }; result: UnitStatus };

  ksmTune: {
    params: { readonly run?: 0 | 1; readonly pagesToScan?: number; readonly sleepMillisecs?: number };
    result: null;
  };
  ksmInfo: { params: Record<string, never>; result: Record<string, number> };
  hugepagesSet: { params: { readonly sizeKiB: number; readonly count: number }; result: { count: number } };
  hugepagesInfo: { params: Record<string, never>; result: Array<{ sizeKiB: number; total: number; free: number }> };
  hardwareInfo: { params: Record<string, never>; result: HardwareInfo };
  /** Whether libvirt's qemu.conf (root-only) asks for TLS on VNC (`vnc_tls = 1`). */
  vncTlsEnabled: { params: Record<string, never>; result: boolean };
}

export type OperationName = keyof OperationTypes;
export type OpParams<K extends OperationName> = OperationTypes[K]['params'];
export type OpResult<K extends OperationName> = OperationTypes[K]['result'];

const S = 1000;
const lvm = (mutates: boolean): OperationSpec => ({ area: 'lvm', timeoutMs: 120 * S, mutates });
const net = (mutates: boolean): OperationSpec => ({ area: 'network', timeoutMs: 30 * S, mutates });

export const OPERATIONS = {
  ping: { area: 'host', timeoutMs: 5 * S, mutates: false },
  listOperations: { area: 'host', timeoutMs: 5 * S, mutates: false },

  mount: { area: 'storage', timeoutMs: 180 * S, mutates: true },
  umount: { area: 'storage', timeoutMs: 180 * S, mutates: true },
  listMounts: { area: 'storage', timeoutMs: 30 * S, mutates: false },
  setOwnership: { area: 'storage', timeoutMs: 30 * S, mutates: true },

  lvmPvCreate: lvm(true),
  lvmPvResize: lvm(true),
  lvmVgCreate: lvm(true),
  lvmVgExtend: lvm(true),
  lvmVgReduce: lvm(true),
  lvmVgRemove: lvm(true),
  lvmLvCreate: lvm(true),
  lvmLvExtend: lvm(true),
  lvmLvReduce: lvm(true),
  lvmLvRemove: lvm(true),
  lvmChangeTags: lvm(true),
  lvmActivate: lvm(true),
  lvmPvs: lvm(false),
  lvmVgs: lvm(false),
  lvmLvs: lvm(false),

  iscsiDiscover: { area: 'iscsi', timeoutMs: 60 * S, mutates: false },
  iscsiLogin: { area: 'iscsi', timeoutMs: 120 * S, mutates: true },
  iscsiLogout: { area: 'iscsi', timeoutMs: 120 * S, mutates: true },
  iscsiLuns: { area: 'iscsi', timeoutMs: 60 * S, mutates: false },
  listBlockDevices: { area: 'storage', timeoutMs: 30 * S, mutates: false },

  netLinks: net(false),
  netAddresses: net(false),
  netRoutes: net(false),
  netAddBridge: net(true),
  netAddVeth: net(true),
  netAddTap: net(true),
  netDelLink: net(true),
  netSetLink: net(true),
  netAddAddress: net(true),
  netAddRoute: net(true),
  netDelAddress: net(true),
  netPersist: net(true),
  netRestore: net(true),

  systemdStart: { area: 'systemd', timeoutMs: 90 * S, mutates: true },
  systemdStop: { area: 'systemd', timeoutMs: 90 * S, mutates: true },
  systemdRestart: { area: 'systemd', timeoutMs: 90 * S, mutates: true },
  systemdReload: { area: 'systemd', timeoutMs: 90 * S, mutates: true },
  systemdStatus: { area: 'systemd', timeoutMs: 30 * S, mutates: false },

  ksmTune: { area: 'host', timeoutMs: 10 * S, mutates: true },
  ksmInfo: { area: 'host', timeoutMs: 10 * S, mutates: false },
  hugepagesSet: { area: 'host', timeoutMs: 60 * S, mutates: true },
  hugepagesInfo: { area: 'host', timeoutMs: 10 * S, mutates: false },
  hardwareInfo: { area: 'host', timeoutMs: 30 * S, mutates: false },
  vncTlsEnabled: { area: 'host', timeoutMs: 10 * S, mutates: false },
} as const satisfies Record<OperationName, OperationSpec>;

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.hasOwn(OPERATIONS, name);
}
