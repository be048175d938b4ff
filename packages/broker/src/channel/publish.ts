/**
 * The publishing side of a channel: an assembled publish is checked, routed to its queues (or
 * returned, or dropped), and, in confirm mode, acked or nacked to the publisher in publish order,
 * once its write-ahead log record is on disk when it has one.
 */
import { MethodId, ReplyCode } from "@amqp-go/protocol";
import { RingBuffer } from "@amqp-go/storage";
import { accessRefused, ChannelError, notFound, publishError } from "../errors.js";
import type { Exchange } from "../exchange/exchange.js";
import type { Message } from "../message.js";
import type { BrokerCounters } from "../ports.js";
import type { SyncWaiter } from "../store/message-store.js";
import type { Vhost } from "../vhost.js";
import type { PublishSink } from "./content.js";
import { type DirectReply, replyConsumerOf, rewriteReplyTo } from "./direct-reply.js";
import { admit } from "../queue/admission.js";
import { checkExpiration } from "../queue/expiry.js";
import { checkUserId, HAS_EXPIRATION, HAS_HEADERS, HAS_REPLY_TO, HAS_USER_ID, propertyFlags, senderRoutes } from "./publish-checks.js";
import type { ChannelConnection, ChannelContext } from "./context.js";
import type { Permissions } from "./permissions.js";
import type { Transaction } from "./tx.js";

/** The channel as its publisher sees it: the context, plus the transaction publishes wait in. */
export interface PublishingChannel extends ChannelContext {
  readonly tx: Transaction | null;
  /** The channel's consumer of amq.rabbitmq.reply-to, if it ever had one. */
  readonly directReply: DirectReply | null;
}

export class Publisher implements PublishSink, SyncWaiter {
  /** confirm.select was sent: every publish is acked or nacked. */
  confirm = false;
  private publishSeq = 0;
  /** Highest publish confirmed (acked) so far, and the highest already sent to the client. */
  private confirmedUpTo = 0;
  private confirmSent = 0;
  /**
   * The log seq of each of the last publishes (publishSeq - length + 1 .. publishSeq) while the
   * oldest of them waits for its log batch to be on disk: confirms go out in publish order, so a
   * transient publish (0) behind a persistent one waits too. -1: the log refused it (nack).
   */
  private readonly awaitingLog = new RingBuffer<number>();
  private readonly connection: ChannelConnection;
  private readonly vhost: Vhost;
  private readonly counters: BrokerCounters;
  private readonly permissions: Permissions;
  private readonly number: number;

  constructor(private readonly channel: PublishingChannel) {
    this.connection = channel.connection;
    this.vhost = channel.vhost;
    this.counters = channel.counters;
    this.permissions = channel.permissions;
    this.number = channel.number;
  }

  /** PublishSink: a publish's content is in. */
  published(message: Message, mandatory: boolean): void {
    const vhost = this.vhost;
    const exchange = vhost.exchanges.get(message.exchange);
    if (exchange === undefined) throw publishError(notFound("exchange", message.exchange, vhost.name));
    if (exchange.options.internal) {
      throw publishError(accessRefused(`cannot publish to internal exchange '${message.exchange}' in vhost '${vhost.name}'`));
    }
    if (this.permissions.checked) {
      try {
        this.permissions.permit("write", "exchange", message.exchange);
      } catch (e) {
        throw publishError(e as ChannelError);
      }
    }
    const flags = propertyFlags(message);
    if ((flags & (HAS_USER_ID | HAS_HEADERS | HAS_REPLY_TO | HAS_EXPIRATION)) !== 0) this.checkProperties(message, flags);
    const tx = this.channel.tx;
    if (tx !== null) {
      tx.publish(message, mandatory);
      return;
    }
    const logSeq = this.route(exchange, message, mandatory);
    if (this.confirm) this.confirmPublish(logSeq);
  }

  /** Validated user-id, CC/BCC and direct reply-to: only for a publish that sets those properties. */
  private checkProperties(message: Message, flags: number): void {
    try {
      if ((flags & HAS_USER_ID) !== 0) checkUserId(message, this.connection.user);
      if ((flags & HAS_HEADERS) !== 0) senderRoutes(message);
      if ((flags & HAS_REPLY_TO) !== 0) rewriteReplyTo(message, this.channel.directReply);
      if ((flags & HAS_EXPIRATION) !== 0) checkExpiration(message);
    } catch (e) {
      throw e instanceof ChannelError ? publishError(e) : e;
    }
  }

  /**
   * Routes a message to its queues; returns the seq of its write-ahead log record when it is
   * persistent and reached a durable queue (0 when it did not, -1 when the log refused it).
   */
  route(exchange: Exchange, message: Message, mandatory: boolean): number {
    const queues = this.vhost.route(exchange, message);
    let n = queues.length;
    const counters = this.counters;
    counters.published++;
    if (this.confirm) counters.publishedConfirm++;
    counters.messageSizes.observe(message.body.length);
    counters.routed += n;
    const stats = this.channel.stats;
    stats.publish++;
    exchange.stats.publishIn++;
    exchange.stats.publishOut += n;
    if (n === 0) {
      // a reply to a direct reply-to name goes straight to its channel
      const reply = message.exchange === "" ? replyConsumerOf(this.vhost, message.routingKey) : undefined;
      if (reply !== undefined) {
        counters.routed++;
        reply.deliverReply(message);
        return 0;
      }
      if (mandatory) {
        counters.unroutableReturned++;
        stats.returnUnroutable++;
      } else {
        counters.unroutableDropped++;
        stats.dropUnroutable++;
      }
      if (mandatory) {
        this.connection.writer.content(
          this.number,
          { id: MethodId.BasicReturn, replyCode: ReplyCode.NO_ROUTE, replyText: "NO_ROUTE", exchange: message.exchange, routingKey: message.routingKey },
          message.rawProperties,
          message.body,
        );
        this.connection.scheduleFlush();
      }
      return 0;
    }
    // TTL and length limits: only for a message with expiration or a queue with arguments
    let refused = false;
    let limited = message.ttl >= 0;
    for (let i = 0; i < n && !limited; i++) if (!queues[i]!.plain) limited = true;
    if (limited) {
      const k = admit(message, queues, n);
      if (k < n) {
        refused = true;
        n = k;
      }
    }
    const store = this.connection.broker.store;
    let logSeq = 0;
    if (n === 0) {
      // refused by every queue: nacked, not returned
    } else if (store !== null) {
      logSeq = store.publish(message, queues, n);
      this.connection.broker.disk?.wrote(message.size); // a check before the disk fills between two ticks
      // disk flow: the log is too far behind its syncs
      if (logSeq > 0 && store.flow.over) this.connection.heldBackBy(store.flow);
    } else for (let i = 0; i < n; i++) queues[i]!.enqueue(message, null);
    // credit flow: a queue over its mark holds this connection back
    for (let i = 0; i < n; i++) {
      const q = queues[i]!;
      if (q.flow.over) this.connection.heldBackBy(q.flow);
    }
    return refused ? -1 : logSeq;
  }

  /** A publish in confirm mode: acked now, or once its log record is on disk. */
  private confirmPublish(logSeq: number): void {
    const seq = ++this.publishSeq;
    const store = this.connection.broker.store;
    if (this.awaitingLog.length === 0) {
      if (logSeq === 0 || (logSeq > 0 && logSeq <= store!.syncedSeq)) return this.confirmed(seq);
      if (logSeq < 0) return this.nack(seq, false);
      store!.waitForSync(this);
    }
    this.awaitingLog.push(logSeq);
  }

  /** @internal SyncWaiter: log records up to `synced` are on disk. */
  logSynced(synced: number): boolean {
    if (this.channel.closing) return false;
    const q = this.awaitingLog;
    let upTo = this.publishSeq - q.length;
    while (q.length > 0) {
      const logSeq = q.peek()!;
      if (logSeq > synced) break;
      q.shift();
      upTo++;
      if (logSeq < 0) {
        if (upTo - 1 > this.confirmedUpTo) this.confirmed(upTo - 1);
        this.nack(upTo, false);
      }
    }
    if (upTo > this.confirmedUpTo) this.confirmed(upTo);
    return q.length > 0;
  }

  /** @internal SyncWaiter: the log failed; what waits for it is refused. */
  logFailed(): void {
    if (this.channel.closing) return;
    const q = this.awaitingLog;
    if (q.length > 0) {
      const upTo = this.publishSeq - q.length;
      if (upTo > this.confirmedUpTo) this.confirmed(upTo);
      q.clear();
      this.nack(this.publishSeq, this.publishSeq - upTo > 1);
    }
  }

  /** basic.nack to the publisher: acks before it go out first, so a multiple ack never covers it. */
  private nack(tag: number, multiple: boolean): void {
    this.sendConfirms();
    this.confirmedUpTo = this.confirmSent = tag;
    this.connection.writer.method(this.number, { id: MethodId.BasicNack, deliveryTag: tag, multiple, requeue: false });
    this.connection.scheduleFlush();
  }

  /** Publishes up to `seq` are safe: acked at the next flush, many at once (multiple). */
  private confirmed(seq: number): void {
    if (this.confirmedUpTo === this.confirmSent) {
      this.connection.confirming.push(this.channel);
      this.connection.scheduleFlush();
    }
    this.confirmedUpTo = seq;
  }

  /** basic.ack for every publish confirmed since the last one sent. */
  sendConfirms(): void {
    if (this.channel.closing || this.confirmedUpTo === this.confirmSent) return;
    const multiple = this.confirmedUpTo - this.confirmSent > 1;
    this.counters.confirmed += this.confirmedUpTo - this.confirmSent;
    this.channel.stats.confirm += this.confirmedUpTo - this.confirmSent;
    this.confirmSent = this.confirmedUpTo;
    this.connection.writer.method(this.number, { id: MethodId.BasicAck, deliveryTag: this.confirmedUpTo, multiple });
  }
}
