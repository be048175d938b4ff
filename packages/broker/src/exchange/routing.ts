/**
 * Routing through exchange-to-exchange bindings and alternate exchanges, as RabbitMQ does it
 * (rabbit_exchange:route1): a work list instead of recursion, so a chain of any depth routes.
 * Each exchange is visited once and each queue gets the message once (`routeMark` holds the
 * epoch of the message being routed); an exchange whose own bindings match nothing passes the
 * message to its alternate exchange. The arrays are kept and reused: nothing is allocated per message.
 */
import type { Message } from "../message.js";
import type { Destination, Exchange } from "./exchange.js";

export class Routing<Q extends Destination> {
  /** Destinations an exchange's bindings give, before they are taken. */
  private readonly hops: Destination[] = [];
  /** Exchanges reached and not visited yet. */
  private readonly work: Exchange[] = [];

  constructor(private readonly exchangeNamed: (name: string) => Exchange | undefined) {}

  /**
   * Pushes onto `routed` the queues `message` with `routingKey` reaches from `start`, not marked
   * `epoch` yet. Its headers are read for a headers exchange only (reading them decodes them).
   */
  route(start: Exchange, routingKey: string, message: Message, epoch: number, routed: Q[]): void {
    const hops = this.hops;
    const work = this.work;
    start.routeMark = epoch;
    work.push(start);
    while (work.length > 0) {
      const x = work.pop()!;
      x.route(routingKey, x.type === "headers" ? message.headers : undefined, hops);
      if (hops.length === 0 && x.alternateExchange !== null) {
        const alt = this.exchangeNamed(x.alternateExchange);
        if (alt !== undefined && alt.routeMark !== epoch) {
          alt.routeMark = epoch;
          work.push(alt);
        }
      }
      for (let i = 0; i < hops.length; i++) {
        const d = hops[i]!;
        if (d.routeMark === epoch) continue;
        d.routeMark = epoch;
        if (d.kind === "queue") routed.push(d as Q);
        else work.push(d as Exchange);
      }
      hops.length = 0;
    }
  }
}
