/**
 * vdsm-client: parse the command line, send one call through the client library, print the result. Exit codes:
 * 0 success, 1 the call failed (error text on stderr), 2 usage error.
 */
import { readFile } from 'node:fs/promises';
import {
  type ClientTlsOptions,
  VdsmClient,
  VdsmConnectionError,
  VdsmRpcError,
  VdsmTimeoutError,
} from '../client/index.js';
import { type CliArgs, parseCliArgs, USAGE, UsageError } from './args.js';
import { prettyJson, pyRepr } from './format.js';
import { knownVerbs, mainHelp, namespaceHelp, verbHelp } from './help.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The whole of standard input (for `-f -`). */
  readonly readStdin: () => Promise<string>;
}

const MAX_PARAMS_FILE = 64 * 1024 * 1024;

function usageError(io: CliIo, message: string): number {
  io.stderr(`${USAGE}\nvdsm-client: error: ${message}\n`);
  return 2;
}

/** Reads the params object of `-f FILE`. */
async function paramsFromFile(args: CliArgs, io: CliIo): Promise<Record<string, unknown>> {
  const file = args.file!;
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`argument -f/--file: can't open '${file}': ${(error as Error).message}`);
  }
  if (text.length > MAX_PARAMS_FILE) throw new UsageError(`argument -f/--file: '${file}' is too large`);
  if (text.trim() === '') throw new UsageError(`argument -f/--file: '${file}' is empty`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`argument -f/--file: '${file}' is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`argument -f/--file: '${file}' must hold a JSON object of params`);
  return parsed as Record<string, unknown>;
}

async function tlsOptions(args: CliArgs): Promise<ClientTlsOptions | false> {
  if (args.insecure) return false;
  const [key, cert, ca] = await Promise.all([readFile(args.keyFile), readFile(args.certFile), readFile(args.caFile)]);
  return { key, cert, ca };
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The client library words connection failures itself; keep only the cause.
  return /^Connection to .* failed: ([\s\S]*)$/.exec(message)?.[1] ?? message;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    throw error;
  }
  const namespaces = knownVerbs(args.glusterEnabled);
  if (args.namespace === undefined) {
    if (args.help) {
      io.stdout(mainHelp(USAGE, namespaces));
      return 0;
    }
    return usageError(io, 'the following arguments are required: namespace');
  }
  const verbs = namespaces.get(args.namespace);
  if (verbs === undefined)
    return usageError(
      io,
      `argument namespace: invalid choice: '${args.namespace}' (choose from ${[...namespaces.keys()].map((n) => `'${n}'`).join(', ')})`,
    );
  if (args.verb === undefined) {
    if (args.help) {
      io.stdout(namespaceHelp(args.namespace, verbs));
      return 0;
    }
    return usageError(io, `${args.namespace}: the following arguments are required: verb`);
  }
  const entry = verbs.get(args.verb);
  if (entry === undefined) return usageError(io, `${args.namespace}: invalid choice: '${args.verb}'`);
  if (args.help) {
    io.stdout(verbHelp(entry, prettyJson));
    return 0;
  }

  let params: Record<string, unknown>;
  try {
    params = args.file === undefined ? Object.fromEntries(args.params) : await paramsFromFile(args, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    throw error;
  }

  const method = entry.method;
  const what = `${method} with args ${pyRepr(params)}`;
  const fail = (text: string) => {
    io.stderr(`vdsm-client: ${text}\n`);
    return 1;
  };
  let client: VdsmClient;
  try {
    client = await VdsmClient.connect({
      host: args.host,
      port: args.port,
      tls: await tlsOptions(args),
      transport: args.transport,
      timeoutMs: args.timeout * 1000,
      connectTimeoutMs: args.timeout * 1000,
      reconnect: false,
    });
  } catch (error) {
    return fail(
      `Connection to ${args.host}:${args.port} with use_tls=${args.insecure ? 'False' : 'True'}, timeout=${args.timeoutText} failed: ${reasonOf(error)}`,
    );
  }
  try {
    const result = await client.call(method, params, {
      timeoutMs: args.timeout * 1000,
      ...(args.flowId === undefined ? {} : { flowId: args.flowId }),
    });
    io.stdout(`${prettyJson(result)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof VdsmRpcError)
      return fail(`Command ${what} failed:\n(code=${error.code}, message=${error.message})`);
    if (error instanceof VdsmTimeoutError) return fail(`Request ${what} timed out after ${args.timeoutText} seconds`);
    if (error instanceof VdsmConnectionError) return fail(`Request ${what} failed: ${reasonOf(error)}`);
    return fail(`Request ${what} failed: ${reasonOf(error)}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}
