/**
 * A channel: its state and the dispatch of the methods of classes channel, exchange, queue, basic,
 * confirm and tx to the parts that carry them out: content assembly (content.ts), publishing,
 * routing and confirms (publish.ts), consumers, deliveries and acks (deliveries.ts), transactions
 * (tx.ts), and the exchange and queue methods (exchange-methods.ts, queue-methods.ts).
 */
import { type Method, type MethodArgs, MethodId, ReplyCode } from "@amqp-go/protocol";
import { ChannelError, ConnectionError, notImplemented, preconditionFailed } from "../errors.js";
import type { BrokerCounters } from "../ports.js";
import type { Vhost } from "../vhost.js";
import { ContentAssembly } from "./content.js";
import type { ChannelConnection, ChannelContext } from "./context.js";
import { Deliveries } from "./deliveries.js";
import type { DirectReply } from "./direct-reply.js";
import type { TimedChannel } from "./consumer-timeout.js";
import { exchangeBind, exchangeDeclare, exchangeDelete } from "./exchange-methods.js";
import { Permissions } from "./permissions.js";
import { type PublishingChannel, Publisher } from "./publish.js";
import { queueBind, queueDeclare, queueDelete, queuePurge, queueUnbind } from "./queue-methods.js";
import { Transaction } from "./tx.js";
import { ChannelStats } from "../stats.js";

export class Channel implements ChannelContext, PublishingChannel, TimedChannel {
  /** channel.close sent or received: only the close handshake counts now. */
  closing = false;
  readonly vhost: Vhost;
  readonly counters: BrokerCounters;
  readonly stats = new ChannelStats();
  readonly permissions: Permissions;
  lastQueue = "";
  /** Set by tx.select: publishes and acks wait for tx.commit. */
  tx: Transaction | null = null;
  private readonly content: ContentAssembly;
  private readonly publisher: Publisher;
  private readonly deliveries: Deliveries;

  constructor(
    readonly connection: ChannelConnection,
    readonly number: number,
  ) {
    const broker = connection.broker;
    this.vhost = connection.vhost!;
    this.counters = broker.counters;
    this.permissions = new Permissions(broker.options.authenticator, connection.user, this.vhost.name);
    this.publisher = new Publisher(this);
    this.content = new ContentAssembly(broker.options.maxMessageSize, this.publisher);
    this.deliveries = new Deliveries(this);
    broker.consumerTimeouts?.channels.add(this);
  }

  /** TimedChannel: consumer_timeout, checked on the broker's timer. */
  checkConsumerTimeout(now: number, timeout: number): void {
    if (!this.closing) this.deliveries.checkConsumerTimeout(now, timeout);
  }

  /** Its consumers, prefetch and unacknowledged deliveries (read by the management API). */
  get deliveryState(): Pick<Deliveries, "consumerList" | "consumerCount" | "prefetch" | "globalPrefetch" | "unacknowledged"> {
    return this.deliveries;
  }

  /** confirm.select was sent. */
  get confirmMode(): boolean {
    return this.publisher.confirm;
  }

  get directReply(): DirectReply | null {
    return this.deliveries.directReply;
  }

  // ---- dispatch -------------------------------------------------------------------------------

  onMethod(m: Method): void {
    if (this.closing) {
      // After we sent channel.close, only the close handshake counts.
      if (m.id === MethodId.ChannelCloseOk) this.connection.channelClosed(this);
      else if (m.id === MethodId.ChannelClose) this.reply({ id: MethodId.ChannelCloseOk });
      return;
    }
    // The parser enforces the content sequence; a method here means the content was complete.
    this.content.reset();
    try {
      this.dispatch(m);
    } catch (e) {
      if (e instanceof Error && "replyCode" in e && (e as ChannelError).classId === 0) {
        Object.assign(e, { classId: m.id >>> 16, methodId: m.id & 0xffff });
      }
      throw e;
    }
  }

  private dispatch(m: Method): void {
    const deliveries = this.deliveries;
    switch (m.id) {
      case MethodId.BasicPublish:
        if (m.immediate) throw notImplemented("immediate=true");
        this.content.start(m.exchange, m.routingKey, m.mandatory);
        this.connection.notePublish();
        return;
      case MethodId.BasicAck:
        if (this.tx !== null) return this.tx.ack(m.deliveryTag, m.multiple, false, false);
        return deliveries.ack(m.deliveryTag, m.multiple, false, false);
      case MethodId.BasicNack:
        if (this.tx !== null) return this.tx.ack(m.deliveryTag, m.multiple, true, m.requeue);
        return deliveries.ack(m.deliveryTag, m.multiple, true, m.requeue);
      case MethodId.BasicReject:
        if (this.tx !== null) return this.tx.ack(m.deliveryTag, false, true, m.requeue);
        return deliveries.ack(m.deliveryTag, false, true, m.requeue);
      case MethodId.BasicConsume:
        return deliveries.consume(m.queue, m.consumerTag, m.noAck, m.exclusive, m.noWait, m.arguments);
      case MethodId.BasicCancel:
        deliveries.cancel(m.consumerTag);
        if (!m.noWait) this.reply({ id: MethodId.BasicCancelOk, consumerTag: m.consumerTag });
        return;
      case MethodId.BasicGet:
        return deliveries.get(m.queue, m.noAck);
      case MethodId.BasicQos:
        if (m.prefetchSize !== 0) throw notImplemented(`prefetch_size!=0 (${m.prefetchSize})`);
        deliveries.qos(m.prefetchCount, m.global);
        this.reply({ id: MethodId.BasicQosOk });
        deliveries.resume();
        return;
      case MethodId.BasicRecover:
      case MethodId.BasicRecoverAsync:
        // RabbitMQ redelivers to the same consumer only through the queue: requeue=false is refused.
        if (!m.requeue) throw notImplemented("requeue=false");
        deliveries.requeueAll();
        if (m.id === MethodId.BasicRecover) this.reply({ id: MethodId.BasicRecoverOk });
        return;

      case MethodId.ExchangeDeclare:
        return exchangeDeclare(this, m);
      case MethodId.ExchangeDelete:
        return exchangeDelete(this, m);
      case MethodId.ExchangeBind:
      case MethodId.ExchangeUnbind:
        return exchangeBind(this, m);

      case MethodId.QueueDeclare:
        return queueDeclare(this, m);
      case MethodId.QueueBind:
        return queueBind(this, m);
      case MethodId.QueueUnbind:
        return queueUnbind(this, m);
      case MethodId.QueuePurge:
        return queuePurge(this, m);
      case MethodId.QueueDelete:
        return queueDelete(this, m);

      case MethodId.ConfirmSelect:
        if (this.tx !== null) throw preconditionFailed("cannot switch from tx to confirm mode");
        this.publisher.confirm = true;
        if (!m.noWait) this.reply({ id: MethodId.ConfirmSelectOk });
        return;
      case MethodId.TxSelect:
        if (this.publisher.confirm) throw preconditionFailed("cannot switch from confirm to tx mode");
        if (this.tx === null) this.tx = new Transaction(this, this.publisher, deliveries);
        this.reply({ id: MethodId.TxSelectOk });
        return;
      case MethodId.TxCommit:
        if (this.tx === null) throw preconditionFailed("channel is not transactional");
        return this.tx.commit();
      case MethodId.TxRollback:
        if (this.tx === null) throw preconditionFailed("channel is not transactional");
        this.tx.rollback();
        this.reply({ id: MethodId.TxRollbackOk });
        return;

      case MethodId.ChannelFlow:
        // As RabbitMQ: a client may not stop the server's deliveries this way (use qos).
        if (!m.active) throw notImplemented("active=false");
        this.reply({ id: MethodId.ChannelFlowOk, active: true });
        deliveries.resume();
        return;
      case MethodId.ChannelFlowOk:
        return;
      case MethodId.ChannelClose:
        this.release();
        this.reply({ id: MethodId.ChannelCloseOk });
        this.connection.channelClosed(this);
        return;
      case MethodId.ChannelCloseOk:
        return;
    }
    throw new ConnectionError(ReplyCode.COMMAND_INVALID, `unexpected method ${m.id >>> 16}/${m.id & 0xffff} on a channel`, m.id >>> 16, m.id & 0xffff);
  }

  /** A content header frame, of the publish in progress. */
  onHeader(bodySize: number, properties: Buffer): void {
    this.content.onHeader(bodySize, properties);
  }

  /** A content body frame, of the publish in progress. */
  onBody(body: Buffer): void {
    this.content.onBody(body);
  }

  reply(m: MethodArgs): void {
    this.connection.send(this.number, m);
  }

  queueName(name: string): string {
    if (name !== "") return name;
    if (this.lastQueue === "") throw new ChannelError(ReplyCode.NOT_FOUND, "no previously declared queue");
    return this.lastQueue;
  }

  /** Publisher confirms due since the last flush go out (called by the connection's flush). */
  sendConfirms(): void {
    this.publisher.sendConfirms();
  }

  /** There may be room again (socket drained): let the queues this channel consumes from deliver. */
  resume(): void {
    this.deliveries.resume();
  }

  // ---- closing --------------------------------------------------------------------------------

  /** A channel error: send channel.close, drop everything, wait for close-ok. */
  closeWithError(e: ChannelError): void {
    if (this.closing) return;
    this.release();
    this.reply({ id: MethodId.ChannelClose, replyCode: e.replyCode, replyText: e.replyText, classId: e.classId, methodId: e.methodId });
  }

  /** Cancels consumers and requeues unacknowledged deliveries; the channel takes no more work. */
  release(): void {
    if (this.closing) return;
    this.closing = true;
    const broker = this.connection.broker;
    broker.consumerTimeouts?.channels.delete(this);
    const store = broker.store;
    store?.forget(this.publisher);
    if (this.tx !== null) {
      store?.forget(this.tx);
      this.tx.release();
    }
    this.content.reset();
    this.tx = null;
    this.deliveries.release();
  }
}
