/**
 * A channel: the AMQP methods of classes exchange, queue, basic, confirm and tx, content assembly
 * of publishes, deliveries to its consumers, acknowledgements, publisher confirms, transactions.
 */
import { type BasicDeliverArgs, type FieldTable, type Method, MethodId, ReplyCode } from "@amqp-go/protocol";
import { randomBytes } from "node:crypto";
import {
  accessRefused,
  ChannelError,
  ConnectionError,
  notAllowed,
  notFound,
  notImplemented,
  preconditionFailed,
} from "../errors.js";
import type { Exchange } from "../exchange/exchange.js";
import { Message } from "../message.js";
import { Consumer, type DeliverySink } from "../queue/consumer.js";
import { RingBuffer } from "@amqp-go/storage";
import type { Queue, QueueEntry } from "../queue/queue.js";
import type { SyncWaiter } from "../store/message-store.js";
import type { Authenticator, BrokerCounters, Permission } from "../ports.js";
import { serverNamedQueue, type Vhost } from "../vhost.js";
import type { Connection } from "./connection.js";

/** A delivery waiting for its ack. */
interface Unacked {
  readonly entry: QueueEntry;
  readonly queue: Queue;
  /** null for basic.get. */
  readonly consumer: Consumer | null;
}

/** A publish being assembled from its method, header and body frames. */
interface Publishing {
  readonly exchange: string;
  readonly routingKey: string;
  readonly mandatory: boolean;
  properties: Buffer;
  bodySize: number;
  /** Body frames so far, when more than one makes up the body: joined once at the end. */
  parts: Buffer[] | null;
  received: number;
}

type TxAction = { readonly publish: Message; readonly mandatory: boolean } | { readonly ack: number; readonly multiple: boolean; readonly reject: boolean; readonly requeue: boolean };

export class Channel implements DeliverySink, SyncWaiter {
  private closing = false;
  private readonly vhost: Vhost;
  private readonly consumers = new Map<string, Consumer>();
  private readonly unacked = new Map<number, Unacked>();
  private nextDeliveryTag = 1;
  /** Deliveries awaiting ack that count against the channel-wide prefetch (global qos). */
  private unackedCount = 0;
  private prefetchCount = 0;
  private channelPrefetch = 0;
  private flowActive = true;
  private publishing: Publishing | null = null;
  private confirm = false;
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
  /** Log seqs each tx.commit-ok waits for, in order. */
  private readonly commitsAwaitingLog = new RingBuffer<number>();
  private tx: TxAction[] | null = null;
  /** The queue queue.declare named last: an empty queue name in later methods means it. */
  private lastQueue = "";
  /** One basic.deliver, rewritten for every delivery: no object per message. */
  private readonly deliverArgs: BasicDeliverArgs & { id: typeof MethodId.BasicDeliver } = {
    id: MethodId.BasicDeliver,
    consumerTag: "",
    deliveryTag: 0,
    redelivered: false,
    exchange: "",
    routingKey: "",
  };

  private readonly counters: BrokerCounters;
  private readonly user: string;
  private readonly checkPermission: Authenticator["checkPermission"];

  constructor(
    readonly connection: Connection,
    readonly number: number,
  ) {
    this.vhost = connection.vhost!;
    this.counters = connection.broker.counters;
    this.user = connection.user;
    const auth = connection.broker.options.authenticator;
    this.checkPermission = auth.checkPermission?.bind(auth);
  }

  /** 403 unless the user has `permission` on the resource (RabbitMQ's configure/write/read). */
  private permit(permission: Permission, kind: "queue" | "exchange", name: string): void {
    const check = this.checkPermission;
    if (check === undefined) return;
    // RabbitMQ checks the default exchange under the name amq.default.
    if (kind === "exchange" && name === "") name = "amq.default";
    if (check(this.user, this.vhost.name, permission, { kind, name })) return;
    throw accessRefused(`access to ${kind} '${name}' in vhost '${this.vhost.name}' refused for user '${this.user}'`);
  }

  // ---- dispatch -------------------------------------------------------------------------------

  onMethod(m: Method): void {
    if (this.closing) {
      // After we sent channel.close, only the close handshake counts.
      if (m.id === MethodId.ChannelCloseOk) this.connection.channelClosed(this);
      else if (m.id === MethodId.ChannelClose) this.reply({ id: MethodId.ChannelCloseOk });
      return;
    }
    if (this.publishing !== null) {
      // The parser enforces the content sequence; a method here means the content was complete.
      this.publishing = null;
    }
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
    const vhost = this.vhost;
    const conn = this.connection;
    switch (m.id) {
      case MethodId.BasicPublish:
        if (m.immediate) throw notImplemented("immediate=true");
        this.publishing = {
          exchange: m.exchange,
          routingKey: m.routingKey,
          mandatory: m.mandatory,
          properties: EMPTY,
          bodySize: 0,
          parts: null,
          received: 0,
        };
        conn.notePublish();
        return;
      case MethodId.BasicAck:
        if (this.tx !== null) return void this.tx.push({ ack: m.deliveryTag, multiple: m.multiple, reject: false, requeue: false });
        return this.ack(m.deliveryTag, m.multiple, false, false);
      case MethodId.BasicNack:
        if (this.tx !== null) return void this.tx.push({ ack: m.deliveryTag, multiple: m.multiple, reject: true, requeue: m.requeue });
        return this.ack(m.deliveryTag, m.multiple, true, m.requeue);
      case MethodId.BasicReject:
        if (this.tx !== null) return void this.tx.push({ ack: m.deliveryTag, multiple: false, reject: true, requeue: m.requeue });
        return this.ack(m.deliveryTag, false, true, m.requeue);
      case MethodId.BasicConsume:
        return this.consume(m.queue, m.consumerTag, m.noLocal, m.noAck, m.exclusive, m.noWait, m.arguments);
      case MethodId.BasicCancel:
        this.cancel(m.consumerTag);
        if (!m.noWait) this.reply({ id: MethodId.BasicCancelOk, consumerTag: m.consumerTag });
        return;
      case MethodId.BasicGet:
        return this.get(m.queue, m.noAck);
      case MethodId.BasicQos:
        if (m.prefetchSize !== 0) throw notImplemented(`prefetch_size!=0 (${m.prefetchSize})`);
        if (m.global) this.channelPrefetch = m.prefetchCount;
        else this.prefetchCount = m.prefetchCount;
        this.reply({ id: MethodId.BasicQosOk });
        this.resume();
        return;
      case MethodId.BasicRecover:
      case MethodId.BasicRecoverAsync:
        // RabbitMQ redelivers to the same consumer only through the queue: requeue=false is refused.
        if (!m.requeue) throw notImplemented("requeue=false");
        this.requeueAll();
        if (m.id === MethodId.BasicRecover) this.reply({ id: MethodId.BasicRecoverOk });
        return;

      case MethodId.ExchangeDeclare: {
        if (!m.passive) {
          this.permit("configure", "exchange", m.exchange);
          // Creating an exchange with an alternate exchange also takes read on it and write on the AE.
          const ae = m.arguments["alternate-exchange"];
          if (typeof ae === "string" && !vhost.exchanges.has(m.exchange)) {
            this.permit("read", "exchange", m.exchange);
            this.permit("write", "exchange", ae);
          }
        }
        vhost.declareExchange({
          name: m.exchange,
          type: m.type,
          passive: m.passive,
          durable: m.durable,
          autoDelete: m.autoDelete,
          internal: m.internal,
          arguments: m.arguments,
        });
        if (!m.noWait) this.reply({ id: MethodId.ExchangeDeclareOk });
        return;
      }
      case MethodId.ExchangeDelete:
        this.permit("configure", "exchange", m.exchange);
        vhost.deleteExchange(m.exchange, m.ifUnused);
        if (!m.noWait) this.reply({ id: MethodId.ExchangeDeleteOk });
        return;
      case MethodId.ExchangeBind:
      case MethodId.ExchangeUnbind: {
        const destination = vhost.exchange(m.destination);
        vhost.exchange(m.source);
        this.permit("write", "exchange", m.destination);
        this.permit("read", "exchange", m.source);
        if (m.id === MethodId.ExchangeBind) vhost.bind(m.source, destination, m.routingKey, m.arguments);
        else vhost.unbind(m.source, destination, m.routingKey, m.arguments);
        if (!m.noWait) this.reply({ id: m.id === MethodId.ExchangeBind ? MethodId.ExchangeBindOk : MethodId.ExchangeUnbindOk });
        return;
      }

      case MethodId.QueueDeclare: {
        // A server-named queue is checked under the name it is about to get, as RabbitMQ does.
        const serverName = m.queue === "" && !m.passive ? serverNamedQueue() : undefined;
        if (!m.passive) this.permit("configure", "queue", serverName ?? m.queue);
        const q = vhost.declareQueue(
          { name: m.queue, serverName, passive: m.passive, durable: m.durable, exclusive: m.exclusive, autoDelete: m.autoDelete, arguments: m.arguments },
          conn,
        );
        this.lastQueue = q.name;
        if (!m.noWait) {
          this.reply({ id: MethodId.QueueDeclareOk, queue: q.name, messageCount: q.messageCount, consumerCount: q.consumerCount });
        }
        return;
      }
      case MethodId.QueueBind: {
        vhost.exchange(m.exchange);
        const q = vhost.queue(this.queueName(m.queue), conn);
        this.permit("write", "queue", q.name);
        this.permit("read", "exchange", m.exchange);
        vhost.bind(m.exchange, q, m.routingKey === "" && m.queue === "" ? q.name : m.routingKey, m.arguments);
        if (!m.noWait) this.reply({ id: MethodId.QueueBindOk });
        return;
      }
      case MethodId.QueueUnbind: {
        // Unbinding what is not there is no error (RabbitMQ answers unbind-ok), but touching another
        // connection's exclusive queue is, when the binding exists.
        const q = vhost.queues.get(this.queueName(m.queue));
        const e = vhost.exchanges.get(m.exchange);
        if (m.exchange === "") throw accessRefused("operation not permitted on the default exchange");
        if (q !== undefined && e !== undefined && e.hasBinding(q, m.routingKey, m.arguments)) {
          vhost.queue(q.name, conn);
          this.permit("write", "queue", q.name);
          this.permit("read", "exchange", m.exchange);
          vhost.unbind(m.exchange, q, m.routingKey, m.arguments);
        }
        this.reply({ id: MethodId.QueueUnbindOk });
        return;
      }
      case MethodId.QueuePurge: {
        const q = vhost.queue(this.queueName(m.queue), conn);
        this.permit("read", "queue", q.name);
        const messageCount = q.purge();
        if (!m.noWait) this.reply({ id: MethodId.QueuePurgeOk, messageCount });
        return;
      }
      case MethodId.QueueDelete: {
        // Deleting a missing queue is no error: delete-ok with a count of 0.
        const name = this.queueName(m.queue);
        const q = vhost.queues.has(name) ? vhost.queue(name, conn) : undefined;
        this.permit("configure", "queue", name);
        if (q !== undefined) vhost.checkDeletable(q, m.ifUnused, m.ifEmpty);
        // delete-ok goes out before the consumers' basic.cancel, as RabbitMQ sends them.
        if (!m.noWait) this.reply({ id: MethodId.QueueDeleteOk, messageCount: q?.messageCount ?? 0 });
        if (q !== undefined) vhost.removeQueue(q);
        return;
      }

      case MethodId.ConfirmSelect:
        if (this.tx !== null) throw preconditionFailed("cannot switch from tx to confirm mode");
        this.confirm = true;
        if (!m.noWait) this.reply({ id: MethodId.ConfirmSelectOk });
        return;
      case MethodId.TxSelect:
        if (this.confirm) throw preconditionFailed("cannot switch from confirm to tx mode");
        if (this.tx === null) this.tx = [];
        this.reply({ id: MethodId.TxSelectOk });
        return;
      case MethodId.TxCommit: {
        if (this.tx === null) throw preconditionFailed("channel is not transactional");
        // commit-ok once the transaction's persistent messages are on disk, as RabbitMQ does
        const logSeq = this.commit();
        const store = this.connection.broker.store;
        if (logSeq < 0) throw new ChannelError(ReplyCode.INTERNAL_ERROR, "INTERNAL_ERROR - write-ahead log failed", m.id >>> 16, m.id & 0xffff);
        if ((logSeq === 0 || logSeq <= store!.syncedSeq) && this.commitsAwaitingLog.length === 0) this.reply({ id: MethodId.TxCommitOk });
        else {
          if (this.awaitingLog.length === 0 && this.commitsAwaitingLog.length === 0) store!.waitForSync(this);
          this.commitsAwaitingLog.push(logSeq);
        }
        return;
      }
      case MethodId.TxRollback:
        if (this.tx === null) throw preconditionFailed("channel is not transactional");
        this.tx = [];
        this.reply({ id: MethodId.TxRollbackOk });
        return;

      case MethodId.ChannelFlow:
        // As RabbitMQ: a client may not stop the server's deliveries this way (use qos).
        if (!m.active) throw notImplemented("active=false");
        this.flowActive = m.active;
        this.reply({ id: MethodId.ChannelFlowOk, active: m.active });
        if (m.active) this.resume();
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

  private reply(m: Parameters<Connection["send"]>[1]): void {
    this.connection.send(this.number, m);
  }

  private queueName(name: string): string {
    if (name !== "") return name;
    if (this.lastQueue === "") throw new ChannelError(ReplyCode.NOT_FOUND, "no previously declared queue");
    return this.lastQueue;
  }

  // ---- publishing -----------------------------------------------------------------------------

  onHeader(bodySize: number, properties: Buffer): void {
    const p = this.publishing;
    if (this.closing || p === null) return;
    const max = this.connection.broker.options.maxMessageSize;
    if (bodySize > max) {
      this.publishing = null;
      throw publishError(preconditionFailed(`message size ${bodySize} is larger than configured max size ${max}`));
    }
    p.properties = properties;
    p.bodySize = bodySize;
    if (bodySize === 0) this.published(p, EMPTY);
  }

  onBody(body: Buffer): void {
    const p = this.publishing;
    if (this.closing || p === null) return;
    if (p.received === 0 && body.length === p.bodySize) {
      // The whole body in one frame: keep the slice, no copy.
      this.published(p, body);
      return;
    }
    // Memory grows with what arrives, not with what the header announces.
    if (p.parts === null) p.parts = [];
    p.parts.push(body);
    p.received += body.length;
    if (p.received === p.bodySize) this.published(p, Buffer.concat(p.parts, p.bodySize));
  }

  private published(p: Publishing, body: Buffer): void {
    this.publishing = null;
    const message = new Message(p.exchange, p.routingKey, p.properties, body);
    const exchange = this.vhost.exchanges.get(p.exchange);
    if (exchange === undefined) throw publishError(notFound("exchange", p.exchange, this.vhost.name));
    if (exchange.options.internal) {
      throw publishError(accessRefused(`cannot publish to internal exchange '${p.exchange}' in vhost '${this.vhost.name}'`));
    }
    if (this.checkPermission !== undefined) {
      try {
        this.permit("write", "exchange", p.exchange);
      } catch (e) {
        throw publishError(e as ChannelError);
      }
    }
    if (this.tx !== null) {
      this.tx.push({ publish: message, mandatory: p.mandatory });
      return;
    }
    const logSeq = this.route(exchange, message, p.mandatory);
    if (this.confirm) this.confirmPublish(logSeq);
  }

  /**
   * Routes a message to its queues; returns the seq of its write-ahead log record when it is
   * persistent and reached a durable queue (0 when it did not, -1 when the log refused it).
   */
  private route(exchange: Exchange, message: Message, mandatory: boolean): number {
    const queues = this.vhost.route(exchange, message);
    const n = queues.length;
    const counters = this.counters;
    counters.published++;
    counters.routed += n;
    if (n === 0) {
      if (mandatory) counters.unroutableReturned++;
      else counters.unroutableDropped++;
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
    const store = this.connection.broker.store;
    if (store !== null) return store.publish(message, queues, n);
    for (let i = 0; i < n; i++) queues[i]!.enqueue(message, null);
    return 0;
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
    if (this.closing) return false;
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
    const commits = this.commitsAwaitingLog;
    while (commits.length > 0 && commits.peek()! <= synced) {
      commits.shift();
      this.reply({ id: MethodId.TxCommitOk });
    }
    return q.length > 0 || commits.length > 0;
  }

  /** @internal SyncWaiter: the log failed; what waits for it is refused. */
  logFailed(): void {
    if (this.closing) return;
    const q = this.awaitingLog;
    if (q.length > 0) {
      const upTo = this.publishSeq - q.length;
      if (upTo > this.confirmedUpTo) this.confirmed(upTo);
      q.clear();
      this.nack(this.publishSeq, this.publishSeq - upTo > 1);
    }
    if (this.commitsAwaitingLog.length > 0) {
      this.commitsAwaitingLog.clear();
      this.closeWithError(new ChannelError(ReplyCode.INTERNAL_ERROR, "INTERNAL_ERROR - write-ahead log failed", MethodId.TxCommit >>> 16, MethodId.TxCommit & 0xffff));
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
      this.connection.confirming.push(this);
      this.connection.scheduleFlush();
    }
    this.confirmedUpTo = seq;
  }

  sendConfirms(): void {
    if (this.closing || this.confirmedUpTo === this.confirmSent) return;
    const multiple = this.confirmedUpTo - this.confirmSent > 1;
    this.counters.confirmed += this.confirmedUpTo - this.confirmSent;
    this.confirmSent = this.confirmedUpTo;
    this.connection.writer.method(this.number, { id: MethodId.BasicAck, deliveryTag: this.confirmedUpTo, multiple });
  }

  /** Applies the transaction; returns the highest log seq of its publishes (0: none, -1: refused). */
  private commit(): number {
    const actions = this.tx!;
    this.tx = [];
    let logSeq = 0;
    for (const a of actions) {
      if ("publish" in a) {
        const exchange = this.vhost.exchanges.get(a.publish.exchange);
        if (exchange === undefined) continue;
        const s = this.route(exchange, a.publish, a.mandatory);
        if (s < 0 || logSeq < 0) logSeq = -1;
        else if (s > logSeq) logSeq = s;
      } else this.ack(a.ack, a.multiple, a.reject, a.requeue);
    }
    return logSeq;
  }

  // ---- consuming ------------------------------------------------------------------------------

  private consume(queueName: string, tag: string, _noLocal: boolean, noAck: boolean, exclusive: boolean, noWait: boolean, args: FieldTable): void {
    const vhost = this.vhost;
    const q = this.vhost.queue(this.queueName(queueName), this.connection);
    this.permit("read", "queue", q.name);
    if (tag === "") tag = `amq.ctag-${randomBytes(16).toString("base64url")}`;
    if (this.consumers.has(tag)) throw notAllowed(`attempt to reuse consumer tag '${tag}'`);
    if (q.exclusiveConsumer || (exclusive && q.consumerCount > 0)) {
      throw accessRefused(`queue '${q.name}' in vhost '${vhost.name}' in exclusive use`);
    }
    const consumer = new Consumer(tag, q, this, noAck, exclusive, this.prefetchCount, args);
    this.consumers.set(tag, consumer);
    // consume-ok goes out before the first delivery.
    if (!noWait) this.reply({ id: MethodId.BasicConsumeOk, consumerTag: tag });
    q.addConsumer(consumer);
  }

  private cancel(tag: string): void {
    const consumer = this.consumers.get(tag);
    if (consumer === undefined) return;
    this.consumers.delete(tag);
    if (consumer.queue.removeConsumer(consumer)) this.vhost.removeQueue(consumer.queue);
  }

  /** DeliverySink: the channel and its connection can take a delivery now. */
  canDeliver(): boolean {
    return (
      !this.closing &&
      this.flowActive &&
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
    if (consumer.noAck) counters.deliveredNoAck++;
    if (entry.redelivered) counters.redelivered++;
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

  /** DeliverySink: the queue was deleted; tell the client if it listens (consumer_cancel_notify). */
  cancelledByServer(consumer: Consumer): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    if (this.connection.consumerCancelNotify && !this.closing) {
      this.reply({ id: MethodId.BasicCancel, consumerTag: consumer.tag, noWait: true });
    }
  }

  private get(queueName: string, noAck: boolean): void {
    const q = this.vhost.queue(this.queueName(queueName), this.connection);
    this.permit("read", "queue", q.name);
    this.fetchFrom(q, noAck);
  }

  /**
   * basic.get-ok or get-empty. When the next message is on disk the answer waits for the read
   * (the client waits for it too: basic.get is synchronous).
   */
  private fetchFrom(q: Queue, noAck: boolean): void {
    if (this.closing) return;
    const entry = q.fetch(noAck);
    if (entry === undefined && q.messageCount > 0 && !q.deleted) {
      q.afterRead(() => this.fetchFrom(q, noAck));
      return;
    }
    if (entry === undefined) {
      this.counters.getEmpty++;
      this.reply({ id: MethodId.BasicGetEmpty });
      return;
    }
    this.counters.delivered++;
    if (noAck) this.counters.deliveredNoAck++;
    if (entry.redelivered) this.counters.redelivered++;
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

  // ---- acknowledgements -----------------------------------------------------------------------

  /** basic.ack / nack / reject: settle or requeue one delivery, or all up to `tag` (multiple). */
  private ack(tag: number, multiple: boolean, reject: boolean, requeue: boolean): void {
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
    else this.counters.acknowledged++;
    if (reject && requeue) u.queue.requeue(u.entry, u.consumer);
    else u.queue.settle(u.entry, u.consumer);
  }

  /** Every unacknowledged delivery goes back to its queue (basic.recover, channel close). */
  private requeueAll(): void {
    const queues = new Set<Queue>();
    for (const u of this.unacked.values()) {
      this.unackedCount--;
      u.queue.requeue(u.entry, u.consumer);
      queues.add(u.queue);
    }
    this.unacked.clear();
    for (const q of queues) q.drain();
  }

  /** There may be room again: let the queues this channel consumes from deliver. */
  resume(): void {
    if (!this.canDeliver()) return;
    for (const c of this.consumers.values()) c.queue.drain();
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
    this.connection.broker.store?.forget(this);
    this.publishing = null;
    this.tx = null;
    for (const tag of [...this.consumers.keys()]) this.cancel(tag);
    this.requeueAll();
  }
}

const EMPTY = Buffer.alloc(0);

/** Errors found once a publish's content is in carry basic.publish's ids, as RabbitMQ's do. */
function publishError(e: ChannelError): ChannelError {
  return new ChannelError(e.replyCode, e.message, MethodId.BasicPublish >>> 16, MethodId.BasicPublish & 0xffff);
}
