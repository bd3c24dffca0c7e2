import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError, defaultConfig, loadConfig } from '../src/config/index.js';
import { parseIni } from '../src/config/ini.js';

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vdsm-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('defaults match upstream', async (t) => {
  const c = defaultConfig();
  t.equal(c.addresses.management_port, 54321);
  t.equal(c.addresses.management_ip, '::');
  t.equal(c.vars.ssl, true);
  t.equal(c.vars.libvirt_uri, 'qemu:///system');
  t.equal(c.vars.fake_kvm_support, 'auto');
  t.equal(c.irs.repository, '/rhev/data-center');
  t.equal(c.vars.ssl_ca_file, '/etc/pki/vdsm/certs/cacert.pem');
  t.same(c.addresses.request_queues, ['jms.topic.vdsm_requests', 'jms.topic.vdsm_irs_requests']);
});

t.test('a missing default file gives defaults; a missing named file is an error', async (t) => {
  const dir = await tempDir(t);
  const c = await loadConfig(join(dir, 'absent.conf'));
  t.equal(c.addresses.management_port, 54321);
  await t.rejects(loadConfig(join(dir, 'absent.conf'), { required: true }), {
    name: 'ConfigError',
    message: /absent\.conf: cannot read: ENOENT/,
  });
});

t.test('values are typed and drop-ins override in name order', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'vdsm.conf');
  await writeFile(
    file,
    '# comment\n[vars]\nssl = false\nlibvirt_uri: test:///default\n\n[addresses]\nmanagement_port = 4000\n',
  );
  await mkdir(`${file}.d`);
  await writeFile(join(`${file}.d`, '50-b.conf'), '[addresses]\nmanagement_port = 4002\n');
  await writeFile(join(`${file}.d`, '10-a.conf'), '[addresses]\nmanagement_port = 4001\nrequest_queues = a, b\n');
  const c = await loadConfig(file);
  t.equal(c.vars.ssl, false);
  t.equal(c.vars.libvirt_uri, 'test:///default');
  t.equal(c.addresses.management_port, 4002);
  t.same(c.addresses.request_queues, ['a', 'b']);
});

t.test('bad keys and values name file, line and key', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'vdsm.conf');
  const cases: Array<[string, RegExp]> = [
    ['[vars]\nssl = maybe\n', /vdsm\.conf:2: \[vars\] ssl: expected a boolean/],
    ['[vars]\n\nno_such_key = 1\n', /vdsm\.conf:3: \[vars\] no_such_key: unknown key/],
    ['[nosection]\nx = 1\n', /vdsm\.conf:2: \[nosection\]: unknown section/],
    ['[addresses]\nmanagement_port = 70000\n', /:2: \[addresses\] management_port: must be <= 65535/],
    ['[addresses]\nmanagement_port = 12ab\n', /expected an integer/],
    ['[vars]\nfake_kvm_support = sometimes\n', /expected one of auto, true, false/],
    ['ssl = true\n', /vdsm\.conf:1: entry before any \[section\] header/],
    ['[vars]\n=novalue\n', /vdsm\.conf:2: cannot parse line/],
  ];
  for (const [text, message] of cases) {
    await writeFile(file, text);
    await t.rejects(loadConfig(file), message, JSON.stringify(text));
  }
  const err = await loadConfig(file).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
});

t.test('continuation lines join values', async (t) => {
  const entries = parseIni('[addresses]\nrequest_queues = a,\n  b\n', 'x.conf');
  t.same(entries, [{ section: 'addresses', key: 'request_queues', value: 'a,\nb', line: 2 }]);
});

t.test('docs/config.md is generated from the key table', async (t) => {
  const { renderConfigDoc } = await import('../src/config/docs.js');
  const { readFile } = await import('node:fs/promises');
  const docPath = fileURLToPath(new URL('../../../docs/config.md', import.meta.url));
  const onDisk = await readFile(docPath, 'utf8');
  t.equal(onDisk, renderConfigDoc(), 'run `npm run docs -w @vdsm-ts/vdsm` to regenerate docs/config.md');
});
