/**
 * The API behind the transports: builds the method table from the schema (every verb, gluster included), compiles
 * each verb's parameter validator once, and plugs in the namespace handler tables. Verbs without a handler answer
 * VDSM code 44 (not implemented).
 */

import type { Config } from '@vdsm-ts/common/config';
import type { Logging } from '@vdsm-ts/common/logging';
import type { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { notImplemented, VdsmError } from '../errors/vdsm-error.js';
import { HostStatsSampler } from '../host/stats.js';
import type { JsonRpcEndpoint } from '../rpc/endpoint.js';
import { Dispatcher, type MethodEntry } from '../rpc/jsonrpc/dispatcher.js';
import type { StorageServices } from '../storage/index.js';
import type { VirtService } from '../virt/index.js';
import type { HandlerTable } from './handler.js';
import { type HostDeps, hostHandlers } from './host.js';
import { type SchemaFile, VERBS } from './schema/index.js';
import { storageHandlers } from './storage-handlers.js';
import { compileParams, ParamsError, SchemaCompiler } from './validate.js';
import { vmHandlers } from './vm.js';

export interface ApiDeps {
  readonly config: Config;
  readonly logging: Logging;
  /** The virt layer (VM verbs, VM lists); without it the VM verbs answer "not implemented". */
  readonly virt?: VirtService;
  /** supervdsmd, for everything privileged (mounts, LVM, iSCSI, links); services that need it take it from here. */
  readonly supervdsm?: SupervdsmClient;
  /** The storage layer (domains, pools, SPM, tasks, volumes); without it the storage verbs answer "not implemented". */
  readonly storage?: StorageServices;
}

export interface ApiEndpoint extends JsonRpcEndpoint {
  /** Until called with true, every request is answered with code 99. */
  setReady(ready: boolean): void;
  /** Stops the periodic samplers. */
  close(): void;
}

/** Every implemented verb, from the namespace handler tables; verbs missing here answer "not implemented". */
export function implementedHandlers(
  deps: Omit<HostDeps, 'storage'> & { readonly storage?: StorageServices },
): HandlerTable {
  const table = new Map([
    ...hostHandlers({ ...deps, storage: deps.storage?.domains }),
    ...(deps.virt === undefined ? [] : vmHandlers({ virt: deps.virt })),
  ]);
  if (deps.storage === undefined) return table;
  return new Map([...table, ...storageHandlers(deps.storage)]);
}

/** Compiles the method table: validator, handler (or "not implemented") and reply shape per verb. */
export function buildMethodTable(handlers: HandlerTable): Map<string, MethodEntry> {
  const compilers = new Map<SchemaFile, SchemaCompiler>();
  const methods = new Map<string, MethodEntry>();
  for (const entry of VERBS.values()) {
    let compiler = compilers.get(entry.file);
    if (compiler === undefined) {
      compiler = new SchemaCompiler(entry.file, 'request');
      compilers.set(entry.file, compiler);
    }
    const check = compileParams(entry.method, entry.schema, compiler);
    const method = entry.method;
    methods.set(method, {
      validate: (params) => {
        try {
          return check(params);
        } catch (error) {
          if (error instanceof ParamsError) throw new VdsmError('InvalidParams', error.message);
          throw error;
        }
      },
      run:
        handlers.get(method) ??
        (() => {
          throw notImplemented(method);
        }),
      reply: entry.schema.result === true ? true : 'value',
    });
  }
  return methods;
}

export function createApiEndpoint(deps: ApiDeps): ApiEndpoint {
  const log = deps.logging.get('api');
  const sampler = new HostStatsSampler({
    intervalSeconds: deps.config.vars.host_sample_stats_interval,
    onError: (err) => log.warn({ err }, 'host statistics sample failed'),
  });
  void sampler.start();
  const dispatcher = new Dispatcher({
    methods: buildMethodTable(
      implementedHandlers({ logging: deps.logging, sampler, ...virtDeps(deps.virt), storage: deps.storage }),
    ),
    logger: deps.logging.get('jsonrpc'),
    maxBatchSize: deps.config.rpc.max_batch_size,
  });
  return {
    handle: (body, context) => dispatcher.handle(body, context),
    screen: (chunks, length, context) => dispatcher.screen(chunks, length, context),
    setReady: (ready) => dispatcher.setReady(ready),
    close: () => sampler.stop(),
  };
}

/** The virt layer as the Host handlers see it: VM lists, and the hypervisor/KVM verdict for getCapabilities. */
function virtDeps(virt: VirtService | undefined): Pick<HostDeps, 'virt' | 'capabilities'> {
  if (virt === undefined) return {};
  return {
    virt,
    capabilities: {
      get hypervisor() {
        return virt.vms === undefined ? undefined : virt.hypervisor;
      },
      get kvm() {
        return virt.kvm;
      },
    },
  };
}
