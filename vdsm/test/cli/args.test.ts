import t from 'tap';
import { DEFAULT_CA_FILE, DEFAULT_CERT_FILE, DEFAULT_KEY_FILE, parseCliArgs, UsageError } from '../../src/cli/args.js';
import { prettyJson, pyRepr } from '../../src/cli/format.js';
import { runCli } from '../../src/cli/run.js';

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), readStdin: async () => stdin },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

t.test('defaults match upstream', async (t) => {
  const a = parseCliArgs(['Host', 'ping2']);
  t.match(a, {
    host: 'localhost',
    port: 54321,
    insecure: false,
    timeout: 60,
    transport: 'stomp',
    keyFile: DEFAULT_KEY_FILE,
    certFile: DEFAULT_CERT_FILE,
    caFile: DEFAULT_CA_FILE,
    namespace: 'Host',
    verb: 'ping2',
    help: false,
  });
  t.same(a.params, []);
});

t.test('options, short and long, and name=value split at the first =', async (t) => {
  const a = parseCliArgs([
    '-a',
    'h1',
    '-p',
    '1234',
    '--insecure',
    '--timeout',
    '2.5',
    '--flow-id',
    'f1',
    '--transport=websocket',
    'VM',
    'getStats',
    'vmID=abc',
    'expr=a=b',
    'empty=',
  ]);
  t.match(a, {
    host: 'h1',
    port: 1234,
    insecure: true,
    timeout: 2.5,
    timeoutText: '2.5',
    flowId: 'f1',
    transport: 'websocket',
  });
  t.same(a.params, [
    ['vmID', 'abc'],
    ['expr', 'a=b'],
    ['empty', ''],
  ]);
});

t.test('usage errors', async (t) => {
  t.throws(() => parseCliArgs(['Host', 'ping2', 'oops']), new UsageError("Invalid param 'oops'"));
  t.throws(() => parseCliArgs(['-p', 'x', 'Host']), /invalid int value: 'x'/);
  t.throws(() => parseCliArgs(['--timeout', '-1', 'Host']), /invalid float value/);
  t.throws(() => parseCliArgs(['--bogus', 'Host']), /unrecognized arguments: --bogus/);
  t.throws(() => parseCliArgs(['-a']), /argument -a: expected one argument/);
  t.throws(() => parseCliArgs(['--transport', 'http', 'Host']), /invalid choice: 'http'/);
  t.throws(() => parseCliArgs(['-f', 'x.json', 'Host', 'ping2', 'a=b']), /cannot be used together/);
});

t.test('runCli: usage errors exit 2 with argparse-style text', async (t) => {
  for (const argv of [
    [],
    ['Nope', 'x'],
    ['Host'],
    ['Host', 'nope'],
    ['Host', 'ping2', 'bad'],
    ['GlusterVolume', 'list'],
  ]) {
    const c = io();
    t.equal(await runCli(argv, c.io), 2, argv.join(' '));
    t.match(c.err(), /^usage: vdsm-client .*\nvdsm-client: error: .+\n$/s);
    t.equal(c.out(), '');
  }
});

t.test('runCli: -f reads params from a file or stdin; empty or non-object input is a usage error', async (t) => {
  for (const [stdin, message] of [
    ['', /is empty/],
    ['[1]', /must hold a JSON object/],
    ['{nope', /is not JSON/],
  ] as const) {
    const c = io(stdin);
    t.equal(await runCli(['-f', '-', 'Host', 'ping2'], c.io), 2);
    t.match(c.err(), message);
  }
  const missing = io();
  t.equal(await runCli(['-f', '/nonexistent/params.json', 'Host', 'ping2'], missing.io), 2);
  t.match(missing.err(), /can't open '\/nonexistent\/params.json'/);
});

t.test('runCli: help from the schema', async (t) => {
  const main = io();
  t.equal(await runCli(['-h'], main.io), 0);
  t.match(main.out(), /namespaces:\n.*Host/s);
  t.notMatch(main.out(), /GlusterVolume/, 'gluster only with --gluster-enabled');
  const gl = io();
  t.equal(await runCli(['--gluster-enabled', '-h'], gl.io), 0);
  t.match(gl.out(), /GlusterVolume/);
  const ns = io();
  t.equal(await runCli(['Host', '-h'], ns.io), 0);
  t.match(ns.out(), /Host verbs:\n(.|\n)* {2}ping2 /);
  const verb = io();
  t.equal(await runCli(['Host', 'setLogLevel', '-h'], verb.io), 0);
  t.match(verb.out(), /level=LoggingLevel\s+\(required\)/);
  t.match(verb.out(), /name=string\s+\(default ""\)/);
  const json = verb.out().split('JSON representation:\n')[1]!;
  t.same(JSON.parse(json), { level: 'CRITICAL|CRIT|DEBUG|ERROR|INFO|WARNING|WARN', name: 'string' });
});

t.test('runCli: connection failure exits 1 with upstream text', async (t) => {
  const c = io();
  // TLS files that do not exist: the connection cannot even start
  const code = await runCli(['--key-file', '/nonexistent/key.pem', '--timeout', '5', 'Host', 'ping2'], c.io);
  t.equal(code, 1);
  t.match(c.err(), /^vdsm-client: Connection to localhost:54321 with use_tls=True, timeout=5 failed: .*key\.pem/);
});

t.test('output formats', async (t) => {
  t.equal(
    prettyJson({ b: 1, a: { d: [true, null], c: 'é' } }),
    '{\n    "a": {\n        "c": "\\u00e9",\n        "d": [\n            true,\n            null\n        ]\n    },\n    "b": 1\n}',
  );
  t.equal(
    pyRepr({ vmID: "a'b", n: 1, on: true, none: null, list: ['x'] }),
    `{'vmID': "a'b", 'n': 1, 'on': True, 'none': None, 'list': ['x']}`,
  );
  t.equal(pyRepr({}), '{}');
});
