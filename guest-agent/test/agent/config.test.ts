import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import {
  AgentConfigError,
  applyFlags,
  applyIni,
  CONFIG_KEYS,
  DEFAULT_DEVICE,
  defaultAgentConfig,
  flagName,
  loadAgentConfig,
  renderConfig,
} from '../../src/agent/config.js';
import { createLogger } from '../../src/agent/log.js';

t.test('defaults are upstream default.conf', async (t) => {
  const c = defaultAgentConfig();
  t.equal(c.heart_beat_rate, 5);
  t.equal(c.report_user_rate, 10);
  t.equal(c.report_num_cpu_rate, 60);
  t.equal(c.report_application_rate, 120);
  t.equal(c.report_disk_usage, 300);
  t.ok(c.applications_list.includes('ovirt-guest-agent') && c.applications_list.includes('cloud-init'));
  t.ok(c.ignored_fs.includes('tmpfs') && c.ignored_fs.includes('proc'));
  t.equal(c.ignore_zero_size_fs, true);
  t.same(c.ignored_nics, ['docker0']);
  t.equal(c.device, '', 'empty device: the current port, else the legacy one');
  t.equal(DEFAULT_DEVICE, '/dev/virtio-ports/ovirt-guest-agent.0');
  t.equal(c.max_line, 1024 * 1024);
  t.same(c.shutdown, [], 'power-off program chosen at run time');
  t.equal(flagName('heart_beat_rate'), 'heart-beat-rate');
  for (const [key, def] of Object.entries(CONFIG_KEYS)) t.ok(def.doc.length > 5, `${key} is documented`);
});

t.test('an upstream-style file, then flags', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const file = join(dir, 'ovirt-guest-agent.conf');
  await writeFile(
    file,
    [
      '# upstream layout',
      '[general]',
      'heart_beat_rate = 2.5',
      'applications_list: kernel  cloud-init',
      'ignore_zero_size_fs = no',
      '',
      '[virtio]',
      'device = /dev/virtio-ports/com.redhat.rhevm.vdsm',
      '[commands]',
      'shutdown = /usr/local/bin/my-shutdown --now',
      '[loggers]',
      'keys = root',
    ].join('\n'),
  );
  const c = await loadAgentConfig(file, { required: true, flags: { heart_beat_rate: '1', log_level: 'debug' } });
  t.equal(c.heart_beat_rate, 1, 'flags win');
  t.same(c.applications_list, ['kernel', 'cloud-init']);
  t.equal(c.ignore_zero_size_fs, false);
  t.equal(c.device, '/dev/virtio-ports/com.redhat.rhevm.vdsm');
  t.same(c.shutdown, ['/usr/local/bin/my-shutdown', '--now']);
  t.equal(c.log_level, 'debug');
  t.equal((await loadAgentConfig(join(dir, 'absent.conf'))).heart_beat_rate, 5, 'a missing default file is fine');
  await t.rejects(loadAgentConfig(join(dir, 'absent.conf'), { required: true }), {
    name: 'AgentConfigError',
    message: /ENOENT/,
  });
});

t.test('bad values name the place', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['[general]\nheart_beat_rate = 0\n', /f:2: heart_beat_rate: expected seconds/],
    ['[general]\nheart_beat_rate = 1e9\n', /expected seconds/],
    ['[general]\nignore_zero_size_fs = maybe\n', /expected a boolean/],
    ['[general]\nlog_level = loud\n', /expected debug\|info\|warn\|error/],
    ['[general]\nmax_line = 12\n', /expected bytes/],
    ['heart_beat_rate = 1\n', /f:1: heart_beat_rate: outside any section/],
    ['[general]\nwhat is this\n', /f:2: expected 'key = value'/],
    ['[virtio]\nheart_beat_rate = 1\n', /f:2: \[virtio\] heart_beat_rate: unknown key/],
  ];
  for (const [text, message] of cases) {
    t.throws(() => applyIni(defaultAgentConfig(), text, 'f'), { name: 'AgentConfigError', message });
  }
  t.throws(() => applyFlags(defaultAgentConfig(), { report_disk_usage: '-1' }), AgentConfigError);
});

t.test('logger: levels below the threshold are dropped', async (t) => {
  const lines: string[] = [];
  const log = createLogger('warn', (l) => lines.push(l));
  log.debug('d');
  log.info('i');
  log.warn('w', { a: 1 });
  log.setLevel('debug');
  log.debug('d2');
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  log.error('e', circular);
  t.same(lines, ['WARN w {"a":1}\n', 'DEBUG d2\n', 'ERROR e {"fields":"unserializable"}\n']);
});

t.test('the shipped sample configuration is the rendered defaults, and reads back', async (t) => {
  const sample = fileURLToPath(new URL('../../../dist-files/ovirt-guest-agent.conf', import.meta.url));
  t.equal(
    await readFile(sample, 'utf8'),
    renderConfig(defaultAgentConfig()),
    'regenerate with: node guest-agent/dist/src/bin/ovirt-guest-agent.js --config /dev/null --dump-config',
  );
  const changed = defaultAgentConfig();
  changed.heart_beat_rate = 0.5;
  changed.shutdown = ['/sbin/shutdown', '--no-wall'];
  changed.device = '/run/agent.sock';
  const back = defaultAgentConfig();
  applyIni(back, renderConfig(changed), 'rendered');
  t.same(back, changed, 'render → parse is the identity');
});
