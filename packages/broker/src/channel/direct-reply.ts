/**
 * Direct reply-to, RabbitMQ's `amq.rabbitmq.reply-to` pseudo-queue: a channel consumes from it
 * with no-ack; a request it publishes with reply-to `amq.rabbitmq.reply-to` leaves with that
 * property rewritten to `amq.rabbitmq.reply-to.<token>`, and a reply published to that name
 * through the default exchange, from any channel of the vhost, goes straight to the consumer,
 * through no queue. Texts and codes as RabbitMQ 3.10.8 answers (CONFORMANCE.md, section 15).
 */
import { MethodId, type QueueDeclare } from "@amqp-go/protocol";
import { randomBytes } from "node:crypto";
import { notFound, preconditionFailed } from "../errors.js";
import type { Message } from "../message.js";
import type { Vhost } from "../vhost.js";
import type { ChannelContext } from "./context.js";

export const REPLY_QUEUE = "amq.rabbitmq.reply-to";
const REPLY_PREFIX = "amq.rabbitmq.reply-to.";
const REPLY_QUEUE_OCTETS = Buffer.from(REPLY_QUEUE, "latin1");

/** Where a reply goes: the channel that consumes from amq.rabbitmq.reply-to. */
export interface ReplyConsumer {
  deliverReply(message: Message): void;
}

/** What the reply consumer needs of its channel's deliveries. */
export interface ReplySink {
  /** Writes basic.deliver for a reply (no ack expected). */
  deliverReply(tag: string, message: Message): void;
}

export class DirectReply implements ReplyConsumer {
  /** The consumer tag; null while nothing consumes. */
  tag: string | null = null;
  /** `amq.rabbitmq.reply-to.<token>`: what requests carry as reply-to, and replies are published to. */
  name = "";

  constructor(
    private readonly channel: ChannelContext,
    private readonly sink: ReplySink,
  ) {}

  /** basic.consume on amq.rabbitmq.reply-to, with `tag` already checked and filled in. */
  consume(tag: string, noAck: boolean, noWait: boolean): void {
    if (!noAck) throw preconditionFailed("reply consumer cannot acknowledge");
    if (this.tag !== null) throw preconditionFailed("reply consumer already set");
    this.tag = tag;
    this.name = REPLY_PREFIX + randomBytes(24).toString("base64url");
    this.channel.vhost.replyConsumers.set(this.name, this);
    if (!noWait) this.channel.reply({ id: MethodId.BasicConsumeOk, consumerTag: tag });
  }

  /** basic.cancel; false when `tag` is not the reply consumer's. */
  cancel(tag: string): boolean {
    if (tag !== this.tag) return false;
    this.release();
    return true;
  }

  /** The channel closes (or the consumer is cancelled): replies to its name are unroutable from now on. */
  release(): void {
    if (this.tag === null) return;
    this.channel.vhost.replyConsumers.delete(this.name);
    this.tag = null;
  }

  deliverReply(message: Message): void {
    if (this.tag !== null) this.sink.deliverReply(this.tag, message);
  }
}

/**
 * A publish with a reply-to property: `amq.rabbitmq.reply-to` becomes the channel's reply name
 * (406 when the channel has no reply consumer). Anything else is left alone, decoded only when
 * the raw properties hold the pseudo-queue's name.
 */
export function rewriteReplyTo(m: Message, reply: DirectReply | null): void {
  if (m.rawProperties.indexOf(REPLY_QUEUE_OCTETS) < 0) return;
  const p = m.properties;
  if (p.replyTo !== REPLY_QUEUE) return;
  if (reply === null || reply.tag === null) throw preconditionFailed("fast reply consumer does not exist");
  m.setProperties({ ...p, replyTo: reply.name });
}

/** The reply consumer that `routingKey` names on the default exchange, if it is a live reply name. */
export function replyConsumerOf(vhost: Vhost, routingKey: string): ReplyConsumer | undefined {
  return routingKey.startsWith(REPLY_PREFIX) ? vhost.replyConsumers.get(routingKey) : undefined;
}

/**
 * queue.declare of `amq.rabbitmq.reply-to...`, passive or not: RabbitMQ answers declare-ok with
 * 0 messages and 1 consumer for the pseudo-queue and for a live reply name, 404 for any other.
 */
export function declareReplyQueue(c: ChannelContext, m: QueueDeclare): void {
  if (m.queue !== REPLY_QUEUE && !c.vhost.replyConsumers.has(m.queue)) throw notFound("queue", m.queue, c.vhost.name);
  if (!m.noWait) c.reply({ id: MethodId.QueueDeclareOk, queue: m.queue, messageCount: 0, consumerCount: 1 });
}

/** True for names that belong to direct reply-to (no queue of that name can be declared: `amq.` is reserved). */
export const isReplyQueue = (name: string): boolean => name.startsWith(REPLY_QUEUE);
