/** `message_stats` and `*_details` as RabbitMQ shows them: each count followed by its rate. */
import type { ChannelStats, ExchangeStats, QueueStats } from "@amqp-go/broker";
import type { Api } from "../api.js";

export const details = (api: Api, owner: object, key: string): { rate: number } => api.rates.details(owner, key);

/**
 * `{ k: n, k_details: { rate } }` for each of `values`; `rateKey(k)` names the sampled counter the
 * rate of `k` is read from (undefined: rate 0).
 */
export function messageStats(
  api: Api,
  owner: object,
  values: Readonly<Record<string, number>>,
  rateKey: (k: string) => string | undefined = (k) => k,
): Record<string, number | { rate: number }> {
  const out: Record<string, number | { rate: number }> = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = v;
    const r = rateKey(k);
    out[`${k}_details`] = { rate: r === undefined ? 0 : api.rates.rate(owner, r) };
  }
  return out;
}

/**
 * A queue's (or a channel's consuming side's) counters under RabbitMQ's names, written out: a
 * listing of 1,000 queues builds this 1,000 times.
 */
export function consumingStats(api: Api, owner: object, s: QueueStats): Record<string, number | { rate: number }> {
  const r = api.rates.ratesOf(owner);
  const rate = (k: string) => ({ rate: r[k] ?? 0 });
  const deliverGetRate = Math.round(((r.deliver ?? 0) + (r.deliverNoAck ?? 0) + (r.get ?? 0) + (r.getNoAck ?? 0)) * 10) / 10;
  return {
    ack: s.ack,
    ack_details: rate("ack"),
    deliver: s.deliver,
    deliver_details: rate("deliver"),
    deliver_get: s.deliver + s.deliverNoAck + s.get + s.getNoAck,
    deliver_get_details: { rate: deliverGetRate },
    deliver_no_ack: s.deliverNoAck,
    deliver_no_ack_details: rate("deliverNoAck"),
    get: s.get,
    get_details: rate("get"),
    get_empty: s.getEmpty,
    get_empty_details: rate("getEmpty"),
    get_no_ack: s.getNoAck,
    get_no_ack_details: rate("getNoAck"),
    publish: s.publish,
    publish_details: rate("publish"),
    redeliver: s.redeliver,
    redeliver_details: rate("redeliver"),
  };
}

/** A channel's counters: the consuming ones plus confirms and unroutable publishes. */
export function channelStats(api: Api, owner: object, s: ChannelStats): Record<string, number | { rate: number }> {
  return {
    ...consumingStats(api, owner, s),
    ...messageStats(api, owner, { confirm: s.confirm, drop_unroutable: s.dropUnroutable, return_unroutable: s.returnUnroutable }, camel),
  };
}

export function exchangeStats(api: Api, owner: object, s: ExchangeStats): Record<string, number | { rate: number }> {
  return messageStats(api, owner, { publish_in: s.publishIn, publish_out: s.publishOut }, camel);
}

/** `deliver_no_ack` -> `deliverNoAck`, the counter's field name. */
function camel(k: string): string {
  return k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Adds `from`'s counters into `into` (a vhost's totals over its queues). */
export function addStats(into: QueueStats, from: QueueStats): void {
  into.publish += from.publish;
  into.deliver += from.deliver;
  into.deliverNoAck += from.deliverNoAck;
  into.get += from.get;
  into.getNoAck += from.getNoAck;
  into.getEmpty += from.getEmpty;
  into.ack += from.ack;
  into.redeliver += from.redeliver;
}
