/**
 * The consuming side of a channel: its consumers, deliveries to them and to basic.get, the
 * deliveries waiting for their ack, acks, nacks, rejects and recover, and the prefetch limits.
 */
import { type BasicDeliverArgs, type FieldTable, MethodId } from "@amqp-go/protocol";
import { randomBytes } from "node:crypto";
import { accessRefused, notAllowed, preconditionFailed } from "../errors.js";
import { Consumer, type DeliverySink } from "../queue/consumer.js";
import { consumerPriority } from "../queue/consumer-arguments.js";
import type { Queue } from "../queue/queue.js";
import type { QueueEntry } from "../queue/queue-entry.js";
import type { BrokerCounters, QuorumCounters } from "../ports.js";
import type { Vhost } from "../vhost.js";
import type { Message } from "../message.js";
import type { ChannelConnection, ChannelContext } from "./context.js";
import { AckDeadline, ackTimedOut } from "./consumer-timeout.js";
import { DirectReply, REPLY_QUEUE, type ReplySink } from "./direct-reply.js";

/** A delivery waiting for its ack. */
interface Unacked {
  readonly entry: QueueEntry;
  readonly queue: Queue;
  /** null for basic.get. */
  readonly consumer: Consumer | null;
}

export class Deliveries implements DeliverySink, ReplySink {
  private readonly consumers = new Map<string, Consumer>();
  /** consumer_timeout: the delivery tags sampled at the last ticks. */
  private readonly deadline = new AckDeadline();
  /** The consumer of amq.rabbitmq.reply-to, made at its first basic.consume. */
  directReply: DirectReply | null = null;
  private readonly unacked = new Map<number, Unacked>();
  private nextDeliveryTag = 1;
  /** Deliveries awaiting ack that count against the channel-wide prefetch (global qos). */
  private unackedCount = 0;
  private prefetchCount = 0;
  private channelPrefetch = 0;
  /** One basic.deliver, rewritten for every delivery: no object per message. */
  private readonly deliverArgs: BasicDeliverArgs & { id: typeof MethodId.BasicDeliver } = {
    id: MethodId.BasicDeliver,
    consumerTag: "",
    deliveryTag: 0,
    redelivered: false,
    exchange: "",
    routingKey: "",
  };
  private readonly connection: ChannelConnection;
  private readonly vhost: Vhost;
  private readonly counters: BrokerCounters;
  private readonly number: number;

  constructor(private readonly channel: ChannelContext) {
    this.connection = channel.connection;
    this.vhost = channel.vhost;
    this.counters = channel.counters;
    this.number = channel.number;
  }

  /** Consumers, prefetch and unacknowledged deliveries, for the management API. */
  get consumerList(): IterableIterator<Consumer> {
    return this.consumers.values();
  }

  get consumerCount(): number {
    return this.consumers.size;
  }

  get prefetch(): number {
    return this.prefetchCount;
  }

  get globalPrefetch(): number {
    return this.channelPrefetch;
  }

  get unacknowledged(): number {
    return this.unacked.size;
  }

  /** basic.qos: prefetch of the consumers to come, or of the whole channel (global). */
  qos(prefetchCount: number, global: boolean): void {
    if (global) this.channelPrefetch = prefetchCount;
    else this.prefetchCount = prefetchCount;
  }

  consume(queueName: string, tag: string, noAck: boolean, exclusive: boolean, noWait: boolean, args: FieldTable): void {
    const vhost = this.vhost;
    if (queueName === REPLY_QUEUE) {
      this.directReply ??= new DirectReply(this.channel, this);
      return this.directReply.consume(this.newTag(tag), noAck, noWait);
    }
    const q = vhost.queue(this.channel.queueName(queueName), this.connection);
    this.channel.permissions.permit("read", "queue", q.name);
    tag = this.newTag(tag);
    // RabbitMQ 3.10 refuses any exclusive consumer on a single-active-consumer queue.
    if (q.exclusiveConsumer || (exclusive && (q.consumerCount > 0 || q.singleActive))) {
      throw accessRefused(`queue '${q.name}' in vhost '${vhost.name}' in exclusive use`);
    }
    const priority = consumerPriority(args, q.name, vhost.name);
    const consumer = new Consumer(tag, q, this, noAck, exclusive, this.prefetchCount, priority);
    this.consumers.set(tag, consumer);
    // consume-ok goes out before the first delivery.
    if (!noWait) this.channel.reply({ id: MethodId.BasicConsumeOk, consumerTag: tag });
    q.addConsumer(consumer);
  }

  /** A consumer tag for basic.consume: `tag`, or a fresh one; 530 when the channel uses it already. */
  private newTag(tag: string): string {
    if (tag === "") return `amq.ctag-${randomBytes(16).toString("base64url")}`;
    if (this.consumers.has(tag) || this.directReply?.tag === tag) throw notAllowed(`attempt to reuse consumer tag '${tag}'`);
    return tag;
  }

  cancel(tag: string): void {
    if (this.directReply?.cancel(tag) === true) return;
    const consumer = this.consumers.get(tag);
    if (consumer === undefined) return;
    this.consumers.delete(tag);
    if (consumer.queue.removeConsumer(consumer)) this.vhost.removeQueue(consumer.queue);
  }

  /** DeliverySink: a queue does not hold back the connection that consumes from it. */
  get publisher(): ChannelConnection {
    return this.connection;
  }

  /** DeliverySink: the channel and its connection can take a delivery now. */
  canDeliver(): boolean {
    return (
      !this.channel.closing &&
      !this.connection.writeBlocked &&
      (this.channelPrefetch === 0 || this.unackedCount < this.channelPrefetch)
    );
  }

  /** DeliverySink: writes basic.deliver, the header as published and the body. */
  deliver(consumer: Consumer, entry: QueueEntry): void {
    const tag = this.nextDeliveryTag++;
    if (!consumer.noAck) {
      this.unacked.set(tag, { entry, queue: consumer.queue, consumer });
      this.unackedCount++;
    }
    const counters = this.counters;
    counters.delivered++;
    const qs = consumer.queue.stats;
    const cs = this.channel.stats;
    if (consumer.noAck) {
      counters.deliveredNoAck++;
      qs.deliverNoAck++;
      cs.deliverNoAck++;
    } else {
      qs.deliver++;
      cs.deliver++;
    }
    if (entry.redelivered) {
      counters.redelivered++;
      qs.redeliver++;
      cs.redeliver++;
    }
    if (consumer.queue.args.type === "quorum") countQuorum(counters.quorum, consumer.noAck, entry.redelivered, false);
    const m = entry.message;
    const args = this.deliverArgs;
    args.consumerTag = consumer.tag;
    args.deliveryTag = tag;
    args.redelivered = entry.redelivered;
    args.exchange = m.exchange;
    args.routingKey = m.routingKey;
    const conn = this.connection;
    conn.writer.content(this.number, args, m.rawProperties, m.body);
    conn.scheduleFlush();
  }

  /** ReplySink: a direct reply goes straight to the channel's reply consumer (no ack, no queue). */
  deliverReply(tag: string, m: Message): void {
    if (this.channel.closing) return;
    this.counters.delivered++;
    this.counters.deliveredNoAck++;
    const args = this.deliverArgs;
    args.consumerTag = tag;
    args.deliveryTag = this.nextDeliveryTag++;
    args.redelivered = false;
    args.exchange = m.exchange;
    args.routingKey = m.routingKey;
    this.connection.writer.content(this.number, args, m.rawProperties, m.body);
    this.connection.scheduleFlush();
  }

  /** DeliverySink: the queue was deleted; tell the client if it listens (consumer_cancel_notify). */
  cancelledByServer(consumer: Consumer): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    if (this.connection.consumerCancelNotify && !this.channel.closing) {
      this.channel.reply({ id: MethodId.BasicCancel, consumerTag: consumer.tag, noWait: true });
    }
  }

  get(queueName: string, noAck: boolean): void {
    const q = this.vhost.queue(this.channel.queueName(queueName), this.connection);
    this.channel.permissions.permit("read", "queue", q.name);
    this.fetchFrom(q, noAck);
  }

  /**
   * basic.get-ok or get-empty. When the next message is on disk the answer waits for the read
   * (the client waits for it too: basic.get is synchronous).
   */
  private fetchFrom(q: Queue, noAck: boolean): void {
    if (this.channel.closing) return;
    const entry = q.fetch(noAck);
    if (entry === undefined && q.messageCount > 0 && !q.deleted) {
      q.afterRead(() => this.fetchFrom(q, noAck));
      return;
    }
    if (entry === undefined) {
      this.counters.getEmpty++;
      if (q.args.type === "quorum") this.counters.quorum.getEmpty++;
      q.stats.getEmpty++;
      this.channel.stats.getEmpty++;
      this.channel.reply({ id: MethodId.BasicGetEmpty });
      return;
    }
    this.counters.delivered++;
    const qs = q.stats;
    const cs = this.channel.stats;
    if (noAck) {
      this.counters.deliveredNoAck++;
      this.counters.gotNoAck++;
      qs.getNoAck++;
      cs.getNoAck++;
    } else {
      this.counters.got++;
      qs.get++;
      cs.get++;
    }
    if (entry.redelivered) {
      this.counters.redelivered++;
      qs.redeliver++;
      cs.redeliver++;
    }
    if (q.args.type === "quorum") countQuorum(this.counters.quorum, noAck, entry.redelivered, true);
    const tag = this.nextDeliveryTag++;
    if (!noAck) {
      this.unacked.set(tag, { entry, queue: q, consumer: null });
      this.unackedCount++;
    }
    const m = entry.message;
    this.connection.writer.content(
      this.number,
      { id: MethodId.BasicGetOk, deliveryTag: tag, redelivered: entry.redelivered, exchange: m.exchange, routingKey: m.routingKey, messageCount: q.messageCount },
      m.rawProperties,
      m.body,
    );
    this.connection.scheduleFlush();
  }

  /** basic.ack / nack / reject: settle or requeue one delivery, or all up to `tag` (multiple). */
  ack(tag: number, multiple: boolean, reject: boolean, requeue: boolean): void {
    if (multiple) {
      if (tag !== 0 && !this.unacked.has(tag)) throw preconditionFailed(`unknown delivery tag ${tag}`);
      let last: Queue | null = null;
      for (const [t, u] of this.unacked) {
        if (tag !== 0 && t > tag) break;
        this.unacked.delete(t);
        this.settle(u, reject, requeue);
        if (u.queue !== last) {
          last?.drain();
          last = u.queue;
        }
      }
      last?.drain();
    } else {
      const u = this.unacked.get(tag);
      if (u === undefined) throw preconditionFailed(`unknown delivery tag ${tag}`);
      this.unacked.delete(tag);
      this.settle(u, reject, requeue);
      u.queue.drain();
    }
    if (this.channelPrefetch !== 0) this.resume();
  }

  private settle(u: Unacked, reject: boolean, requeue: boolean): void {
    this.unackedCount--;
    if (reject) this.counters.rejected++;
    else {
      this.counters.acknowledged++;
      if (u.queue.args.type === "quorum") this.counters.quorum.acknowledged++;
      u.queue.stats.ack++;
      this.channel.stats.ack++;
    }
    if (reject && requeue) u.queue.requeue(u.entry, u.consumer);
    else if (reject) u.queue.reject(u.entry, u.consumer);
    else u.queue.settle(u.entry, u.consumer);
  }

  /** Every unacknowledged delivery goes back to its queue (basic.recover, channel close). */
  requeueAll(): void {
    const queues = new Set<Queue>();
    for (const u of this.unacked.values()) {
      this.unackedCount--;
      u.queue.requeue(u.entry, u.consumer);
      queues.add(u.queue);
    }
    this.unacked.clear();
    for (const q of queues) q.drain();
  }

  /** consumer_timeout: closes the channel (406) when its oldest unacknowledged delivery is too old. */
  checkConsumerTimeout(now: number, timeout: number): void {
    const oldest = this.unacked.size === 0 ? 0 : (this.unacked.keys().next().value ?? 0);
    if (this.deadline.expired(now, timeout, this.nextDeliveryTag, oldest)) this.channel.closeWithError(ackTimedOut(this.number, timeout));
  }

  /** There may be room again: let the queues this channel consumes from deliver. */
  resume(): void {
    if (!this.canDeliver()) return;
    for (const c of this.consumers.values()) c.queue.drain();
  }

  /** The channel closes: consumers are cancelled, unacknowledged deliveries requeued. */
  release(): void {
    this.directReply?.release();
    // Requeued first: a single active consumer taking over gets them back first, in their place.
    this.requeueAll();
    for (const tag of [...this.consumers.keys()]) this.cancel(tag);
  }
}

/** A delivery or get-ok from a quorum queue, in the quorum share of the delivery counters. */
function countQuorum(k: QuorumCounters, noAck: boolean, redelivered: boolean, get: boolean): void {
  k.delivered++;
  if (noAck) k.deliveredNoAck++;
  if (get) {
    if (noAck) k.gotNoAck++;
    else k.got++;
  }
  if (redelivered) k.redelivered++;
}
