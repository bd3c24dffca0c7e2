/**
 * The API behind the transports: the method table, built from the schema (every verb, gluster included) with each
 * verb's parameter validator compiled once and the namespace handlers plugged in. Verbs without a handler answer
 * VDSM code 44 (not implemented). main.ts hands the table to the JSON-RPC dispatcher; api never imports rpc.
 *
 * With `[devel] api_strict_mode` (on in the test harness), every result is checked against the verb's return type
 * too, and a result that does not fit is answered with an error naming the verb and the field (upstream's strict
 * mode does the same).
 */
import { access } from 'node:fs/promises';
import type { Config } from '@vdsm-ts/common/config';
import type { Logger, Logging } from '@vdsm-ts/common/logging';
import type { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { RawJson } from '../common/raw-json.js';
import type { MethodEntry } from '../common/rpc-method.js';
import { notImplemented, VdsmError } from '../errors/vdsm-error.js';
import { type CapabilitySources, HostedEngineState, HostStatsSampler } from '../host/index.js';
import { type SchemaFile, VERBS, type VerbEntry } from '../schema/index.js';
import type { StorageServices } from '../storage/index.js';
import type { VirtService } from '../virt/index.js';
import { type BoundHandler, bind } from './handler.js';
import { HOST_HANDLERS, type HostDeps } from './host.js';
import { IMPLEMENTED_METHODS, STORAGE_TABLES, VIRT_TABLES } from './implemented.js';
import { CheckError, compileParams, ParamsError, SchemaCompiler } from './validate.js';

export { IMPLEMENTED_METHODS };

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

export interface Api {
  /** Every verb of the schema, keyed by `Namespace.verb`, for the JSON-RPC dispatcher. */
  readonly methods: ReadonlyMap<string, MethodEntry>;
  /** Stops the periodic samplers. */
  close(): void;
}

/** The handlers whose services are present; verbs missing here answer "not implemented". */
export function boundHandlers(
  deps: Omit<HostDeps, 'storage'> & { readonly storage?: StorageServices },
): ReadonlyMap<string, BoundHandler> {
  const virt = deps.virt;
  const storage = deps.storage;
  return new Map([
    ...bind(HOST_HANDLERS, { ...deps, storage: storage?.domains }),
    ...(virt === undefined ? [] : VIRT_TABLES.flatMap((table) => bind(table, { virt }))),
    ...(storage === undefined ? [] : STORAGE_TABLES.flatMap((table) => bind(table, storage))),
  ]);
}

/** Thrown (in strict mode) for a result that does not fit its verb's return type. */
export class ResultSchemaError extends Error {
  constructor(
    readonly method: string,
    readonly check: CheckError,
  ) {
    super(`${method} returned a result that does not fit the schema: ${check.message}`);
    this.name = 'ResultSchemaError';
  }
}

export interface MethodTableOptions {
  /** Check every result against the schema (`[devel] api_strict_mode`); failures are logged here. */
  readonly strict?: { readonly log: Logger };
}

/** Compiles the method table: validator, handler (or "not implemented") and reply shape per verb. */
export function buildMethodTable(
  handlers: ReadonlyMap<string, BoundHandler>,
  options: MethodTableOptions = {},
): Map<string, MethodEntry> {
  const compilers = new Map<SchemaFile, { request: SchemaCompiler; result: SchemaCompiler }>();
  const methods = new Map<string, MethodEntry>();
  for (const entry of VERBS.values()) {
    let compiler = compilers.get(entry.file);
    if (compiler === undefined) {
      compiler = {
        request: new SchemaCompiler(entry.file, 'request'),
        result: new SchemaCompiler(entry.file, 'result'),
      };
      compilers.set(entry.file, compiler);
    }
    const check = compileParams(entry.method, entry.schema, compiler.request);
    const method = entry.method;
    const handler = handlers.get(method);
    let run: BoundHandler =
      handler ??
      (() => {
        throw notImplemented(method);
      });
    if (handler !== undefined && options.strict !== undefined)
      run = strictly(entry, handler, compiler.result, options.strict.log);
    methods.set(method, {
      validate: (params) => {
        try {
          return check(params);
        } catch (error) {
          if (error instanceof ParamsError) throw new VdsmError('InvalidParams', error.message);
          throw error;
        }
      },
      run,
      reply: entry.schema.result === true ? true : 'value',
    });
  }
  return methods;
}

/** The handler with its result checked against the verb's return type (verbs that answer `true` are not checked). */
function strictly(entry: VerbEntry, handler: BoundHandler, compiler: SchemaCompiler, log: Logger): BoundHandler {
  const returns = entry.schema.returns;
  if (returns === undefined || entry.schema.result === true) return handler;
  const check = compiler.compile(returns);
  return async (args, context) => {
    const result = await handler(args, context);
    try {
      check(result instanceof RawJson ? JSON.parse(result.text) : result, 'result');
    } catch (error) {
      if (!(error instanceof CheckError)) throw error;
      const failure = new ResultSchemaError(entry.method, error);
      log.error({ method: entry.method, path: error.path, expected: error.expected }, failure.message);
      throw failure;
    }
    return result;
  };
}

export function createApi(deps: ApiDeps): Api {
  const log = deps.logging.get('api');
  const sampler = new HostStatsSampler({
    intervalSeconds: deps.config.vars.host_sample_stats_interval,
    onError: (err) => log.warn({ err }, 'host statistics sample failed'),
  });
  void sampler.start();
  const supervdsm = deps.supervdsm;
  const handlers = boundHandlers({
    logging: deps.logging,
    sampler,
    hostedEngine: new HostedEngineState(),
    ...(supervdsm === undefined ? {} : { hardwareInfo: () => supervdsm.call('hardwareInfo', {}) }),
    ...virtDeps(deps.virt),
    capabilities: capabilitySources(deps),
    storage: deps.storage,
  });
  return {
    methods: buildMethodTable(handlers, deps.config.devel.api_strict_mode ? { strict: { log } } : {}),
    close: () => sampler.stop(),
  };
}

/** The virt layer as the Host handlers see it: the VM lists and counts. */
function virtDeps(virt: VirtService | undefined): Pick<HostDeps, 'virt'> {
  return virt === undefined ? {} : { virt };
}

/**
 * Whether supervdsmd's socket exists. getCapabilities asks supervdsmd only then: the client waits for a daemon that
 * is (re)starting, which would hold every getCapabilities of a vdsmd running without one (tests, development).
 */
function listening(socket: string): Promise<boolean> {
  return access(socket).then(
    () => true,
    () => false,
  );
}

/** What getCapabilities consults: the hypervisor and KVM verdict, the memory reservations, supervdsmd's DMI read. */
function capabilitySources(deps: ApiDeps): CapabilitySources {
  const { virt, supervdsm, config } = deps;
  return {
    get hypervisor() {
      return virt?.vms === undefined ? undefined : virt.hypervisor;
    },
    get kvm() {
      return virt?.kvm;
    },
    memory: {
      reservedMem: config.vars.host_mem_reserve + config.vars.extra_mem_reserve,
      guestOverhead: config.vars.guest_ram_overhead,
    },
    ...(supervdsm === undefined
      ? {}
      : {
          systemUuid: async () =>
            (await listening(config.supervdsm.socket))
              ? (await supervdsm.call('hardwareInfo', {}, { timeoutMs: 10_000 })).systemUUID
              : undefined,
          vncTls: async () => (await listening(config.supervdsm.socket)) && (await supervdsm.call('vncTlsEnabled', {})),
        }),
  };
}
