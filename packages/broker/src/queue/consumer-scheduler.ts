/**
 * Who gets the next message when the queue is not plain round-robin. A queue without consumer
 * priorities and without single active consumer has no scheduler: its drain loop stays as it was.
 *
 * - SingleActive (x-single-active-consumer): the consumer registered first gets every message;
 *   when it is cancelled or its channel closes, the next in registration order takes over.
 *   RabbitMQ 3.10 ignores consumer priorities here (it takes them into account from 3.12 on).
 * - ByPriority (a consumer with x-priority): the highest priority among the consumers with room
 *   (prefetch, channel, socket) gets it; among equals, the one served longest ago (round-robin).
 */
import type { Consumer } from "./consumer.js";

export interface ConsumerScheduler {
  /** The consumer to deliver to now; undefined when none can take a message. */
  next(consumers: readonly Consumer[]): Consumer | undefined;
}

export const singleActive: ConsumerScheduler = {
  next(consumers: readonly Consumer[]): Consumer | undefined {
    const c = consumers[0];
    return c !== undefined && c.hasCredit() ? c : undefined;
  },
};

export class ByPriority implements ConsumerScheduler {
  private served = 0;

  next(consumers: readonly Consumer[]): Consumer | undefined {
    let best: Consumer | undefined;
    for (let i = 0; i < consumers.length; i++) {
      const c = consumers[i]!;
      if (best !== undefined && (c.priority < best.priority || (c.priority === best.priority && c.lastServed >= best.lastServed))) continue;
      if (c.hasCredit()) best = c;
    }
    if (best !== undefined) best.lastServed = ++this.served;
    return best;
  }
}
