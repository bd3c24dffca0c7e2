import t from 'tap';
import { Broker, type MessageSink, type Subscription } from '../../../src/rpc/stomp/broker.js';
import type { HeaderList } from '../../../src/rpc/stomp/frame.js';

class Recorder implements MessageSink {
  readonly got: string[] = [];
  deliver(sub: Subscription, destination: string, body: Buffer): void {
    this.got.push(`deliver ${sub.id} ${destination} ${body.toString()}`);
  }
  forward(sub: Subscription, headers: HeaderList, body: Buffer): void {
    this.got.push(`forward ${sub.id} ${headers.map((h) => h.join(':')).join(',')} ${body.toString()}`);
  }
}

t.test('SEND forwarding matches the destination and every dot-prefix of it (quirk 1)', async (t) => {
  const broker = new Broker();
  const sink = new Recorder();
  for (const [id, destination] of [
    ['1', 'jms'],
    ['2', 'jms.topic'],
    ['3', 'jms.topic.vdsm_requests'],
    ['4', 'jms.top'],
    ['5', 'jms.topic.vdsm_requests.more'],
    ['6', 'other'],
  ] as const)
    broker.subscribe({ id, destination, sink });
  const n = broker.forward('jms.topic.vdsm_requests', [['destination', 'jms.topic.vdsm_requests']], Buffer.from('b'));
  t.equal(n, 3);
  t.same(sink.got.map((g) => g.split(' ')[1]).sort(), ['1', '2', '3']);
});

t.test('replies and events match exactly, to every subscription (quirk 1)', async (t) => {
  const broker = new Broker();
  const a = new Recorder();
  const b = new Recorder();
  broker.subscribe({ id: 'a1', destination: 'reply', sink: a });
  broker.subscribe({ id: 'b1', destination: 'reply', sink: b });
  broker.subscribe({ id: 'b2', destination: 'rep', sink: b });
  t.equal(broker.deliver('reply', Buffer.from('x')), 2);
  t.same(a.got, ['deliver a1 reply x']);
  t.same(b.got, ['deliver b1 reply x']);
  t.equal(broker.deliver('reply.sub', Buffer.from('x')), 0, 'no prefix matching for replies');
});

t.test('unsubscribe removes the subscription and empty destinations', async (t) => {
  const broker = new Broker();
  const sink = new Recorder();
  const sub = { id: '1', destination: 'd', sink };
  broker.subscribe(sub);
  t.equal(broker.subscriberCount('d'), 1);
  broker.unsubscribe(sub);
  broker.unsubscribe(sub);
  t.equal(broker.subscriberCount('d'), 0);
  t.equal(broker.deliver('d', Buffer.from('x')), 0);
});
