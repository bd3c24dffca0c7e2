import { readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { VdsmClient, VdsmConnectionError } from '../../src/client/index.js';
import { startRpcServer } from '../../src/rpc/server/index.js';
import { makeDevPki, quietLogging, TrivialEndpoint, testConfig } from './helpers.js';

const dir = await tempDir(t, 'vdsm-tls-');
const pki = await makeDevPki(dir);
const other = await makeDevPki(`${dir}/other`);
const pem = async (p: string): Promise<Buffer> => readFile(p);
const clientTls = { key: await pem(pki.clientKey), cert: await pem(pki.clientCert), ca: await pem(pki.ca) };

async function tlsServer(t: { teardown(fn: () => unknown): void }, protocol: 'tls1.2' | 'tls1.3' = 'tls1.2') {
  const config = testConfig((c) => {
    const vars = c.vars as unknown as Record<string, unknown>;
    vars.ssl = true;
    vars.ssl_key_file = pki.key;
    vars.ssl_cert_file = pki.cert;
    vars.ssl_ca_file = pki.ca;
    vars.ssl_protocol = protocol;
  });
  const server = await startRpcServer({
    config,
    logging: quietLogging(),
    endpoint: new TrivialEndpoint(),
    handshakeTimeoutMs: 300,
  });
  t.teardown(() => server.close());
  return server.address().port;
}

/** Opens a TLS connection; resolves with the socket or the reason it failed (handshake or first read). */
function tryTls(port: number, options: ConnectionOptions): Promise<TLSSocket | Error> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, checkServerIdentity: () => undefined, ...options });
    socket.on('error', (err) => resolve(err));
    socket.on('secureConnect', () => {
      // TLS 1.3 reports a refused client certificate only after the handshake: try a round trip
      socket.write('CONNECT\naccept-version:1.2\n\n\0');
      socket.once('data', () => resolve(socket));
      socket.once('close', () => resolve(new Error('closed by the server')));
    });
  });
}

t.test('mutual TLS: a client with a certificate from our CA is served', async (t) => {
  const port = await tlsServer(t);
  const client = await VdsmClient.connect({ host: '127.0.0.1', port, tls: clientTls, reconnect: false });
  t.teardown(() => client.close());
  t.equal(await client.call('Host.ping2'), true);
  const ws = await VdsmClient.connect({
    host: '127.0.0.1',
    port,
    tls: clientTls,
    transport: 'websocket',
    reconnect: false,
  });
  t.teardown(() => ws.close());
  t.equal(await ws.call('Host.ping2'), true, 'wss on the same port');
});

t.test('a client without a certificate is refused', async (t) => {
  const port = await tlsServer(t);
  const result = await tryTls(port, { ca: clientTls.ca });
  t.type(result, Error);
  await t.rejects(
    VdsmClient.connect({
      host: '127.0.0.1',
      port,
      tls: { ...clientTls, key: '', cert: '' },
      reconnect: false,
      connectTimeoutMs: 3000,
    }),
    VdsmConnectionError,
  );
});

t.test('a client certificate from another CA is refused; so is a server we do not trust', async (t) => {
  const port = await tlsServer(t);
  const result = await tryTls(port, {
    key: await pem(other.clientKey),
    cert: await pem(other.clientCert),
    ca: clientTls.ca,
  });
  t.type(result, Error, 'foreign client certificate');
  await t.rejects(
    VdsmClient.connect({ host: '127.0.0.1', port, tls: { ...clientTls, ca: await pem(other.ca) }, reconnect: false }),
    { name: 'VdsmConnectionError', message: /use_tls=true failed/ },
    'server certificate not from the CA the client trusts',
  );
});

t.test('ssl_protocol is the lowest version accepted', async (t) => {
  const port = await tlsServer(t, 'tls1.3');
  const old = await tryTls(port, { ...clientTls, maxVersion: 'TLSv1.2' });
  t.type(old, Error, 'TLS 1.2 refused when ssl_protocol = tls1.3');
  const ok = await tryTls(port, { ...clientTls, minVersion: 'TLSv1.3' });
  t.notOk(ok instanceof Error, 'TLS 1.3 accepted');
  if (!(ok instanceof Error)) ok.destroy();
});

t.test('no plaintext on a TLS port, and a silent client is dropped after the handshake timeout', async (t) => {
  const port = await tlsServer(t);
  for (const wire of ['CONNECT\naccept-version:1.2\n\n\0', '']) {
    const socket = netConnect({ port, host: '127.0.0.1' });
    let closed = false;
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
    });
    if (wire !== '') socket.write(wire);
    await waitUntil(() => closed, { timeoutMs: 5000, what: 'close', wakeOn: { emitter: socket, events: ['close'] } });
    t.notMatch(got, /CONNECTED/, wire === '' ? 'silent client closed' : 'plaintext STOMP refused');
  }
});

t.test('section 3 exchange over mutual TLS, byte for byte; verify_client_cert lets loopback through', async (t) => {
  const config = testConfig((c) => {
    const vars = c.vars as unknown as Record<string, unknown>;
    vars.ssl = true;
    vars.ssl_key_file = pki.key;
    vars.ssl_cert_file = pki.cert;
    vars.ssl_ca_file = pki.ca;
    vars.verify_client_cert = true;
  });
  const server = await startRpcServer({ config, logging: quietLogging(), endpoint: new TrivialEndpoint() });
  t.teardown(() => server.close());
  const socket = await tryTls(server.address().port, clientTls);
  if (socket instanceof Error) throw socket;
  t.teardown(() => socket.destroy());
  let got = '';
  socket.on('data', (d: Buffer) => {
    got += d.toString();
  });
  const q = '4b0f1c2e-9a7d-4c55-8e21-6f3a9d0b7c11';
  const body =
    '[{"jsonrpc": "2.0", "method": "Host.ping2", "params": {}, "id": "8c0f3e52-6a1b-4a39-9d7e-3b0c6f1e2a44"}]';
  socket.write(
    `SUBSCRIBE\ndestination:${q}\nack:auto\nid:s\n\n\0SEND\ndestination:jms.topic.vdsm_requests\ncontent-type:application/json\nreply-to:${q}\ncontent-length:104\n\n${body}\0`,
  );
  const reply = `MESSAGE\ndestination:${q}\ncontent-type:application/json\nsubscription:s\ncontent-length:80\n\n{"jsonrpc": "2.0", "id": "8c0f3e52-6a1b-4a39-9d7e-3b0c6f1e2a44", "result": true}\0`;
  await waitUntil(() => got.includes(reply), {
    timeoutMs: 5000,
    what: 'the reply',
    wakeOn: { emitter: socket, events: ['data'] },
  });
  t.equal(got, reply, 'exactly the MESSAGE (tryTls already took the CONNECTED)');
});
