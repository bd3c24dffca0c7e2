import t from 'tap';
import { Broker, type MessageSink, type Subscription } from '../../../src/rpc/stomp/broker.js';

class Recorder implements MessageSink {
  readonly got: string[] = [];
  deliver(sub: Subscription, destination: string, body: Buffer): void {
    this.got.push(`deliver ${sub.id} ${destination} ${body.toString()}`);
  }
}

t.test('events go to every subscription on exactly the event destination, each with its own id', async (t) => {
  const broker = new Broker('jms.queue.events');
  const a = new Recorder();
  const b = new Recorder();
  broker.subscribe({ id: 'a1', destination: 'jms.queue.events', sink: a });
  broker.subscribe({ id: 'b1', destination: 'jms.queue.events', sink: b });
  broker.subscribe({ id: 'b2', destination: 'jms.queue', sink: b });
  broker.subscribe({ id: 'b3', destination: 'jms', sink: b });
  broker.subscribe({ id: 'b4', destination: 'jms.queue.events.x', sink: b });
  t.equal(broker.subscriberCount, 2, 'only the two exact event subscriptions are registered');
  t.equal(broker.publish(Buffer.from('x')), 2);
  t.same(a.got, ['deliver a1 jms.queue.events x']);
  t.same(b.got, ['deliver b1 jms.queue.events x'], 'no prefix or wildcard match');
});

t.test('unsubscribe removes the subscription; twice is harmless', async (t) => {
  const broker = new Broker('ev');
  const sink = new Recorder();
  const sub = { id: '1', destination: 'ev', sink };
  broker.subscribe(sub);
  t.equal(broker.subscriberCount, 1);
  broker.unsubscribe(sub);
  broker.unsubscribe(sub);
  t.equal(broker.subscriberCount, 0);
  t.equal(broker.publish(Buffer.from('x')), 0);
  t.same(sink.got, []);
});

t.test('a sink that unsubscribes while an event is delivered does not disturb the others', async (t) => {
  const broker = new Broker('ev');
  const got: string[] = [];
  const subs: Subscription[] = [];
  for (const id of ['1', '2', '3']) {
    const sub: Subscription = {
      id,
      destination: 'ev',
      sink: {
        deliver: (s) => {
          got.push(s.id);
          for (const other of subs) broker.unsubscribe(other);
        },
      },
    };
    subs.push(sub);
    broker.subscribe(sub);
  }
  t.equal(broker.publish(Buffer.from('x')), 3);
  t.same(got, ['1', '2', '3']);
  t.equal(broker.subscriberCount, 0);
});
