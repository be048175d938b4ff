/** An agent's producers and consumers as raw clients, each on its own RawConnection. */
import type { OpenClients } from "../clients.js";
import { lostConnection, messageOf } from "../errors.js";
import { RawConnection } from "./connection.js";
import { RawConsumer } from "./consumer.js";
import { RawProducer } from "./producer.js";

export const openRawClients: OpenClients = async (plan, ctx, into) => {
  const open = async (role: string): Promise<RawConnection> => {
    let conn: RawConnection;
    try {
      conn = await RawConnection.open(plan.uri, `amqp-bench ${role}`, {
        lost: (why) => {
          if (!ctx.closing()) ctx.fatal(why.startsWith("the broker closed its channel") ? `${role}: ${why}` : lostConnection(role, why));
        },
        blocked: () => {
          ctx.counters.blocked++;
        },
      });
    } catch (err) {
      throw new Error(`${role}: cannot connect: ${messageOf(err)}`);
    }
    into.closers.push(() => conn.close());
    return conn;
  };
  // Connections open one after another: twenty at once can trip a broker's handshake timeout on a busy machine.
  for (const p of plan.producers) {
    const producer = new RawProducer(await open(`producer ${p.id}`), p, plan.settings, ctx.counters);
    await producer.setUp();
    into.producers.push(producer);
  }
  for (const c of plan.consumers) {
    into.consumers.push(new RawConsumer(await open(`consumer ${c.id}`), c, plan.settings, ctx.counters, ctx.latency, ctx.fatal));
  }
};
