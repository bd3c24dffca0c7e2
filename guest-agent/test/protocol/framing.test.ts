import fc from 'fast-check';
import t from 'tap';
import {
  DEFAULT_MAX_LINE,
  decodeLine,
  encodeLine,
  LineSplitter,
  sanitizeDeep,
  sanitizeText,
} from '../../src/protocol/framing.js';

function collect(maxLine?: number): { lines: string[]; oversized: number[]; splitter: LineSplitter } {
  const lines: string[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter(
    { line: (l) => lines.push(Buffer.from(l).toString('latin1')), oversized: (n) => oversized.push(n) },
    maxLine,
  );
  return { lines, oversized, splitter };
}

// A recorded exchange as vdsmd sends it: refresh on connect, then api-version.
const TRANSCRIPT = Buffer.from(
  '{"__name__": "refresh", "apiVersion": 3}\n' +
    '{"__name__": "api-version", "apiVersion": 3}\n' +
    '{"__name__": "shutdown", "timeout": 30, "message": "System going down", "reboot": "False"}\n',
);

t.test('a transcript split at every byte offset gives the same lines', async (t) => {
  const expected = TRANSCRIPT.toString('latin1').split('\n').slice(0, 3);
  for (let i = 0; i <= TRANSCRIPT.length; i++) {
    for (const j of [i, Math.min(TRANSCRIPT.length, i + 7)]) {
      const { lines, oversized, splitter } = collect();
      splitter.push(TRANSCRIPT.subarray(0, i));
      splitter.push(TRANSCRIPT.subarray(i, j));
      splitter.push(TRANSCRIPT.subarray(j));
      if (lines.length !== 3 || oversized.length !== 0 || lines.join('|') !== expected.join('|')) {
        t.fail(`split at ${i}/${j}: ${JSON.stringify(lines)}`);
        return;
      }
    }
  }
  t.pass('every split');
});

t.test('byte-at-a-time and all-at-once agree (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ maxLength: 40 }).map((s) => s.replaceAll('\n', ' ')),
        { maxLength: 10 },
      ),
      (parts) => {
        const data = Buffer.from(parts.map((p) => `${p}\n`).join(''), 'utf8');
        const a = collect();
        a.splitter.push(data);
        const b = collect();
        for (let i = 0; i < data.length; i++) b.splitter.push(data.subarray(i, i + 1));
        return JSON.stringify(a.lines) === JSON.stringify(b.lines) && a.lines.length === parts.length;
      },
    ),
  );
  t.pass();
});

t.test('lines at and over the limit', async (t) => {
  const max = 16;
  const { lines, oversized, splitter } = collect(max);
  splitter.push(Buffer.from(`${'a'.repeat(max - 1)}\n`)); // longest accepted: max - 1 bytes + newline
  splitter.push(Buffer.from(`${'b'.repeat(max)}\n`)); // too long, newline in the same chunk
  splitter.push(Buffer.from('c'.repeat(10)));
  splitter.push(Buffer.from('c'.repeat(10))); // too long with no newline yet
  t.equal(splitter.pending, 0, 'nothing of the oversized line is held');
  splitter.push(Buffer.from('c'.repeat(1000)));
  splitter.push(Buffer.from('ccc\nok\n'));
  t.same(lines, ['a'.repeat(max - 1), 'ok']);
  t.same(oversized, [max, 1023], 'each oversized line reported once with its size');
  t.throws(() => new LineSplitter({ line() {}, oversized() {} }, 0), RangeError);
  t.equal(DEFAULT_MAX_LINE, 1024 * 1024);
});

t.test('reset drops a half line', async (t) => {
  const { lines, splitter } = collect();
  splitter.push(Buffer.from('{"__name__": "ref'));
  splitter.reset();
  splitter.push(Buffer.from('{"__name__": "echo"}\n'));
  t.same(lines, ['{"__name__": "echo"}']);
});

t.test('decodeLine refuses with a code', async (t) => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.from([0x7b, 0xff, 0x7d]), 'GA_ERR_BAD_UTF8'],
    [Buffer.from([0xed, 0xa0, 0x80]), 'GA_ERR_BAD_UTF8'], // an encoded surrogate
    [Buffer.from('  '), 'GA_ERR_EMPTY_LINE'],
    [Buffer.from('{"__name__": '), 'GA_ERR_BAD_JSON'],
    [Buffer.from('[]'), 'GA_ERR_NOT_OBJECT'],
    [Buffer.from('null'), 'GA_ERR_NOT_OBJECT'],
    [Buffer.from('7'), 'GA_ERR_NOT_OBJECT'],
    [Buffer.from('{}'), 'GA_ERR_NO_NAME'],
    [Buffer.from('{"__name__": ["x"]}'), 'GA_ERR_NO_NAME'],
  ];
  for (const [line, code] of cases)
    t.match(decodeLine(line), { ok: false, error: { code } }, `${code}: ${line.toString('hex')}`);
  t.same(decodeLine(Buffer.from('{"__name__":"echo","a":1,"b":"ü"}')), {
    ok: true,
    name: 'echo',
    args: { a: 1, b: 'ü' },
  });
});

t.test('encodeLine: name first, ASCII only, XML-invalid characters replaced', async (t) => {
  const line = encodeLine('host-name', {
    name: 'höst\u0001\ud800 😀',
    __name__: 'ignored',
    nested: { 'k\u0002': ['\u007f'] },
  });
  t.ok(
    [...line].every((b) => b < 0x80),
    'pure ASCII',
  );
  t.equal(line.at(-1), 0x0a, 'newline-terminated');
  t.ok(line.toString().startsWith('{"__name__":"host-name",'), '__name__ first');
  const back = decodeLine(line.subarray(0, -1));
  t.same(back, {
    ok: true,
    name: 'host-name',
    args: { name: 'höst\ufffd\ufffd 😀', nested: { 'k\ufffd': ['\ufffd'] } },
  });
  t.equal(sanitizeText('tab\tnl\ncr\r'), 'tab\tnl\ncr\r', 'tab, LF and CR are kept');
  t.equal(sanitizeText('\u0085\u0086\ufffe'), '\u0085\ufffd\ufffd', 'NEL is kept, C1 and U+FFFE are not');
});

t.test('encode → split → decode round trip (property)', async (t) => {
  fc.assert(
    fc.property(fc.string(), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), (name, args) => {
      const { lines, splitter } = collect();
      splitter.push(encodeLine(name, args));
      const back = decodeLine(Buffer.from(lines[0] ?? '', 'latin1'));
      if (!back.ok || lines.length !== 1) return false;
      const clean = (s: string): string => sanitizeText(s);
      if (back.name !== clean(name)) return false;
      const expected: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(args))
        if (k !== '__name__') expected[clean(k)] = typeof v === 'string' ? clean(v) : v;
      return JSON.stringify(back.args) === JSON.stringify(expected);
    }),
  );
  t.pass();
});

t.test('the host-side options: lenient UTF-8 and the deep receive filter', async (t) => {
  const line = Buffer.concat([
    Buffer.from('{"__name__":"host-name","name":"a'),
    Buffer.from([0xff]),
    Buffer.from('b"}'),
  ]);
  t.match(decodeLine(line), { ok: false, error: { code: 'GA_ERR_BAD_UTF8' } });
  t.same(decodeLine(line, { replaceInvalidUtf8: true }), { ok: true, name: 'host-name', args: { name: 'a\ufffdb' } });
  const input = { 'k\u0001': ['x\u0002', { y: '\ud800' }], n: 1, ok: 'fine' };
  t.same(sanitizeDeep(input), { 'k\ufffd': ['x\ufffd', { y: '\ufffd' }], n: 1, ok: 'fine' });
  t.same(input['k\u0001'], ['x\u0002', { y: '\ud800' }], 'the input is left alone');
});
