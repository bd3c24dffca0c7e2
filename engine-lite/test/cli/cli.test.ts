// The engine-lite bin end to end: `serve` on a real PostgreSQL (flags from a --config file), then client commands
// against it and a real vdsmd: tables, --json, `host add --wait` with its progress lines, `host enroll --out`.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort as freePort } from '@vdsm-ts/testing/free-port';
import { execa } from 'execa';
import t from 'tap';
import { serveOptions } from '../../src/cli/serve.js';
import { startPostgres } from '../helpers/postgres.js';
import { startVdsmd } from '../helpers/vdsmd.js';

const BIN = fileURLToPath(new URL('../../src/bin/engine-lite.js', import.meta.url));

t.test('serve flags and config file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'engine-lite-conf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const conf = join(dir, 'engine-lite.json');
  await writeFile(conf, JSON.stringify({ 'data-dir': '/srv/el', port: 9000, 'poll-interval': 500 }));
  const options = await serveOptions(['--config', conf, '--port', '9001', '--max-misses', '5']);
  t.equal(options.dataDir, '/srv/el', 'from the file');
  t.equal(options.port, 9001, 'flags override the file');
  t.same(options.monitor, { pollIntervalMs: 500, maxMissedPolls: 5 }, 'monitor settings');
  const fromEnv = await serveOptions(['--port', '9002'], {
    ENGINE_LITE_CONFIG: conf,
    ENGINE_LITE_DB: 'postgres://engine@db.example/engine',
    ENGINE_LITE_PORT: '9100',
    ENGINE_LITE_HTTPS: 'yes',
  });
  t.equal(fromEnv.db, 'postgres://engine@db.example/engine', 'ENGINE_LITE_DB (the systemd EnvironmentFile)');
  t.equal(fromEnv.dataDir, '/srv/el', 'ENGINE_LITE_CONFIG names the config file');
  t.equal(fromEnv.https, true, 'boolean variables');
  t.equal(fromEnv.port, 9002, 'flags override the environment');
  await writeFile(conf, JSON.stringify({ colour: 'red' }));
  await t.rejects(serveOptions(['--config', conf]), /unknown key "colour"/, 'unknown config keys refused');
  await t.rejects(serveOptions(['--port', 'x']), /--port: expected an integer/, 'bad numbers refused');
  await t.rejects(serveOptions(['--bogus']), /bogus/, 'unknown flags refused');
});

t.test('engine-lite CLI against a served engine and a real vdsmd', async (t) => {
  const pg = await startPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'engine-lite-cli-'));
  const port = await freePort();
  const vdsmd = await startVdsmd();
  const conf = join(dir, 'engine-lite.json');
  await writeFile(
    conf,
    JSON.stringify({ 'data-dir': join(dir, 'data'), db: pg.url, port, 'poll-interval': 200, 'stats-every': 1 }),
  );
  await writeFile(join(dir, 'admin-pw'), 'cli-admin-pw\n');
  const server = execa('node', [BIN, 'serve', '--config', conf, '--admin-password-file', join(dir, 'admin-pw')], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
  });
  t.teardown(async () => {
    server.kill('SIGTERM');
    await server;
    await vdsmd.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${seen}`)), 60_000);
    server.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void server.then((r) => reject(new Error(`serve exited ${r.exitCode}:\n${seen}`)));
  });

  const env = { ENGINE_LITE_URL: `http://127.0.0.1:${port}`, ENGINE_LITE_PASSWORD: 'cli-admin-pw' };
  const cli = (...args: string[]) => execa('node', [BIN, ...args], { env, reject: false, timeout: 60_000 });

  t.match((await cli('dc', 'add', 'dc1')).stdout, /data center dc1 added/);
  t.match((await cli('cluster', 'add', 'cl1', '--dc', 'dc1', '--cpu', 'AMD EPYC')).stdout, /cluster cl1 added/);
  const add = await cli(
    'host',
    'add',
    'h1',
    '127.0.0.1',
    '--port',
    String(vdsmd.port),
    '--cluster',
    'cl1',
    '--insecure',
    '--wait',
  );
  t.equal(add.exitCode, 0, `host add --wait exits 0: ${add.stderr}`);
  t.match(add.stderr, /host h1: up \(/, 'progress shows the state it waited for');
  t.match(add.stdout, /host h1 added .*, up/);
  const table = (await cli('host', 'list')).stdout.split('\n');
  t.match(table[0], /^NAME\s+ADDRESS\s+STATUS/, 'table header');
  t.match(table[1], new RegExp(`^h1\\s+127\\.0\\.0\\.1:${vdsmd.port}\\s+up`), 'host row');
  t.match(
    (await cli('vm', 'add', 'vm1', '--cluster', 'cl1', '--memory', '256', '--cpus', '2')).stdout,
    /VM vm1 created/,
  );
  const vms = JSON.parse((await cli('vm', 'list', '--json')).stdout) as { name: string; memory: number }[];
  t.same(
    vms.map((v) => [v.name, v.memory]),
    [['vm1', 256 * 1048576]],
    'vm list --json',
  );
  const out = join(dir, 'pki');
  t.match((await cli('host', 'enroll', 'h1', '--out', out)).stdout, /vdsmkey\.pem/);
  t.match(
    await readFile(join(out, 'certs/vdsmcert.pem'), 'utf8'),
    /BEGIN CERTIFICATE/,
    'certificate installed in vdsm layout',
  );
  const bad = await cli('vm', 'add', 'vm2', '--cluster', 'nope');
  t.equal(bad.exitCode, 1, 'errors exit 1');
  t.match(bad.stderr, /BAD_REQUEST \(400\): body\.cluster/, 'and say why');
  const wrong = await execa('node', [BIN, 'vm', 'list'], {
    env: { ...env, ENGINE_LITE_PASSWORD: 'nope' },
    reject: false,
  });
  t.match(wrong.stderr, /UNAUTHENTICATED \(401\)/, 'a wrong password is refused');
  t.match((await cli('events', 'list')).stdout, /HOST_UP/, 'audit log through the CLI');
});
