/** Where a subscription's messages go: a STOMP session (MESSAGE frames) or a WebSocket client (bare JSON). */
export interface MessageSink {
  /** A reply or event sent to the subscription's exact destination. */
  deliver(subscription: Subscription, destination: string, body: Buffer): void;
}

export interface Subscription {
  readonly id: string;
  readonly destination: string;
  readonly sink: MessageSink;
}

/**
 * Event subscriptions of every connection. Only server-published events fan out across connections, and only to
 * subscriptions whose destination equals the event destination. Replies never pass through here: each connection
 * delivers its own replies to its own subscriptions, so no client can read another's requests or replies
 * (upstream forwards every SEND to every matching subscription; we do not).
 */
export class Broker {
  private readonly subscriptions = new Set<Subscription>();

  constructor(readonly eventQueue: string) {}

  /** Registers a subscription if it is on the event destination; any other destination stays private. */
  subscribe(subscription: Subscription): void {
    if (subscription.destination === this.eventQueue) this.subscriptions.add(subscription);
  }

  unsubscribe(subscription: Subscription): void {
    this.subscriptions.delete(subscription);
  }

  /** Number of event subscriptions. */
  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  /** Sends one event body to every event subscription; returns how many got it. */
  publish(body: Buffer): number {
    const set = this.subscriptions;
    if (set.size === 0) return 0;
    // copy first: a sink may drop its connection (and so its subscriptions) while we iterate
    const subs = set.size === 1 ? set : [...set];
    let n = 0;
    for (const sub of subs) {
      sub.sink.deliver(sub, this.eventQueue, body);
      n++;
    }
    return n;
  }
}
