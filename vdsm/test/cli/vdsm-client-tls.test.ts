// vdsm-client over mutual TLS against a real vdsmd, with a throwaway CA made by openssl.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { bin, startVdsmd } from './daemon.js';

const pki = await mkdtemp(join(tmpdir(), 'vdsm-pki-'));
t.teardown(() => rm(pki, { recursive: true, force: true }));

const openssl = (args: string[]) => execa('openssl', args, { cwd: pki, timeout: 30_000, maxBuffer: 1 << 20 });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function ca(name: string): Promise<void> {
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
}

async function leaf(name: string, caName: string): Promise<void> {
  await openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost']);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${caName}.pem`,
    '-CAkey',
    `${caName}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
  ]);
}

await ca('ca');
await ca('other-ca');
await leaf('server', 'ca');
await leaf('client', 'ca');
await leaf('stranger', 'other-ca');

const vdsmd = await startVdsmd({
  ssl: 'true',
  ssl_key_file: join(pki, 'server.key'),
  ssl_cert_file: join(pki, 'server.pem'),
  ssl_ca_file: join(pki, 'ca.pem'),
});
t.teardown(() => vdsmd.stop());

const client = (name: string, ...args: string[]) =>
  execa(
    'node',
    [
      join(bin, 'vdsm-client.js'),
      '-p',
      String(vdsmd.port),
      '--key-file',
      join(pki, `${name}.key`),
      '--cert-file',
      join(pki, `${name}.pem`),
      '--ca-file',
      join(pki, 'ca.pem'),
      '--timeout',
      '10',
      ...args,
    ],
    { reject: false, timeout: 60_000, maxBuffer: 1 << 20 },
  );

t.test('a client certificate from the CA is served', async (t) => {
  for (const transport of ['stomp', 'websocket']) {
    const r = await client('client', '--transport', transport, 'Host', 'ping2');
    t.equal(r.exitCode, 0, `${transport}: ${r.stderr}`);
    t.equal(r.stdout, 'true');
  }
});

t.test('a client certificate from another CA is refused', async (t) => {
  const r = await client('stranger', 'Host', 'ping2');
  t.equal(r.exitCode, 1);
  t.match(
    r.stderr,
    /^vdsm-client: (Connection to localhost:\d+ with use_tls=True, timeout=10 failed|Request Host\.ping2 with args \{\} failed): /,
  );
});
