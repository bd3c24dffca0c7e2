// vdsm-client against a real vdsmd process (plain TCP, test:///default), both transports.
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { prettyJson } from '../../src/cli/format.js';
import { bin, freePort, startVdsmd } from './daemon.js';

const vdsmd = await startVdsmd();
const port = vdsmd.port;
t.teardown(() => vdsmd.stop());

const client = (...args: string[]) =>
  execa('node', [join(bin, 'vdsm-client.js'), '--insecure', '-p', String(port), ...args], {
    reject: false,
    timeout: 60_000,
    maxBuffer: 16 << 20,
  });

for (const transport of ['stomp', 'websocket']) {
  t.test(`${transport}: Host ping2 prints true and exits 0`, async (t) => {
    const r = await client('--transport', transport, 'Host', 'ping2');
    t.equal(r.exitCode, 0, r.stderr);
    t.equal(r.stdout, 'true');
  });
}

t.test('results print as sorted, 4-space JSON', async (t) => {
  const r = await client('Host', 'getStats');
  t.equal(r.exitCode, 0, r.stderr);
  const stats = JSON.parse(r.stdout) as Record<string, unknown>;
  t.equal(r.stdout, prettyJson(stats), 'exactly the sorted, indented form of what was received');
  const keys = [...r.stdout.matchAll(/^ {4}"([^"]+)":/gm)].map((m) => m[1]!);
  t.same(keys, [...keys].sort(), 'top-level keys sorted');
  t.ok(keys.includes('memFree') && keys.includes('network'));
  t.match(r.stdout, /^\{\n {4}"/);
});

t.test('string params are coerced by the server; -f - reads stdin', async (t) => {
  const r = await client('Host', 'getVMList', 'fullStatus=true', 'onlyUUID=False');
  t.equal(r.exitCode, 0, r.stderr);
  // The one VM on test:///default: the driver's running sample domain, reported as an external VM.
  t.match(JSON.parse(r.stdout), [{ vmId: '6695eb01-f6a4-8304-79aa-97f2502e193f', vmName: 'test', status: 'Up' }]);
  const f = await execa(
    'node',
    [join(bin, 'vdsm-client.js'), '--insecure', '-p', String(port), '-f', '-', 'Host', 'setLogLevel'],
    {
      input: '{"level": "INFO"}',
      reject: false,
      timeout: 60_000,
    },
  );
  t.equal(f.exitCode, 0, f.stderr);
  t.equal(f.stdout, 'true');
});

t.test('verb errors exit 1 with the upstream wording', async (t) => {
  const r = await client('--flow-id', 'flow-1', 'VM', 'destroy', 'vmID=5f3b8c52-1c83-4b3a-9e3e-2b7c1f0a9d11');
  t.equal(r.exitCode, 1);
  t.equal(
    r.stderr,
    "vdsm-client: Command VM.destroy with args {'vmID': '5f3b8c52-1c83-4b3a-9e3e-2b7c1f0a9d11'} failed:\n(code=1, message=Virtual machine does not exist: 5f3b8c52-1c83-4b3a-9e3e-2b7c1f0a9d11)",
  );
  const bad = await client('Host', 'setLogLevel', 'level=LOUD');
  t.equal(bad.exitCode, 1);
  t.match(bad.stderr, /\(code=-32602, message=Invalid method parameter\(s\): Host\.setLogLevel: parameter level/);
});

t.test('a closed port is a connection failure', async (t) => {
  const closed = await freePort();
  const r = await execa(
    'node',
    [join(bin, 'vdsm-client.js'), '--insecure', '-p', String(closed), '--timeout', '5', 'Host', 'ping2'],
    {
      reject: false,
      timeout: 60_000,
    },
  );
  t.equal(r.exitCode, 1);
  t.match(
    r.stderr,
    new RegExp(`^vdsm-client: Connection to localhost:${closed} with use_tls=False, timeout=5 failed: `),
  );
});
