/**
 * Dead-lettering as RabbitMQ 3.10's rabbitmq_prometheus names it:
 * rabbitmq_global_messages_dead_lettered_{expired,rejected,maxlen,delivery_limit}_total with
 * labels queue_type and dead_letter_strategy (`at_most_once`: a dead-letter exchange was set;
 * `disabled`: none, the message was dropped), the same label sets as RabbitMQ's (amqp-go has no
 * at-least-once dead-lettering: those series stay 0). Ours: messages dead-lettered that reached no
 * queue (a missing exchange, no binding, a cycle), per reason.
 */
import type { Broker } from "@amqp-go/broker";
import { Counter, type Registry } from "prom-client";

type Reason = "rejected" | "expired" | "maxlen" | "delivery_limit";
type Strategy = "at_least_once" | "at_most_once" | "disabled";

const SERIES: Record<Reason, [string, Strategy[], Strategy[]]> = {
  expired: ["Total number of messages dead-lettered due to message TTL exceeded", ["at_most_once", "disabled"], ["at_least_once", "at_most_once", "disabled"]],
  rejected: ["Total number of messages dead-lettered due to basic.reject or basic.nack", ["at_most_once", "disabled"], ["at_least_once", "at_most_once", "disabled"]],
  maxlen: ["Total number of messages dead-lettered due to overflow drop-head or reject-publish-dlx", ["at_most_once", "disabled"], ["at_most_once", "disabled"]],
  delivery_limit: ["Total number of messages dead-lettered due to delivery-limit exceeded", [], ["at_least_once", "at_most_once", "disabled"]],
};

export function registerDeadLetterMetrics(registry: Registry, broker: Broker): void {
  const k = broker.deadLetterCounters;
  for (const [reason, [help, classic, quorum]] of Object.entries(SERIES) as [Reason, (typeof SERIES)[Reason]][]) {
    new Counter({
      name: `rabbitmq_global_messages_dead_lettered_${reason}_total`,
      help,
      labelNames: ["queue_type", "dead_letter_strategy"],
      registers: [registry],
      collect() {
        this.reset();
        const read = (c: typeof k.classic, s: Strategy) => (s === "at_least_once" ? 0 : c[s][reason]);
        for (const s of classic) this.inc({ queue_type: "rabbit_classic_queue", dead_letter_strategy: s }, read(k.classic, s));
        for (const s of quorum) this.inc({ queue_type: "rabbit_quorum_queue", dead_letter_strategy: s }, read(k.quorum, s));
      },
    });
  }
  new Counter({
    name: "amqpgo_messages_dead_lettered_unrouted_total",
    help: "Messages dead-lettered that reached no queue (missing dead-letter exchange, no binding, a cycle), by reason",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of Object.keys(SERIES) as Reason[]) this.inc({ reason }, k.unrouted[reason]);
    },
  });
}
