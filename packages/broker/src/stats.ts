/**
 * Message counters per queue, exchange and channel, for the management API's `message_stats`
 * (RabbitMQ's names in the comments). Plain integers bumped in place where the broker already
 * counts (one increment per message and object); the API samples them every 5 s for rates.
 */

/** A queue's counters. */
export class QueueStats {
  /** publish: messages enqueued. */
  publish = 0;
  /** deliver: delivered to consumers that ack. */
  deliver = 0;
  /** deliver_no_ack */
  deliverNoAck = 0;
  /** get: basic.get answered with a message, to be acked. */
  get = 0;
  /** get_no_ack */
  getNoAck = 0;
  /** get_empty */
  getEmpty = 0;
  /** ack */
  ack = 0;
  /** redeliver: deliveries and gets of messages delivered before. */
  redeliver = 0;
}

/** An exchange's counters. */
export class ExchangeStats {
  /** publish_in: messages published to it. */
  publishIn = 0;
  /** publish_out: copies it routed to queues. */
  publishOut = 0;
}

/** A channel's counters (the queue's, plus the publishing side). */
export class ChannelStats extends QueueStats {
  /** confirm: publishes confirmed. */
  confirm = 0;
  /** return_unroutable */
  returnUnroutable = 0;
  /** drop_unroutable */
  dropUnroutable = 0;
}
