/** The short badges RabbitMQ's UI shows for a queue's or exchange's features, with their meaning. */
import { h } from "./dom.js";

type Q = { durable?: boolean; auto_delete?: boolean; exclusive?: boolean; internal?: boolean; arguments?: Record<string, unknown>; effective_policy_definition?: Record<string, unknown>; policy?: string | null };

function badge(text: string, title: string): HTMLElement {
  return h("abbr", { class: "badge", title }, text);
}

export function features(q: Q): HTMLElement {
  const a = q.arguments ?? {};
  const p = q.effective_policy_definition ?? {};
  const has = (arg: string, pol: string) => a[arg] !== undefined || p[pol] !== undefined;
  return h(
    "span",
    { class: "features" },
    q.durable ? badge("D", "durable") : null,
    q.auto_delete ? badge("AD", "auto-delete") : null,
    q.exclusive ? badge("Excl", "exclusive") : null,
    q.internal ? badge("I", "internal") : null,
    has("x-message-ttl", "message-ttl") ? badge("TTL", "message TTL") : null,
    has("x-expires", "expires") ? badge("Exp", "queue expires when unused") : null,
    has("x-dead-letter-exchange", "dead-letter-exchange") ? badge("DLX", "dead-letter exchange") : null,
    has("x-max-length", "max-length") || has("x-max-length-bytes", "max-length-bytes") ? badge("Lim", "length limit") : null,
    has("x-max-priority", "max-priority") ? badge("Pri", "priorities") : null,
    a["x-single-active-consumer"] === true ? badge("SAC", "single active consumer") : null,
    q.policy ? h("span", { class: "badge policy", title: "policy" }, q.policy) : null,
  );
}
