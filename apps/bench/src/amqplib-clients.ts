/**
 * An agent's producers and consumers on amqplib (`--client amqplib`), each on its own connection
 * (TCP_NODELAY on, as the Java, .NET and pika clients do; with Nagle on, amqplib adds ~10 ms).
 * One Node process running amqplib saturates a core near 70-110k msg/s.
 */
import amqp, { type Channel, type ChannelModel } from "amqplib";
import type { OpenClients } from "./clients.js";
import { Consumer } from "./consumer.js";
import { lostConnection, messageOf } from "./errors.js";
import { Producer } from "./producer.js";

export const openAmqplibClients: OpenClients = async (plan, ctx, into) => {
  const s = plan.settings;
  const open = async (role: string): Promise<ChannelModel> => {
    let conn: ChannelModel;
    try {
      conn = await amqp.connect(plan.uri, { noDelay: true, clientProperties: { connection_name: `amqp-bench ${role}` } });
    } catch (err) {
      throw new Error(`${role}: cannot connect: ${messageOf(err)}`);
    }
    into.closers.push(() => conn.close());
    let lastError: unknown;
    conn.on("error", (err: unknown) => {
      lastError = err;
    });
    conn.on("close", (err: unknown) => {
      if (ctx.closing()) return;
      ctx.fatal(lostConnection(role, err ?? lastError));
    });
    conn.on("blocked", () => {
      ctx.counters.blocked++;
    });
    return conn;
  };
  const watch = (ch: Channel, role: string): Channel => {
    ch.on("error", (err: unknown) => {
      if (!ctx.closing()) ctx.fatal(`${role}: the broker closed its channel: ${messageOf(err)}`);
    });
    return ch;
  };
  // Connections open one after another: twenty at once can trip a broker's handshake timeout on a busy machine.
  for (const p of plan.producers) {
    const role = `producer ${p.id}`;
    const conn = await open(role);
    const ch = watch(s.confirm > 0 ? await conn.createConfirmChannel() : await conn.createChannel(), role);
    into.producers.push(new Producer(ch, p, s, ctx.counters));
  }
  for (const c of plan.consumers) {
    const role = `consumer ${c.id}`;
    const conn = await open(role);
    const ch = watch(await conn.createChannel(), role);
    into.consumers.push(new Consumer(ch, c, s, ctx.counters, ctx.latency, ctx.fatal));
  }
};
