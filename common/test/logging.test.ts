import { Writable } from 'node:stream';
import t from 'tap';
import { Logging } from '../src/logging.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

t.test('module loggers tag lines and follow run-time level changes', async (t) => {
  const out = capture();
  const logging = new Logging({ name: 'vdsmd', level: 'info' }, out.stream);
  const rpc = logging.get('rpc');
  t.equal(logging.get('rpc'), rpc, 'one instance per module');
  rpc.debug('hidden');
  rpc.info('shown');
  logging.setLevel('debug');
  rpc.debug('now shown');
  logging.setLevel('warn', 'rpc');
  rpc.info('hidden again');
  logging.get('virt').info('other module unaffected');
  const lines = out.lines();
  t.same(
    lines.map((l) => [l.module, l.msg]),
    [
      ['rpc', 'shown'],
      ['rpc', 'now shown'],
      ['virt', 'other module unaffected'],
    ],
  );
  t.equal(lines[0]?.name, 'vdsmd');
  t.throws(() => logging.setLevel('loud'), /unknown log level "loud"/);
});
