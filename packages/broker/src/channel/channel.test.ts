/**
 * A channel in-process, on a test connection (ChannelConnection) and a scripted write-ahead log:
 * the orderings a real server test cannot pin down, because they depend on when the log syncs.
 */
import { FrameParser, FrameWriter, type Method, MethodId } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { GuestAuthenticator } from "../authenticator.js";
import { ChannelError } from "../errors.js";
import { MemoryMonitor } from "../memory.js";
import { BrokerCounters } from "../ports.js";
import type { Message } from "../message.js";
import type { MessageStore, PublishTarget, SyncWaiter } from "../store/message-store.js";
import { Vhost } from "../vhost.js";
import { Channel } from "./channel.js";
import type { ChannelBroker, ChannelConnection } from "./context.js";

/** The write-ahead log as a channel uses it: log seqs handed out by script, synced when told. */
class ScriptedLog {
  syncedSeq = 0;
  /** The log seq of each next publish (0: transient, -1: refused). */
  readonly next: number[] = [];
  readonly waiters = new Set<SyncWaiter>();
  /** Disk flow: never over its mark here. */
  readonly flow = { over: false };
  /** As MessageStore.publish: every target gets the message (in memory here), and the log seq is returned. */
  publish(message: Message, targets: ArrayLike<PublishTarget>, n: number): number {
    for (let i = 0; i < n; i++) targets[i]!.enqueue(message, null);
    return this.next.shift() ?? 0;
  }
  waitForSync(w: SyncWaiter): void {
    this.waiters.add(w);
  }
  forget(w: SyncWaiter): void {
    this.waiters.delete(w);
  }
  sync(seq: number): void {
    this.syncedSeq = seq;
    for (const w of this.waiters) if (!w.logSynced(seq)) this.waiters.delete(w);
  }
  fail(): void {
    for (const w of this.waiters) w.logFailed();
    this.waiters.clear();
  }
}

class TestConnection implements ChannelConnection {
  readonly vhost = new Vhost("/", new MemoryMonitor(1 << 30));
  readonly user = "guest";
  readonly broker: ChannelBroker;
  readonly writer = new FrameWriter();
  writeBlocked = false;
  consumerCancelNotify = false;
  readonly confirming: { sendConfirms(): void }[] = [];
  readonly closed: Channel[] = [];
  private readonly out: string[] = [];
  private readonly parser = new FrameParser(
    { onMethod: (_ch, m) => void this.out.push(label(m)), onHeader: () => {}, onBody: () => {}, onHeartbeat: () => {} },
    { frameMax: 0 },
  );

  constructor(readonly log: ScriptedLog) {
    this.broker = {
      counters: new BrokerCounters(),
      options: { authenticator: new GuestAuthenticator(), maxMessageSize: 1 << 20 },
      store: log as unknown as MessageStore,
    };
  }
  send(channel: number, method: Parameters<FrameWriter["method"]>[1]): void {
    this.writer.method(channel, method);
  }
  scheduleFlush(): void {}
  notePublish(): void {}
  heldBackBy(): void {}
  flowResumed(): void {}
  channelClosed(c: Channel): void {
    this.closed.push(c);
  }
  /** What the connection's flush does (due confirms, then the output), decoded to method labels. */
  flush(): string[] {
    for (const c of this.confirming.splice(0)) c.sendConfirms();
    this.parser.push(this.writer.take());
    return this.out.splice(0);
  }
}

function label(m: Method): string {
  switch (m.id) {
    case MethodId.BasicAck:
      return `ack ${m.deliveryTag}${m.multiple ? "+" : ""}`;
    case MethodId.BasicNack:
      return `nack ${m.deliveryTag}${m.multiple ? "+" : ""}`;
    case MethodId.ChannelClose:
      return `channel.close ${m.replyCode} ${m.classId}/${m.methodId}`;
    case MethodId.ConfirmSelectOk:
      return "confirm.select-ok";
    case MethodId.TxSelectOk:
      return "tx.select-ok";
    case MethodId.TxCommitOk:
      return "tx.commit-ok";
    case MethodId.TxRollbackOk:
      return "tx.rollback-ok";
    case MethodId.QueueDeclareOk:
      return "queue.declare-ok";
    case MethodId.ChannelCloseOk:
      return "channel.close-ok";
  }
  return `${m.id >>> 16}/${m.id & 0xffff}`;
}

const PERSISTENT = Buffer.from([0x10, 0x00, 2]);

/** A channel on a fresh test connection, with queue "q" declared. */
function open(): { ch: Channel; conn: TestConnection; log: ScriptedLog } {
  const log = new ScriptedLog();
  const conn = new TestConnection(log);
  const ch = new Channel(conn, 1);
  ch.onMethod({ id: MethodId.QueueDeclare, reserved1: 0, queue: "q", passive: false, durable: true, exclusive: false, autoDelete: false, noWait: false, arguments: {} });
  expect(conn.flush()).toEqual(["queue.declare-ok"]);
  return { ch, conn, log };
}

function publish(ch: Channel, n = 1): void {
  for (let i = 0; i < n; i++) {
    ch.onMethod({ id: MethodId.BasicPublish, reserved1: 0, exchange: "", routingKey: "q", mandatory: false, immediate: false });
    ch.onHeader(1, PERSISTENT);
    ch.onBody(Buffer.from("x"));
  }
}

const method = (id: typeof MethodId.TxSelect | typeof MethodId.TxCommit | typeof MethodId.TxRollback): Method => ({ id }) as Method;

describe("Channel: publisher confirms", () => {
  it("go out in publish order: a transient publish waits behind a persistent one; a refused one is nacked after the acks before it", () => {
    const { ch, conn, log } = open();
    ch.onMethod({ id: MethodId.ConfirmSelect, noWait: false });
    expect(conn.flush()).toEqual(["confirm.select-ok"]);
    log.next.push(3, 0, -1, 0, 5);
    publish(ch, 5);
    expect(conn.flush()).toEqual([]);
    log.sync(3);
    expect(conn.flush()).toEqual(["ack 2+", "nack 3", "ack 4"]);
    expect(log.waiters.size).toBe(1);
    log.sync(5);
    expect(conn.flush()).toEqual(["ack 5"]);
    expect(log.waiters.size).toBe(0);
    // Four publishes acked, one nacked.
    expect(conn.broker.counters.confirmed).toBe(4);
  });

  it("are acked at once, many in one multiple ack, when nothing waits for the log", () => {
    const { ch, conn, log } = open();
    ch.onMethod({ id: MethodId.ConfirmSelect, noWait: true });
    log.next.push(0, 0, 0);
    publish(ch, 3);
    expect(conn.flush()).toEqual(["ack 3+"]);
    expect(log.waiters.size).toBe(0);
  });

  it("are nacked, in one multiple nack after the acks before them, when the log fails", () => {
    const { ch, conn, log } = open();
    ch.onMethod({ id: MethodId.ConfirmSelect, noWait: true });
    log.next.push(0, 4, 0, 6);
    publish(ch, 4);
    log.fail();
    expect(conn.flush()).toEqual(["ack 1", "nack 4+"]);
  });

  it("stop with the channel: nothing is confirmed after channel.close", () => {
    const { ch, conn, log } = open();
    ch.onMethod({ id: MethodId.ConfirmSelect, noWait: true });
    log.next.push(2);
    publish(ch);
    ch.onMethod({ id: MethodId.ChannelClose, replyCode: 200, replyText: "", classId: 0, methodId: 0 });
    expect(log.waiters.size).toBe(0);
    log.sync(2);
    expect(conn.flush()).toEqual(["channel.close-ok"]);
    expect(conn.closed).toEqual([ch]);
  });
});

describe("Channel: transactions", () => {
  it("hold publishes until tx.commit, whose commit-ok waits for the log; tx.rollback drops them", () => {
    const { ch, conn, log } = open();
    const q = conn.vhost.queues.get("q")!;
    ch.onMethod(method(MethodId.TxSelect));
    publish(ch, 2);
    ch.onMethod(method(MethodId.TxRollback));
    expect(conn.flush()).toEqual(["tx.select-ok", "tx.rollback-ok"]);
    expect(q.messageCount).toBe(0);
    log.next.push(7, 0);
    publish(ch, 2);
    expect(q.messageCount).toBe(0);
    ch.onMethod(method(MethodId.TxCommit));
    expect(q.messageCount).toBe(2);
    expect(conn.flush()).toEqual([]);
    log.sync(6);
    expect(conn.flush()).toEqual([]);
    log.sync(7);
    expect(conn.flush()).toEqual(["tx.commit-ok"]);
    // A commit with nothing persistent is answered at once.
    ch.onMethod(method(MethodId.TxCommit));
    expect(conn.flush()).toEqual(["tx.commit-ok"]);
    expect(log.waiters.size).toBe(0);
  });

  it("close the channel with 541 on tx.commit when the log fails under a commit", () => {
    const { ch, conn, log } = open();
    ch.onMethod(method(MethodId.TxSelect));
    log.next.push(3);
    publish(ch);
    ch.onMethod(method(MethodId.TxCommit));
    log.fail();
    expect(conn.flush()).toEqual(["tx.select-ok", "channel.close 541 90/20"]);
    expect(ch.closing).toBe(true);
  });

  it("and confirm mode exclude each other: 406 on the method that switches", () => {
    const { ch } = open();
    ch.onMethod(method(MethodId.TxSelect));
    let error: unknown;
    try {
      ch.onMethod({ id: MethodId.ConfirmSelect, noWait: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelError);
    expect([(error as ChannelError).replyCode, (error as ChannelError).classId, (error as ChannelError).methodId]).toEqual([406, 85, 10]);
    const other = open().ch;
    other.onMethod({ id: MethodId.ConfirmSelect, noWait: true });
    expect(() => other.onMethod(method(MethodId.TxSelect))).toThrow("cannot switch from confirm to tx mode");
  });
});
