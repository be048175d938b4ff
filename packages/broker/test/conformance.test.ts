/**
 * What RabbitMQ 3.10.8 answers, case by case, verbatim: reply code, reply text, class and method of
 * the close, channel or connection. The expectations were recorded against a real RabbitMQ on this
 * machine (shared/rabbitmq.md) with the same raw client; each case runs on a fresh connection with
 * channel 1 open and checks that the connection (or a new one) still works afterwards.
 */
import { type MethodArgs, MethodId } from "@amqp-go/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { useBroker } from "./helpers.js";
import { RawClient } from "./raw-client.js";

const t = useBroker();
const open: RawClient[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.destroy();
});

async function client(): Promise<RawClient> {
  const c = await RawClient.open(t.port, { capabilities: { consumer_cancel_notify: true, authentication_failure_close: true } });
  await c.openChannel(1);
  open.push(c);
  return c;
}

/** Sends `m` on channel 1 and returns the reply (a method on channel 1 or 0). */
async function call(c: RawClient, m: MethodArgs, ch = 1) {
  c.send(ch, m);
  const f = await c.next();
  if (f.type !== "method") throw new Error(`expected a method, got ${f.type}`);
  return f;
}

const declareQ = (queue: string, o: Partial<{ passive: boolean; durable: boolean; exclusive: boolean; autoDelete: boolean; arguments: Record<string, number | string> }> = {}): MethodArgs => ({
  id: MethodId.QueueDeclare,
  queue,
  passive: o.passive ?? false,
  durable: o.durable ?? false,
  exclusive: o.exclusive ?? false,
  autoDelete: o.autoDelete ?? false,
  noWait: false,
  arguments: o.arguments ?? {},
});
const declareX = (exchange: string, type: string, o: Partial<{ passive: boolean; durable: boolean; autoDelete: boolean; internal: boolean; arguments: Record<string, string> }> = {}): MethodArgs => ({
  id: MethodId.ExchangeDeclare,
  exchange,
  type,
  passive: o.passive ?? false,
  durable: o.durable ?? false,
  autoDelete: o.autoDelete ?? false,
  internal: o.internal ?? false,
  noWait: false,
  arguments: o.arguments ?? {},
});
const bindQ = (queue: string, exchange: string, routingKey = ""): MethodArgs => ({ id: MethodId.QueueBind, queue, exchange, routingKey, noWait: false, arguments: {} });
const unbindQ = (queue: string, exchange: string, routingKey = ""): MethodArgs => ({ id: MethodId.QueueUnbind, queue, exchange, routingKey, arguments: {} });
const consume = (queue: string, consumerTag = "", exclusive = false): MethodArgs => ({
  id: MethodId.BasicConsume,
  queue,
  consumerTag,
  noLocal: false,
  noAck: false,
  exclusive,
  noWait: false,
  arguments: {},
});
const get = (queue: string): MethodArgs => ({ id: MethodId.BasicGet, queue, noAck: false });

/** Expects channel.close with exactly this code, text, class and method; answers close-ok. */
async function channelClosed(c: RawClient, f: { channel: number; method: { id: number } }, code: number, text: string, classId: number, methodId: number) {
  expect(f.channel).toBe(1);
  expect(f.method).toEqual({ id: MethodId.ChannelClose, replyCode: code, replyText: text, classId, methodId });
  c.send(1, { id: MethodId.ChannelCloseOk });
  // The channel number is free again and the connection works.
  await c.openChannel(1);
}

/** Expects connection.close with exactly this code, text, class and method; a new connection works. */
async function connectionClosed(c: RawClient, f: { channel: number; method: { id: number } }, code: number, text: string, classId: number, methodId: number) {
  expect(f.channel).toBe(0);
  expect(f.method).toEqual({ id: MethodId.ConnectionClose, replyCode: code, replyText: text, classId, methodId });
  c.send(0, { id: MethodId.ConnectionCloseOk });
  await c.waitClosed();
  await client();
}

const RESOURCE_LOCKED = (q: string) =>
  `RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '${q}' in vhost '/'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`;

describe("missing entities (RabbitMQ table 1)", () => {
  it.each([
    ["exchange.declare passive", declareX("ex-missing", "direct", { passive: true }), "NOT_FOUND - no exchange 'ex-missing' in vhost '/'", 40, 10],
    ["queue.declare passive", declareQ("q-missing", { passive: true }), "NOT_FOUND - no queue 'q-missing' in vhost '/'", 50, 10],
    ["queue.bind to a missing exchange", bindQ("q-missing", "ex-missing"), "NOT_FOUND - no exchange 'ex-missing' in vhost '/'", 50, 20],
    ["queue.bind of a missing queue", bindQ("q-missing", "amq.direct"), "NOT_FOUND - no queue 'q-missing' in vhost '/'", 50, 20],
    ["basic.consume", consume("q-missing"), "NOT_FOUND - no queue 'q-missing' in vhost '/'", 60, 20],
    ["basic.get", get("q-missing"), "NOT_FOUND - no queue 'q-missing' in vhost '/'", 60, 70],
    ["queue.purge", { id: MethodId.QueuePurge, queue: "q-missing", noWait: false } as MethodArgs, "NOT_FOUND - no queue 'q-missing' in vhost '/'", 50, 30],
    ["exchange.bind, missing destination", { id: MethodId.ExchangeBind, destination: "ex-missing", source: "amq.direct", routingKey: "", noWait: false } as MethodArgs, "NOT_FOUND - no exchange 'ex-missing' in vhost '/'", 40, 30],
  ])("%s: 404 channel error", async (_name, method, text, classId, methodId) => {
    const c = await client();
    await channelClosed(c, await call(c, method), 404, text, classId, methodId);
  });

  it.each([
    ["queue.delete", { id: MethodId.QueueDelete, queue: "q-missing", ifUnused: true, ifEmpty: true, noWait: false } as MethodArgs, { id: MethodId.QueueDeleteOk, messageCount: 0 }],
    ["exchange.delete", { id: MethodId.ExchangeDelete, exchange: "ex-missing", ifUnused: true, noWait: false } as MethodArgs, { id: MethodId.ExchangeDeleteOk }],
    ["queue.unbind", unbindQ("q-missing", "amq.direct"), { id: MethodId.QueueUnbindOk }],
    ["basic.cancel of an unknown tag", { id: MethodId.BasicCancel, consumerTag: "nope", noWait: false } as MethodArgs, { id: MethodId.BasicCancelOk, consumerTag: "nope" }],
  ])("%s of something missing is no error", async (_name, method, reply) => {
    const c = await client();
    expect((await call(c, method)).method).toEqual(reply);
  });

  it("publishing to a missing exchange: 404 with basic.publish's ids", async () => {
    const c = await client();
    c.publish(1, "ex-missing", "k", Buffer.from("x"));
    await channelClosed(c, (await c.next()) as never, 404, "NOT_FOUND - no exchange 'ex-missing' in vhost '/'", 60, 40);
  });

  it("an empty queue name with no queue declared before on the channel", async () => {
    const c = await client();
    await channelClosed(c, await call(c, get("")), 404, "NOT_FOUND - no previously declared queue", 60, 70);
  });
});

describe("redeclaring (RabbitMQ table 2)", () => {
  it.each([
    ["type", declareX("ex-t", "fanout"), "inequivalent arg 'type' for exchange 'ex-t' in vhost '/': received 'fanout' but current is 'direct'"],
    ["durable", declareX("ex-t", "direct", { durable: true }), "inequivalent arg 'durable' for exchange 'ex-t' in vhost '/': received 'true' but current is 'false'"],
    ["auto_delete", declareX("ex-t", "direct", { autoDelete: true }), "inequivalent arg 'auto_delete' for exchange 'ex-t' in vhost '/': received 'true' but current is 'false'"],
    ["internal", declareX("ex-t", "direct", { internal: true }), "inequivalent arg 'internal' for exchange 'ex-t' in vhost '/': received 'true' but current is 'false'"],
    [
      "alternate-exchange",
      declareX("ex-t", "direct", { arguments: { "alternate-exchange": "amq.fanout" } }),
      "inequivalent arg 'alternate-exchange' for exchange 'ex-t' in vhost '/': received the value 'amq.fanout' of type 'longstr' but current is none",
    ],
  ])("an exchange with another %s: 406", async (_name, method, text) => {
    const c = await client();
    expect((await call(c, declareX("ex-t", "direct"))).method.id).toBe(MethodId.ExchangeDeclareOk);
    await channelClosed(c, await call(c, method), 406, `PRECONDITION_FAILED - ${text}`, 40, 10);
    expect((await call(c, declareX("ex-t", "fanout", { passive: true }))).method.id).toBe(MethodId.ExchangeDeclareOk);
    await call(c, { id: MethodId.ExchangeDelete, exchange: "ex-t", ifUnused: false, noWait: false });
  });

  it.each([
    ["durable", declareQ("q-eq", { durable: true }), 406, "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q-eq' in vhost '/': received 'true' but current is 'false'"],
    ["auto_delete", declareQ("q-eq", { autoDelete: true }), 406, "PRECONDITION_FAILED - inequivalent arg 'auto_delete' for queue 'q-eq' in vhost '/': received 'true' but current is 'false'"],
    ["exclusive", declareQ("q-eq", { exclusive: true }), 405, RESOURCE_LOCKED("q-eq")],
    [
      "x-message-ttl",
      declareQ("q-eq", { arguments: { "x-message-ttl": 5000 } }),
      406,
      "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q-eq' in vhost '/': received the value '5000' of type 'short' but current is none",
    ],
  ])("a queue with another %s", async (_name, method, code, text) => {
    const c = await client();
    expect((await call(c, declareQ("q-eq"))).method.id).toBe(MethodId.QueueDeclareOk);
    await channelClosed(c, await call(c, method), code, text, 50, 10);
    await call(c, { id: MethodId.QueueDelete, queue: "q-eq", ifUnused: false, ifEmpty: false, noWait: false });
  });

  it("an unknown exchange type is a connection error, 503", async () => {
    const c = await client();
    await connectionClosed(c, await call(c, declareX("ex-bogus", "bogus")), 503, "COMMAND_INVALID - unknown exchange type 'bogus'", 40, 10);
  });
});

describe("reserved names and the default exchange (RabbitMQ table 3)", () => {
  it.each([
    ["declare amq.foo", declareX("amq.foo", "direct"), 403, "ACCESS_REFUSED - exchange name 'amq.foo' contains reserved prefix 'amq.*'", 40, 10],
    ["declare amq.foo passive", declareX("amq.foo", "direct", { passive: true }), 404, "NOT_FOUND - no exchange 'amq.foo' in vhost '/'", 40, 10],
    ["delete amq.direct", { id: MethodId.ExchangeDelete, exchange: "amq.direct", ifUnused: false, noWait: false } as MethodArgs, 403, "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed", 40, 20],
    ["declare the default exchange", declareX("", "direct", { durable: true }), 403, "ACCESS_REFUSED - operation not permitted on the default exchange", 40, 10],
    ["declare the default exchange passive", declareX("", "direct", { passive: true }), 403, "ACCESS_REFUSED - operation not permitted on the default exchange", 40, 10],
    ["delete the default exchange", { id: MethodId.ExchangeDelete, exchange: "", ifUnused: false, noWait: false } as MethodArgs, 403, "ACCESS_REFUSED - operation not permitted on the default exchange", 40, 20],
    ["bind to the default exchange", bindQ("q1", ""), 403, "ACCESS_REFUSED - operation not permitted on the default exchange", 50, 20],
    ["unbind from the default exchange", unbindQ("q1", ""), 403, "ACCESS_REFUSED - operation not permitted on the default exchange", 50, 50],
    ["declare queue amq.myq", declareQ("amq.myq"), 403, "ACCESS_REFUSED - queue name 'amq.myq' contains reserved prefix 'amq.*'", 50, 10],
  ])("%s", async (_name, method, code, text, classId, methodId) => {
    const c = await client();
    await call(c, declareQ("q1"));
    await channelClosed(c, await call(c, method), code, text, classId, methodId);
  });

  it("amq.direct may be redeclared as it is, not as another type", async () => {
    const c = await client();
    expect((await call(c, declareX("amq.direct", "direct", { durable: true }))).method.id).toBe(MethodId.ExchangeDeclareOk);
    await channelClosed(
      c,
      await call(c, declareX("amq.direct", "fanout", { durable: true })),
      406,
      "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'amq.direct' in vhost '/': received 'fanout' but current is 'direct'",
      40,
      10,
    );
  });
});

describe("exclusive queues and consumers (RabbitMQ table 4)", () => {
  it("another connection gets 405 for each use, and may publish into it", async () => {
    const owner = await client();
    await call(owner, declareQ("q-x", { exclusive: true }));
    await call(owner, bindQ("q-x", "amq.direct", "bound"));
    for (const [m, classId, methodId] of [
      [declareQ("q-x", { exclusive: true }), 50, 10],
      [declareQ("q-x", { passive: true }), 50, 10],
      [consume("q-x"), 60, 20],
      [bindQ("q-x", "amq.direct", "k"), 50, 20],
      [unbindQ("q-x", "amq.direct", "bound"), 50, 50],
      [{ id: MethodId.QueueDelete, queue: "q-x", ifUnused: false, ifEmpty: false, noWait: false }, 50, 40],
      [get("q-x"), 60, 70],
      [{ id: MethodId.QueuePurge, queue: "q-x", noWait: false }, 50, 30],
    ] as [MethodArgs, number, number][]) {
      const other = await client();
      await channelClosed(other, await call(other, m), 405, RESOURCE_LOCKED("q-x"), classId, methodId);
    }
    const other = await client();
    expect((await call(other, unbindQ("q-x", "amq.direct", "never-bound"))).method.id).toBe(MethodId.QueueUnbindOk);
    other.publish(1, "", "q-x", Buffer.from("allowed"));
    expect((await call(owner, declareQ("q-x", { passive: true }))).method).toMatchObject({ messageCount: 1, consumerCount: 0 });
  });

  it("exclusive consumers: 403 in exclusive use; basic.get is not blocked", async () => {
    const c = await client();
    await call(c, declareQ("q-ec"));
    c.publish(1, "", "q-ec", Buffer.from("m1"));
    await call(c, consume("q-ec", "first", true));
    const other = await client();
    await channelClosed(other, await call(other, consume("q-ec")), 403, "ACCESS_REFUSED - queue 'q-ec' in vhost '/' in exclusive use", 60, 20);
    expect((await call(other, get("q-ec"))).method.id).toBe(MethodId.BasicGetEmpty);
    await call(c, { id: MethodId.QueueDelete, queue: "q-ec", ifUnused: false, ifEmpty: false, noWait: false });
  });
});

describe("queue.delete conditions (RabbitMQ table 5)", () => {
  it("in use, not empty, and not empty first when both", async () => {
    const c = await client();
    await call(c, declareQ("q-del"));
    c.publish(1, "", "q-del", Buffer.from("x"));
    const del = (ifUnused: boolean, ifEmpty: boolean): MethodArgs => ({ id: MethodId.QueueDelete, queue: "q-del", ifUnused, ifEmpty, noWait: false });
    await channelClosed(c, await call(c, del(false, true)), 406, "PRECONDITION_FAILED - queue 'q-del' in vhost '/' not empty", 50, 40);
    await c.openChannel(2);
    await call(c, { id: MethodId.BasicQos, prefetchSize: 0, prefetchCount: 1, global: false }, 2);
    await call(c, consume("q-del", "c1"), 2);
    for (let i = 0; i < 3; i++) await c.next(); // the delivery of "x": method, header, body
    c.publish(1, "", "q-del", Buffer.from("y")); // channel 1 handles it before the delete below
    await channelClosed(c, await call(c, del(true, true)), 406, "PRECONDITION_FAILED - queue 'q-del' in vhost '/' not empty", 50, 40);
    // delete-ok counts ready messages only (y; x is unacknowledged), then c1 hears of it.
    expect((await call(c, del(false, false))).method).toEqual({ id: MethodId.QueueDeleteOk, messageCount: 1 });
    expect(await c.next()).toEqual({ type: "method", channel: 2, method: { id: MethodId.BasicCancel, consumerTag: "c1", noWait: true } });
  });
});

describe("acknowledgements (RabbitMQ table 6)", () => {
  it.each([
    ["ack of an unknown tag", { id: MethodId.BasicAck, deliveryTag: 5, multiple: false } as MethodArgs, "unknown delivery tag 5", 80],
    ["ack multiple of an unknown tag", { id: MethodId.BasicAck, deliveryTag: 7, multiple: true } as MethodArgs, "unknown delivery tag 7", 80],
    ["ack of tag 0, not multiple", { id: MethodId.BasicAck, deliveryTag: 0, multiple: false } as MethodArgs, "unknown delivery tag 0", 80],
    ["reject of an unknown tag", { id: MethodId.BasicReject, deliveryTag: 9, requeue: true } as MethodArgs, "unknown delivery tag 9", 90],
    ["nack of an unknown tag", { id: MethodId.BasicNack, deliveryTag: 9, multiple: true, requeue: true } as MethodArgs, "unknown delivery tag 9", 120],
  ])("%s: 406", async (_name, method, text, methodId) => {
    const c = await client();
    c.send(1, method);
    await channelClosed(c, (await c.next()) as never, 406, `PRECONDITION_FAILED - ${text}`, 60, methodId);
  });

  it("ack of tag 0 with multiple and nothing outstanding is a no-op", async () => {
    const c = await client();
    c.send(1, { id: MethodId.BasicAck, deliveryTag: 0, multiple: true });
    c.send(1, { id: MethodId.BasicNack, deliveryTag: 0, multiple: true, requeue: true });
    expect((await call(c, declareQ("q-a0"))).method.id).toBe(MethodId.QueueDeclareOk);
  });
});

describe("connection errors from channel methods (RabbitMQ tables 7, 8, 10)", () => {
  it.each([
    ["qos with a prefetch size", { id: MethodId.BasicQos, prefetchSize: 1000, prefetchCount: 10, global: false } as MethodArgs, 540, "NOT_IMPLEMENTED - prefetch_size!=0 (1000)", 60, 10],
    ["recover without requeue", { id: MethodId.BasicRecover, requeue: false } as MethodArgs, 540, "NOT_IMPLEMENTED - requeue=false", 60, 110],
    ["recover-async without requeue", { id: MethodId.BasicRecoverAsync, requeue: false } as MethodArgs, 540, "NOT_IMPLEMENTED - requeue=false", 60, 100],
    ["channel.flow active=false", { id: MethodId.ChannelFlow, active: false } as MethodArgs, 540, "NOT_IMPLEMENTED - active=false", 20, 20],
    ["a second channel.open", { id: MethodId.ChannelOpen } as MethodArgs, 504, "CHANNEL_ERROR - second 'channel.open' seen", 20, 10],
  ])("%s", async (_name, method, code, text, classId, methodId) => {
    const c = await client();
    await connectionClosed(c, await call(c, method), code, text, classId, methodId);
  });

  it("publish with immediate=true: 540", async () => {
    const c = await client();
    c.send(1, { id: MethodId.BasicPublish, exchange: "amq.direct", routingKey: "k", mandatory: false, immediate: true });
    await connectionClosed(c, (await c.next()) as never, 540, "NOT_IMPLEMENTED - immediate=true", 60, 40);
  });

  it("a method on a channel never opened, and on channel 0: 504", async () => {
    const c = await client();
    await connectionClosed(c, await call(c, declareQ("q"), 5), 504, "CHANNEL_ERROR - expected 'channel.open'", 50, 10);
    const d = await client();
    await connectionClosed(d, await call(d, declareQ("q"), 0), 504, "CHANNEL_ERROR - unexpected method in connection state running", 50, 10);
  });

  it("a connection method on channel 1: 503", async () => {
    const c = await client();
    await connectionClosed(c, await call(c, { id: MethodId.ConnectionOpen, virtualHost: "/" }), 503, "COMMAND_INVALID - unimplemented method", 10, 40);
  });

  it("a consumer tag reused on the same channel: 530; on another channel it is fine", async () => {
    const c = await client();
    await call(c, declareQ("q-tags"));
    await call(c, consume("q-tags", "dup"));
    await c.openChannel(2);
    expect((await call(c, consume("q-tags", "dup"), 2)).method).toEqual({ id: MethodId.BasicConsumeOk, consumerTag: "dup" });
    await connectionClosed(c, await call(c, consume("q-tags", "dup")), 530, "NOT_ALLOWED - attempt to reuse consumer tag 'dup'", 60, 20);
  });

  it("the channel_max-th channel.open beyond the count: 530 with 0/0; a high channel number is fine", async () => {
    const c = await RawClient.open(t.port, { channelMax: 3 });
    open.push(c);
    await c.openChannel(1);
    await c.openChannel(500);
    await c.openChannel(3);
    await connectionClosed(c, await call(c, { id: MethodId.ChannelOpen }, 2), 530, "NOT_ALLOWED - number of channels opened (3) has reached the negotiated channel_max (3)", 0, 0);
  });
});

describe("transactions and confirms (RabbitMQ table 7)", () => {
  it.each([
    ["tx.commit without tx.select", { id: MethodId.TxCommit } as MethodArgs, "PRECONDITION_FAILED - channel is not transactional", 90, 20],
    ["tx.rollback without tx.select", { id: MethodId.TxRollback } as MethodArgs, "PRECONDITION_FAILED - channel is not transactional", 90, 30],
  ])("%s: 406", async (_name, method, text, classId, methodId) => {
    const c = await client();
    await channelClosed(c, await call(c, method), 406, text, classId, methodId);
  });

  it("switching modes: 406 both ways; selecting twice is fine", async () => {
    const c = await client();
    expect((await call(c, { id: MethodId.TxSelect })).method.id).toBe(MethodId.TxSelectOk);
    expect((await call(c, { id: MethodId.TxSelect })).method.id).toBe(MethodId.TxSelectOk);
    await channelClosed(c, await call(c, { id: MethodId.ConfirmSelect, noWait: false }), 406, "PRECONDITION_FAILED - cannot switch from tx to confirm mode", 85, 10);
    expect((await call(c, { id: MethodId.ConfirmSelect, noWait: false })).method.id).toBe(MethodId.ConfirmSelectOk);
    expect((await call(c, { id: MethodId.ConfirmSelect, noWait: false })).method.id).toBe(MethodId.ConfirmSelectOk);
    await channelClosed(c, await call(c, { id: MethodId.TxSelect }), 406, "PRECONDITION_FAILED - cannot switch from confirm to tx mode", 90, 10);
  });
});

describe("names and counts (RabbitMQ tables 12, 14)", () => {
  it("server names, get-empty, get-ok message counts, requeue order", async () => {
    const c = await client();
    const ok = (await call(c, declareQ(""))).method as { queue: string };
    expect(ok.queue).toMatch(/^amq\.gen-[A-Za-z0-9_-]{22}$/);
    expect((await call(c, get(""))).method).toEqual({ id: MethodId.BasicGetEmpty, reserved1: "" });
    for (let i = 1; i <= 10; i++) c.publish(1, "", ok.queue, Buffer.from(String(i)));
    const bodies: string[] = [];
    const take = async () => {
      const f = await call(c, get(ok.queue));
      if (f.method.id === MethodId.BasicGetEmpty) return undefined;
      await c.next(); // header
      const body = await c.next();
      return { method: f.method as { deliveryTag: number; messageCount: number; redelivered: boolean }, body: body.type === "body" ? body.body.toString() : "" };
    };
    const first = await take();
    expect(first?.method.messageCount).toBe(9);
    for (let i = 2; i <= 5; i++) await take();
    c.send(1, { id: MethodId.BasicNack, deliveryTag: 4, multiple: false, requeue: true });
    c.send(1, { id: MethodId.BasicNack, deliveryTag: 2, multiple: false, requeue: true });
    for (let m = await take(); m !== undefined; m = await take()) bodies.push(`${m.body}${m.method.redelivered ? "(r)" : ""}`);
    expect(bodies).toEqual(["2(r)", "4(r)", "6", "7", "8", "9", "10"]);
  });
});
