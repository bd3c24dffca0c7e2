/** The raw shape of the compiled addon (build/Release/libvirt.node). Only the facade uses these. */
import type { RawEvent } from './events.js';

export type TypedParamTuple =
  | [name: string, type: 'int' | 'uint' | 'llong' | 'ullong' | 'double', value: number]
  | [name: string, type: 'boolean', value: boolean]
  | [name: string, type: 'string', value: string];

type Opt = string | null;

/** The addon's domain methods Domain calls by hand (those of DOMAIN_CALLS are reached by name through the table). */
export interface NativeDomain {
  getName(): string;
  getUUID(): string;
  getID(): number;
  getMetadata(type: number, uri: Opt, flags: number): Promise<string>;
  setMetadata(type: number, metadata: Opt, key: Opt, uri: Opt, flags: number): Promise<number>;
  setBlockIoTune(disk: string, params: TypedParamTuple[], flags: number): Promise<number>;
}

/** The addon's connection methods outside CONNECTION_CALLS (those are reached by name through the table). */
export interface NativeConnection {
  close(): Promise<void>;
  isAlive(): boolean;
  isReadOnly(): boolean;
  setKeepAlive(interval: number, count: number): Promise<number>;
  domainEventRegister(eventId: number, domain: NativeDomain | null, token: number): Promise<number>;
  domainEventDeregister(callbackId: number): Promise<void>;
}

export interface LibvirtAddon {
  open(uri: string | null, flags: number, dispatch: (event: RawEvent) => void): Promise<NativeConnection>;
  setErrorClass(cls: new (message: string, code: number, domain: number) => Error): void;
  /** LIBVIR_VERSION_NUMBER the addon was compiled against */
  libVersion: number;
}
