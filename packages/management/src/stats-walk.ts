/** The broker's counted objects, walked by the rate sampler every interval (rates.ts). */
import { type Broker, QueueStats } from "@amqp-go/broker";
import type { Counters } from "./rates.js";
import { addStats } from "./routes/stats-view.js";

export function sampleBroker(broker: Broker, visit: (owner: object, counters: Counters) => void): void {
  const c = broker.counters;
  let messages = 0;
  let ready = 0;
  let unacked = 0;
  for (const v of broker.vhosts.values()) {
    let vMessages = 0;
    let vReady = 0;
    let vUnacked = 0;
    const totals = new QueueStats();
    for (const q of v.queues.values()) {
      addStats(totals, q.stats);
      const r = q.messageCount;
      vReady += r;
      vUnacked += q.unacked;
      vMessages += r + q.unacked;
      visit(q, { ...q.stats, messages: r + q.unacked, messages_ready: r, messages_unacknowledged: q.unacked });
    }
    for (const e of v.exchanges.values()) visit(e, { ...e.stats });
    visit(v, { ...totals, messages: vMessages, messages_ready: vReady, messages_unacknowledged: vUnacked });
    messages += vMessages;
    ready += vReady;
    unacked += vUnacked;
  }
  for (const conn of broker.connections) {
    visit(conn, { recv_oct: conn.socket.bytesRead, send_oct: conn.socket.bytesWritten });
    for (const ch of conn.openChannelList()) visit(ch, { ...ch.stats });
  }
  visit(broker, {
    publish: c.published,
    deliver_get: c.delivered,
    deliver: c.delivered - c.deliveredNoAck - c.got,
    deliver_no_ack: c.deliveredNoAck - c.gotNoAck,
    get: c.got,
    get_no_ack: c.gotNoAck,
    redeliver: c.redelivered,
    ack: c.acknowledged,
    confirm: c.confirmed,
    get_empty: c.getEmpty,
    return_unroutable: c.unroutableReturned,
    drop_unroutable: c.unroutableDropped,
    connection_created: c.connectionsOpened,
    connection_closed: c.connectionsClosed,
    channel_created: c.channelsOpened,
    channel_closed: c.channelsClosed,
    messages,
    messages_ready: ready,
    messages_unacknowledged: unacked,
  });
}
