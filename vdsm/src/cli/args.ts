/**
 * vdsm-client's command line: `vdsm-client [options] <Namespace> <verb> [name=value …]`, parsed without side
 * effects. Usage problems throw UsageError (exit code 2).
 */

export const DEFAULT_KEY_FILE = '/etc/pki/vdsm/keys/vdsmkey.pem';
export const DEFAULT_CERT_FILE = '/etc/pki/vdsm/certs/vdsmcert.pem';
export const DEFAULT_CA_FILE = '/etc/pki/vdsm/certs/cacert.pem';

export const USAGE =
  'usage: vdsm-client [-h] [-a HOST] [-p PORT] [--insecure] [--timeout TIMEOUT] [-f FILE] [--flow-id FLOW_ID]\n' +
  '                   [--gluster-enabled] [--transport {stomp,websocket}] [--key-file FILE] [--cert-file FILE]\n' +
  '                   [--ca-file FILE]\n' +
  '                   namespace [verb] [name=value ...]';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliArgs {
  readonly host: string;
  readonly port: number;
  readonly insecure: boolean;
  /** Seconds, as typed (kept for messages). */
  readonly timeout: number;
  readonly timeoutText: string;
  readonly file: string | undefined;
  readonly flowId: string | undefined;
  readonly glusterEnabled: boolean;
  readonly transport: 'stomp' | 'websocket';
  readonly keyFile: string;
  readonly certFile: string;
  readonly caFile: string;
  readonly help: boolean;
  readonly namespace: string | undefined;
  readonly verb: string | undefined;
  /** `name=value` pairs in order; values are strings. */
  readonly params: ReadonlyArray<readonly [string, string]>;
}

type ValueOption = 'host' | 'port' | 'timeout' | 'file' | 'flowId' | 'transport' | 'keyFile' | 'certFile' | 'caFile';

const VALUE_OPTIONS = new Map<string, ValueOption>([
  ['-a', 'host'],
  ['--host', 'host'],
  ['-p', 'port'],
  ['--port', 'port'],
  ['--timeout', 'timeout'],
  ['-f', 'file'],
  ['--file', 'file'],
  ['--flow-id', 'flowId'],
  ['--transport', 'transport'],
  ['--key-file', 'keyFile'],
  ['--cert-file', 'certFile'],
  ['--ca-file', 'caFile'],
]);

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const values = new Map<ValueOption, string>();
  let insecure = false;
  let glusterEnabled = false;
  let help = false;
  const positionals: string[] = [];
  let optionsDone = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (optionsDone || !token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    if (token === '--') {
      optionsDone = true;
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = eq === -1 ? token : token.slice(0, eq);
    if (name === '-h' || name === '--help') help = true;
    else if (name === '--insecure') insecure = true;
    else if (name === '--gluster-enabled') glusterEnabled = true;
    else {
      const key = VALUE_OPTIONS.get(name);
      if (key === undefined) throw new UsageError(`unrecognized arguments: ${token}`);
      let value: string | undefined;
      if (eq !== -1) value = token.slice(eq + 1);
      else {
        value = argv[i + 1];
        i++;
      }
      if (value === undefined) throw new UsageError(`argument ${name}: expected one argument`);
      values.set(key, value);
    }
  }

  const portText = values.get('port') ?? '54321';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`argument -p/--port: invalid int value: '${portText}'`);
  const timeoutText = values.get('timeout') ?? '60';
  const timeout = Number(timeoutText);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeoutText.trim() === '')
    throw new UsageError(`argument --timeout: invalid float value: '${timeoutText}'`);
  const transport = values.get('transport') ?? 'stomp';
  if (transport !== 'stomp' && transport !== 'websocket')
    throw new UsageError(`argument --transport: invalid choice: '${transport}' (choose from 'stomp', 'websocket')`);

  const [namespace, verb, ...rest] = positionals;
  const params = rest.map((token): [string, string] => {
    const eq = token.indexOf('=');
    if (eq === -1) throw new UsageError(`Invalid param '${token}'`);
    return [token.slice(0, eq), token.slice(eq + 1)];
  });
  const file = values.get('file');
  if (file !== undefined && params.length > 0)
    throw new UsageError('-f/--file cannot be used together with name=value params');

  return {
    host: values.get('host') ?? 'localhost',
    port,
    insecure,
    timeout,
    timeoutText,
    file,
    flowId: values.get('flowId'),
    glusterEnabled,
    transport,
    keyFile: values.get('keyFile') ?? DEFAULT_KEY_FILE,
    certFile: values.get('certFile') ?? DEFAULT_CERT_FILE,
    caFile: values.get('caFile') ?? DEFAULT_CA_FILE,
    help,
    namespace,
    verb,
    params,
  };
}
