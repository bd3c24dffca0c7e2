import type { HeaderList } from './frame.js';

/** Where a subscription's messages go: a STOMP session (MESSAGE frames) or a WebSocket client (bare JSON). */
export interface MessageSink {
  /** A reply or event sent to the subscription's exact destination. */
  deliver(subscription: Subscription, destination: string, body: Buffer): void;
  /** A client SEND forwarded as it is (headers in their order, content-length excluded). */
  forward(subscription: Subscription, headers: HeaderList, body: Buffer): void;
}

export interface Subscription {
  readonly id: string;
  readonly destination: string;
  readonly sink: MessageSink;
}

/**
 * Subscriptions of every connection, by destination. Replies and events go to subscriptions whose destination
 * equals the target; client SENDs also reach subscriptions on any dot-prefix of it (`jms`, `jms.topic`, ...).
 */
export class Broker {
  private readonly byDestination = new Map<string, Set<Subscription>>();

  subscribe(subscription: Subscription): void {
    let set = this.byDestination.get(subscription.destination);
    if (set === undefined) {
      set = new Set();
      this.byDestination.set(subscription.destination, set);
    }
    set.add(subscription);
  }

  unsubscribe(subscription: Subscription): void {
    const set = this.byDestination.get(subscription.destination);
    if (set === undefined) return;
    set.delete(subscription);
    if (set.size === 0) this.byDestination.delete(subscription.destination);
  }

  /** Number of subscriptions on exactly this destination. */
  subscriberCount(destination: string): number {
    return this.byDestination.get(destination)?.size ?? 0;
  }

  /** Delivers to every subscription whose destination equals `destination`; returns how many got it. */
  deliver(destination: string, body: Buffer): number {
    const set = this.byDestination.get(destination);
    if (set === undefined) return 0;
    // copy first: a sink may drop its connection (and so its subscriptions) while we iterate
    const subs = set.size === 1 ? set : [...set];
    let n = 0;
    for (const sub of subs) {
      sub.sink.deliver(sub, destination, body);
      n++;
    }
    return n;
  }

  /** Forwards a client SEND to subscriptions on `destination` or a dot-prefix of it; returns how many got it. */
  forward(destination: string, headers: HeaderList | (() => HeaderList), body: Buffer): number {
    if (this.byDestination.size === 0) return 0;
    const targets: Subscription[] = [];
    for (let dot = destination.indexOf('.'); dot >= 0; dot = destination.indexOf('.', dot + 1)) {
      const set = this.byDestination.get(destination.slice(0, dot));
      if (set !== undefined) targets.push(...set);
    }
    const exact = this.byDestination.get(destination);
    if (exact !== undefined) targets.push(...exact);
    if (targets.length === 0) return 0;
    const list = typeof headers === 'function' ? headers() : headers;
    for (const sub of targets) sub.sink.forward(sub, list, body);
    return targets.length;
  }
}
