import t from 'tap';
import { encodeError, encodeFrame, escapeHeader } from '../../../src/rpc/stomp/frame-writer.js';

t.test('byte-exact frames: content-length last, none without a body', async (t) => {
  t.equal(
    encodeFrame('CONNECTED', [
      ['version', '1.2'],
      ['heart-beat', '24000,0'],
    ]).toString(),
    'CONNECTED\nversion:1.2\nheart-beat:24000,0\n\n\0',
  );
  t.equal(encodeFrame('RECEIPT', [['receipt-id', 'x']]).toString(), 'RECEIPT\nreceipt-id:x\n\n\0');
  const body = Buffer.from('{"jsonrpc": "2.0", "id": "8c0f3e52-6a1b-4a39-9d7e-3b0c6f1e2a44", "result": true}');
  t.equal(
    encodeFrame(
      'MESSAGE',
      [
        ['destination', '4b0f1c2e-9a7d-4c55-8e21-6f3a9d0b7c11'],
        ['content-type', 'application/json'],
        ['subscription', 'd3a6e9f0-1b2c-4d5e-8f70-a1b2c3d4e5f6'],
      ],
      body,
    ).toString(),
    'MESSAGE\ndestination:4b0f1c2e-9a7d-4c55-8e21-6f3a9d0b7c11\ncontent-type:application/json\n' +
      'subscription:d3a6e9f0-1b2c-4d5e-8f70-a1b2c3d4e5f6\ncontent-length:80\n\n' +
      '{"jsonrpc": "2.0", "id": "8c0f3e52-6a1b-4a39-9d7e-3b0c6f1e2a44", "result": true}\0',
  );
});

t.test('ERROR: text in the body, only content-length (quirk 7)', async (t) => {
  t.equal(encodeError('Version unsupported').toString(), 'ERROR\ncontent-length:19\n\nVersion unsupported\0');
});

t.test('content-length counts UTF-8 bytes (quirk 12)', async (t) => {
  t.equal(encodeFrame('MESSAGE', [], Buffer.from('žluť')).toString(), 'MESSAGE\ncontent-length:6\n\nžluť\0');
});

t.test('escaping applies to the command, names and values of every frame (quirk 12)', async (t) => {
  t.equal(escapeHeader('plain'), 'plain');
  t.equal(escapeHeader('a:b\\c\nd\re'), 'a\\cb\\\\c\\nd\\re');
  t.equal(
    encodeFrame('CONNECTED', [['heart:beat', 'x:y']]).toString(),
    'CONNECTED\nheart\\cbeat:x\\cy\n\n\0',
    'CONNECTED is escaped too',
  );
});
