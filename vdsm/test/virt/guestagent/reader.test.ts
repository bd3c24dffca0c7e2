import t from 'tap';
import { MessageReader } from '../../../src/virt/guestagent/reader.js';

function reader(maxLine?: number) {
  const messages: [string, Record<string, unknown>][] = [];
  const refused: string[] = [];
  const r = new MessageReader(
    { message: (name, args) => messages.push([name, args]), refused: (code) => refused.push(code) },
    maxLine,
  );
  return { r, messages, refused };
}

const GOOD = '{"__name__":"host-name","name":"guest"}\n{"__name__":"fqdn","fqdn":"guest.example"}\n';

t.test('lines split at every byte offset decode the same', async (t) => {
  const bytes = Buffer.from(GOOD);
  for (let i = 0; i <= bytes.length; i++) {
    const { r, messages, refused } = reader();
    r.push(bytes.subarray(0, i));
    r.push(bytes.subarray(i));
    if (messages.length !== 2 || refused.length !== 0 || messages[1]?.[1].fqdn !== 'guest.example') {
      t.fail(`split at ${i}: ${JSON.stringify({ messages, refused })}`);
      return;
    }
  }
  t.pass('all offsets');
});

t.test('hostile input is refused by code and the stream goes on', async (t) => {
  const { r, messages, refused } = reader(64);
  r.push(Buffer.from(`{"__name__":"host-name","name":"${'x'.repeat(200)}"}\n`));
  r.push(Buffer.from('not json\n'));
  r.push(Buffer.from('[1,2]\n'));
  r.push(Buffer.from('{"name":"no __name__"}\n'));
  r.push(Buffer.from('{"__name__":7}\n'));
  r.push(Buffer.from('\n'));
  r.push(Buffer.from(GOOD));
  t.same(refused, [
    'GA_ERR_LINE_TOO_LONG',
    'GA_ERR_BAD_JSON',
    'GA_ERR_NOT_OBJECT',
    'GA_ERR_NO_NAME',
    'GA_ERR_NO_NAME',
    'GA_ERR_EMPTY_LINE',
  ]);
  t.same(
    messages.map(([n]) => n),
    ['host-name', 'fqdn'],
  );
  t.equal(r.pending, 0);
});

t.test('an oversized line arriving in pieces is dropped up to its newline', async (t) => {
  const { r, messages, refused } = reader(1024);
  for (let i = 0; i < 10; i++) r.push(Buffer.alloc(500, 0x61));
  t.ok(r.pending < 1024, 'memory stays bounded while the line grows');
  r.push(Buffer.from(`tail\n${GOOD}`));
  t.same(refused, ['GA_ERR_LINE_TOO_LONG']);
  t.equal(messages.length, 2);
});

t.test('invalid UTF-8 is decoded with replacement and counted', async (t) => {
  const { r, messages, refused } = reader();
  r.push(
    Buffer.concat([Buffer.from('{"__name__":"host-name","name":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"}\n')]),
  );
  t.same(refused, ['GA_ERR_BAD_UTF8']);
  t.equal(messages[0]?.[1].name, 'a\ufffd\ufffdb');
});

t.test('raw UTF-8 is accepted and XML-invalid characters are replaced in keys and values', async (t) => {
  const { r, messages, refused } = reader();
  r.push(
    Buffer.from('{"__name__":"host-name","name":"gäst \\u0001 \\ud800 😀","k\\u0002":{"n\\u007f":["\\ufffe"]}}\n'),
  );
  t.same(refused, []);
  t.same(messages[0], ['host-name', { name: 'gäst \ufffd \ufffd 😀', 'k\ufffd': { 'n\ufffd': ['\ufffd'] } }]);
});

t.test('reset forgets a partial line (peer gone mid-line)', async (t) => {
  const { r, messages, refused } = reader();
  r.push(Buffer.from('{"__name__":"host-name","name":"ha'));
  r.reset();
  r.push(Buffer.from(GOOD));
  t.same(refused, []);
  t.same(
    messages.map(([, a]) => a.name ?? a.fqdn),
    ['guest', 'guest.example'],
  );
});
