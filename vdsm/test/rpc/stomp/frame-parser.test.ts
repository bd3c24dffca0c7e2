import fc from 'fast-check';
import t from 'tap';
import type { StompFrame } from '../../../src/rpc/stomp/frame.js';
import { FrameParser } from '../../../src/rpc/stomp/frame-parser.js';
import { encodeFrame } from '../../../src/rpc/stomp/frame-writer.js';

interface Plain {
  command: string;
  headers: Array<[string, string]>;
  body: string;
}

function plain(f: StompFrame): Plain {
  return { command: f.command, headers: [...f.headers], body: f.body.toString('utf8') };
}

/** Feeds `chunks` in order; returns the frames and the error (if any). */
function parse(chunks: readonly Buffer[], options = {}): { frames: Plain[]; error: string | undefined } {
  const frames: Plain[] = [];
  const parser = new FrameParser((f) => frames.push(plain(f)), options);
  let error: string | undefined;
  for (const c of chunks) error = parser.push(c)?.code ?? error;
  return { frames, error };
}

const FIXTURES: Array<{ name: string; wire: string; frames: Plain[] }> = [
  {
    name: 'vdsm-client CONNECT',
    wire: 'CONNECT\naccept-version:1.2\nheart-beat:0,24000\n\n\0',
    frames: [
      {
        command: 'CONNECT',
        headers: [
          ['accept-version', '1.2'],
          ['heart-beat', '0,24000'],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'SEND with content-length and a NUL inside the body',
    wire: 'SEND\ndestination:q\ncontent-length:5\n\na\0b\0c\0',
    frames: [
      {
        command: 'SEND',
        headers: [
          ['destination', 'q'],
          ['content-length', '5'],
        ],
        body: 'a\0b\0c',
      },
    ],
  },
  {
    name: 'NUL-terminated body, CRLF lines, heart-beats between frames',
    wire: '\n\r\nSEND\r\ndestination:q\r\n\r\n{"x": 1}\0\n\nDISCONNECT\nreceipt:7\n\n\0\n',
    frames: [
      { command: 'SEND', headers: [['destination', 'q']], body: '{"x": 1}' },
      { command: 'DISCONNECT', headers: [['receipt', '7']], body: '' },
    ],
  },
  {
    name: 'escaped header names and values, first repeated header wins',
    wire: 'SEND\na\\cb:x\\\\y\\nz\\r\ndestination:first\ndestination:second\nempty:\n\n\0',
    frames: [
      {
        command: 'SEND',
        headers: [
          ['a:b', 'x\\y\nz\r'],
          ['destination', 'first'],
          ['empty', ''],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'multi-byte UTF-8 body counted in bytes',
    wire: 'MESSAGE\ncontent-length:6\n\nžluť\0',
    frames: [{ command: 'MESSAGE', headers: [['content-length', '6']], body: 'žluť' }],
  },
];

t.test('fixtures decode, whole and split at every byte offset', async (t) => {
  for (const fx of FIXTURES) {
    const wire = Buffer.from(fx.wire);
    t.same(parse([wire]), { frames: fx.frames, error: undefined }, `${fx.name}: whole`);
    for (let i = 1; i < wire.length; i++) {
      const got = parse([wire.subarray(0, i), wire.subarray(i)]);
      if (JSON.stringify(got) !== JSON.stringify({ frames: fx.frames, error: undefined })) {
        t.fail(`${fx.name}: split at ${i}`, { got });
        return;
      }
    }
    const bytes = [...wire].map((b) => Buffer.from([b]));
    t.same(parse(bytes).frames, fx.frames, `${fx.name}: one byte at a time`);
  }
});

t.test('hex input: the section 3 SUBSCRIBE', async (t) => {
  const hex =
    '5355425343524942450a64657374696e6174696f6e3a34623066316332652d396137642d346335352d386532312d3666336139643062376331310a61636b3a6175746f0a69643a64336136653966302d316232632d346435652d386637302d6131623263336434653566360a0a00';
  const { frames, error } = parse([Buffer.from(hex, 'hex')]);
  t.equal(error, undefined);
  t.same(frames, [
    {
      command: 'SUBSCRIBE',
      headers: [
        ['destination', '4b0f1c2e-9a7d-4c55-8e21-6f3a9d0b7c11'],
        ['ack', 'auto'],
        ['id', 'd3a6e9f0-1b2c-4d5e-8f70-a1b2c3d4e5f6'],
      ],
      body: '',
    },
  ]);
});

t.test('decoding errors are returned, never thrown, and stop the parser', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['raw ":" in a value (quirk 12)', 'SEND\ndestination:a:b\n\n\0', 'STOMP_ERR_BAD_HEADER'],
    ['header without ":"', 'SEND\nnocolon\n\n\0', 'STOMP_ERR_BAD_HEADER'],
    ['unknown escape', 'SEND\nd:\\t\n\n\0', 'STOMP_ERR_BAD_ESCAPE'],
    ['trailing backslash', 'SEND\nd:x\\\n\n\0', 'STOMP_ERR_BAD_ESCAPE'],
    ['content-length not a number', 'SEND\ncontent-length:5x\n\nhello\0', 'STOMP_ERR_BAD_CONTENT_LENGTH'],
    ['negative content-length', 'SEND\ncontent-length:-1\n\n\0', 'STOMP_ERR_BAD_CONTENT_LENGTH'],
    ['body longer than content-length', 'SEND\ncontent-length:2\n\nabc\0', 'STOMP_ERR_MISSING_NUL'],
  ];
  for (const [name, wire, code] of cases) {
    const frames: StompFrame[] = [];
    const parser = new FrameParser((f) => frames.push(f));
    const err = parser.push(Buffer.from(wire));
    t.equal(err?.code, code, name);
    t.equal(frames.length, 0, `${name}: no frame`);
    t.equal(parser.push(Buffer.from('SEND\n\n\0'))?.code, code, `${name}: parser stays failed`);
  }
});

t.test('frame-size limit: a clear error for content-length, NUL bodies and endless headers', async (t) => {
  const opts = { maxFrameSize: 100, maxHeaderSize: 50 };
  const big = parse([Buffer.from('SEND\ncontent-length:1000\n\n')], opts);
  t.equal(big.error, 'STOMP_ERR_FRAME_TOO_LARGE', 'announced too large: refused before the body arrives');
  const nul = parse([Buffer.from('SEND\n\n'), Buffer.alloc(60, 0x61), Buffer.alloc(60, 0x61)], opts);
  t.equal(nul.error, 'STOMP_ERR_FRAME_TOO_LARGE', 'NUL-terminated body over the limit');
  const head = parse([Buffer.from('SEND\nx:'), Buffer.alloc(60, 0x61)], opts);
  t.equal(head.error, 'STOMP_ERR_HEADERS_TOO_LARGE', 'a header line that never ends');
  const cmd = parse([Buffer.alloc(60, 0x41)], opts);
  t.equal(cmd.error, 'STOMP_ERR_HEADERS_TOO_LARGE', 'a command line that never ends');
  const ok = parse([Buffer.from(`SEND\ncontent-length:40\n\n${'a'.repeat(40)}\0`)], opts);
  t.equal(ok.error, undefined, 'within the limit');
  t.equal(ok.frames.length, 1);
});

const header = fc.string({ minLength: 1, maxLength: 12 });
const frameArb = fc.record({
  command: fc.constantFrom('SEND', 'MESSAGE', 'SUBSCRIBE', 'CONNECT'),
  headers: fc.uniqueArray(fc.tuple(header, fc.string({ maxLength: 20 })), {
    maxLength: 5,
    selector: (h) => h[0],
  }),
  body: fc.uint8Array({ maxLength: 200 }),
});

t.test('property: random splits of valid streams decode identically', async (t) => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (fs, cuts) => {
        const filtered = fs.map((f) => ({
          ...f,
          headers: f.headers.filter(([n]) => n !== 'content-length'),
          body: Buffer.from(f.body),
        }));
        const wire = Buffer.concat(filtered.map((f) => encodeFrame(f.command, f.headers, f.body)));
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(wire.subarray(last, p));
          last = p;
        }
        chunks.push(wire.subarray(last));
        const whole = parse([wire]);
        const split = parse(chunks);
        if (whole.error !== undefined) return false;
        const expected = filtered.map((f) => ({
          command: f.command,
          headers: f.body.length > 0 ? [...f.headers, ['content-length', String(f.body.length)]] : f.headers,
          body: f.body.toString('utf8'),
        }));
        return (
          JSON.stringify(whole) === JSON.stringify(split) && JSON.stringify(whole.frames) === JSON.stringify(expected)
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random streams');
});

t.test('property: random bytes never throw out of the parser', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
      const parser = new FrameParser(() => {}, { maxFrameSize: 256 });
      for (const c of chunks) parser.push(Buffer.from(c));
      return true;
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...'SEND\n:\\c\0content-length:1x'.split('')), { maxLength: 80 }), (chars) => {
      const parser = new FrameParser(() => {}, { maxFrameSize: 256 });
      parser.push(Buffer.from(chars.join('')));
      return true;
    }),
    { numRuns: 1000 },
  );
  t.pass('2000 random inputs');
});
