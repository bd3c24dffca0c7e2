import t from 'tap';
import { DEFAULT_SHUTDOWN_MESSAGE, parseCommand } from '../../src/protocol/commands.js';
import {
  COMMAND_MIN_API_VERSION,
  clampApiVersion,
  MAX_API_VERSION,
  MESSAGE_MIN_API_VERSION,
} from '../../src/protocol/version.js';

t.test('shutdown: upstream defaults and the string reboot flag', async (t) => {
  t.same(parseCommand('shutdown', {}), {
    ok: true,
    command: { name: 'shutdown', timeout: 0, message: DEFAULT_SHUTDOWN_MESSAGE, reboot: false },
  });
  t.match(parseCommand('shutdown', { timeout: '45', message: 'm', reboot: 'TRUE' }), {
    command: { timeout: 45, message: 'm', reboot: true },
  });
  t.match(parseCommand('shutdown', { reboot: true }), { command: { reboot: false } }, 'a JSON boolean is not "True"');
  t.match(parseCommand('shutdown', { timeout: 'soon', message: 7 }), {
    command: { timeout: 0, message: DEFAULT_SHUTDOWN_MESSAGE },
  });
  t.match(parseCommand('shutdown', { timeout: -5 }), { command: { timeout: 0 } });
});

t.test('versions and refresh', async (t) => {
  t.same(parseCommand('refresh', {}), { ok: true, command: { name: 'refresh', apiVersion: undefined } });
  t.same(parseCommand('refresh', { apiVersion: 3 }), { ok: true, command: { name: 'refresh', apiVersion: 3 } });
  t.match(parseCommand('refresh', { apiVersion: 'x' }), { ok: false, error: { code: 'GA_ERR_BAD_ARGS' } });
  t.same(parseCommand('api-version', { apiVersion: '2' }), {
    ok: true,
    command: { name: 'api-version', apiVersion: 2 },
  });
  t.match(parseCommand('api-version', {}), { ok: false, error: { code: 'GA_ERR_BAD_ARGS' } });
  t.match(parseCommand('api-version', { apiVersion: 2.5 }), { ok: false });
  t.equal(clampApiVersion(7), MAX_API_VERSION);
  t.equal(clampApiVersion(-1), 0);
  t.equal(clampApiVersion('3'), 0, 'a non-integer counts as 0');
  t.equal(MESSAGE_MIN_API_VERSION['os-info'], 2);
  t.equal(MESSAGE_MIN_API_VERSION.containers, 3);
  t.equal(COMMAND_MIN_API_VERSION['lifecycle-event'], 3);
});

t.test('the other commands', async (t) => {
  t.same(parseCommand('lock-screen', { extra: 1 }), { ok: true, command: { name: 'lock-screen' } });
  t.same(parseCommand('log-off', {}), { ok: true, command: { name: 'log-off' } });
  t.same(parseCommand('echo', { a: [1] }), { ok: true, command: { name: 'echo', args: { a: [1] } } });
  t.same(parseCommand('hibernate', {}), { ok: true, command: { name: 'hibernate', state: 'disk' } });
  t.match(parseCommand('hibernate', { state: 'sideways' }), { ok: false, error: { code: 'GA_ERR_BAD_ARGS' } });
  t.same(parseCommand('login', { username: 'u@d', password: 'p' }), {
    ok: true,
    command: { name: 'login', username: 'u@d', password: 'p' },
  });
  t.match(parseCommand('login', { username: 'u' }), { ok: false });
  t.same(parseCommand('set-number-of-cpus', { count: 4 }), {
    ok: true,
    command: { name: 'set-number-of-cpus', count: 4 },
  });
  t.match(parseCommand('set-number-of-cpus', { count: 0 }), { ok: false });
  t.same(parseCommand('lifecycle-event', { type: 'before_migration', reply_id: 'r1' }), {
    ok: true,
    command: { name: 'lifecycle-event', type: 'before_migration', replyId: 'r1', failure: false },
  });
  t.match(parseCommand('lifecycle-event', { type: 'after_hibernation', failure: true }), {
    command: { replyId: undefined, failure: true },
  });
  t.match(parseCommand('lifecycle-event', { type: 'before_migration', reply_id: 5 }), { ok: false });
  t.match(parseCommand('lifecycle-event', { type: 'nap' }), { ok: false });
});

t.test('unknown names, including inherited property names', async (t) => {
  for (const name of ['frobnicate', 'toString', '__proto__', 'constructor', '']) {
    t.match(parseCommand(name, {}), { ok: false, error: { code: 'GA_ERR_UNKNOWN_NAME' } }, JSON.stringify(name));
  }
});
