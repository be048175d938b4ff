/**
 * A transaction (tx.select): publishes and acknowledgements wait until tx.commit applies them in
 * order, or tx.rollback drops them. commit-ok goes out once the transaction's persistent messages
 * are on disk, as RabbitMQ does. Held publishes count against the memory watermark until the commit
 * hands them to their queues (or the rollback, or the channel's close, drops them).
 */
import { MethodId, ReplyCode } from "@amqp-go/protocol";
import { RingBuffer } from "@amqp-go/storage";
import { ChannelError } from "../errors.js";
import type { Message } from "../message.js";
import type { SyncWaiter } from "../store/message-store.js";
import type { ChannelContext } from "./context.js";
import type { Deliveries } from "./deliveries.js";
import type { Publisher } from "./publish.js";

type TxAction =
  | { readonly publish: Message; readonly mandatory: boolean }
  | { readonly ack: number; readonly multiple: boolean; readonly reject: boolean; readonly requeue: boolean };

export class Transaction implements SyncWaiter {
  private actions: TxAction[] = [];
  /** Log seqs each tx.commit-ok waits for, in order. */
  private readonly commitsAwaitingLog = new RingBuffer<number>();
  /** Octets of the held publishes, counted in the broker's memory monitor. */
  private held = 0;

  constructor(
    private readonly channel: ChannelContext,
    private readonly publisher: Publisher,
    private readonly deliveries: Deliveries,
  ) {}

  publish(message: Message, mandatory: boolean): void {
    // Held until the commit: it must not pin the socket buffer it arrived in.
    message.compact();
    const n = message.size;
    this.held += n;
    this.channel.vhost.memory.add(n);
    this.actions.push({ publish: message, mandatory });
  }

  /** basic.ack, nack or reject, held until the commit. */
  ack(tag: number, multiple: boolean, reject: boolean, requeue: boolean): void {
    this.actions.push({ ack: tag, multiple, reject, requeue });
  }

  rollback(): void {
    this.actions = [];
    this.drop();
  }

  /** The channel closes: held publishes are dropped. */
  release(): void {
    this.rollback();
  }

  private drop(): void {
    if (this.held === 0) return;
    this.channel.vhost.memory.sub(this.held);
    this.held = 0;
  }

  /** tx.commit: applies the transaction; commit-ok now, or once its persistent messages are on disk. */
  commit(): void {
    const logSeq = this.apply();
    const store = this.channel.connection.broker.store;
    if (logSeq < 0) throw new ChannelError(ReplyCode.INTERNAL_ERROR, "INTERNAL_ERROR - write-ahead log failed", MethodId.TxCommit >>> 16, MethodId.TxCommit & 0xffff);
    const commits = this.commitsAwaitingLog;
    if ((logSeq === 0 || logSeq <= store!.syncedSeq) && commits.length === 0) this.channel.reply({ id: MethodId.TxCommitOk });
    else {
      if (commits.length === 0) store!.waitForSync(this);
      commits.push(logSeq);
    }
  }

  /** Applies the actions; returns the highest log seq of their publishes (0: none, -1: refused). */
  private apply(): number {
    const actions = this.actions;
    this.actions = [];
    const vhost = this.channel.vhost;
    let logSeq = 0;
    for (const a of actions) {
      if ("publish" in a) {
        // Uncounted just before its queues count it: the total does not swing across the watermark.
        const n = a.publish.size;
        this.held -= n;
        vhost.memory.sub(n);
        const exchange = vhost.exchanges.get(a.publish.exchange);
        if (exchange === undefined) continue;
        const s = this.publisher.route(exchange, a.publish, a.mandatory);
        if (s < 0 || logSeq < 0) logSeq = -1;
        else if (s > logSeq) logSeq = s;
      } else this.deliveries.ack(a.ack, a.multiple, a.reject, a.requeue);
    }
    return logSeq;
  }

  /** @internal SyncWaiter: log records up to `synced` are on disk. */
  logSynced(synced: number): boolean {
    if (this.channel.closing) return false;
    const commits = this.commitsAwaitingLog;
    while (commits.length > 0 && commits.peek()! <= synced) {
      commits.shift();
      this.channel.reply({ id: MethodId.TxCommitOk });
    }
    return commits.length > 0;
  }

  /** @internal SyncWaiter: the log failed; a commit waiting for it fails the channel. */
  logFailed(): void {
    if (this.channel.closing) return;
    if (this.commitsAwaitingLog.length > 0) {
      this.commitsAwaitingLog.clear();
      this.channel.closeWithError(new ChannelError(ReplyCode.INTERNAL_ERROR, "INTERNAL_ERROR - write-ahead log failed", MethodId.TxCommit >>> 16, MethodId.TxCommit & 0xffff));
    }
  }
}
