/** The methods of class queue on a channel: declare, bind, unbind, purge and delete, with their permissions. */
import { MethodId, type QueueBind, type QueueDeclare, type QueueDelete, type QueuePurge, type QueueUnbind } from "@amqp-go/protocol";
import { accessRefused } from "../errors.js";
import { serverNamedQueue } from "../vhost.js";
import type { ChannelContext } from "./context.js";
import { declareReplyQueue, isReplyQueue } from "./direct-reply.js";

export function queueDeclare(c: ChannelContext, m: QueueDeclare): void {
  if (isReplyQueue(m.queue)) return declareReplyQueue(c, m);
  // A server-named queue is checked under the name it is about to get, as RabbitMQ does.
  const serverName = m.queue === "" && !m.passive ? serverNamedQueue() : undefined;
  if (!m.passive) c.permissions.permit("configure", "queue", serverName ?? m.queue);
  // A new queue with a dead-letter exchange: read on the queue and write on that exchange, as RabbitMQ asks.
  const dlx = m.arguments["x-dead-letter-exchange"];
  if (!m.passive && typeof dlx === "string" && !c.vhost.queues.has(m.queue)) {
    c.permissions.permit("read", "queue", serverName ?? m.queue);
    c.permissions.permit("write", "exchange", dlx);
  }
  const q = c.vhost.declareQueue(
    { name: m.queue, serverName, passive: m.passive, durable: m.durable, exclusive: m.exclusive, autoDelete: m.autoDelete, arguments: m.arguments },
    c.connection,
  );
  c.lastQueue = q.name;
  if (!m.noWait) {
    c.reply({ id: MethodId.QueueDeclareOk, queue: q.name, messageCount: q.messageCount, consumerCount: q.consumerCount });
  }
}

export function queueBind(c: ChannelContext, m: QueueBind): void {
  const vhost = c.vhost;
  vhost.exchange(m.exchange);
  const q = vhost.queue(c.queueName(m.queue), c.connection);
  c.permissions.permit("write", "queue", q.name);
  c.permissions.permit("read", "exchange", m.exchange);
  vhost.bind(m.exchange, q, m.routingKey === "" && m.queue === "" ? q.name : m.routingKey, m.arguments);
  if (!m.noWait) c.reply({ id: MethodId.QueueBindOk });
}

export function queueUnbind(c: ChannelContext, m: QueueUnbind): void {
  // Unbinding what is not there is no error (RabbitMQ answers unbind-ok), but touching another
  // connection's exclusive queue is, when the binding exists.
  const vhost = c.vhost;
  const q = vhost.queues.get(c.queueName(m.queue));
  const e = vhost.exchanges.get(m.exchange);
  if (m.exchange === "") throw accessRefused("operation not permitted on the default exchange");
  if (q !== undefined && e !== undefined && e.hasBinding(q, m.routingKey, m.arguments)) {
    vhost.queue(q.name, c.connection);
    c.permissions.permit("write", "queue", q.name);
    c.permissions.permit("read", "exchange", m.exchange);
    vhost.unbind(m.exchange, q, m.routingKey, m.arguments);
  }
  c.reply({ id: MethodId.QueueUnbindOk });
}

export function queuePurge(c: ChannelContext, m: QueuePurge): void {
  const q = c.vhost.queue(c.queueName(m.queue), c.connection);
  c.permissions.permit("read", "queue", q.name);
  const messageCount = q.purge();
  if (!m.noWait) c.reply({ id: MethodId.QueuePurgeOk, messageCount });
}

export function queueDelete(c: ChannelContext, m: QueueDelete): void {
  // Deleting a missing queue is no error: delete-ok with a count of 0.
  const vhost = c.vhost;
  const name = c.queueName(m.queue);
  const q = vhost.queues.has(name) ? vhost.queue(name, c.connection) : undefined;
  c.permissions.permit("configure", "queue", name);
  if (q !== undefined) vhost.checkDeletable(q, m.ifUnused, m.ifEmpty);
  // delete-ok goes out before the consumers' basic.cancel, as RabbitMQ sends them.
  if (!m.noWait) c.reply({ id: MethodId.QueueDeleteOk, messageCount: q?.messageCount ?? 0 });
  if (q !== undefined) vhost.removeQueue(q);
}
