/** The methods of class exchange on a channel: declare, delete, bind and unbind, with their permissions. */
import { type ExchangeBind, type ExchangeDeclare, type ExchangeDelete, type ExchangeUnbind, MethodId } from "@amqp-go/protocol";
import type { ChannelContext } from "./context.js";

export function exchangeDeclare(c: ChannelContext, m: ExchangeDeclare): void {
  const vhost = c.vhost;
  if (!m.passive) {
    c.permissions.permit("configure", "exchange", m.exchange);
    // Creating an exchange with an alternate exchange also takes read on it and write on the AE.
    const ae = m.arguments["alternate-exchange"];
    if (typeof ae === "string" && !vhost.exchanges.has(m.exchange)) {
      c.permissions.permit("read", "exchange", m.exchange);
      c.permissions.permit("write", "exchange", ae);
    }
  }
  vhost.declareExchange({
    name: m.exchange,
    type: m.type,
    passive: m.passive,
    durable: m.durable,
    autoDelete: m.autoDelete,
    internal: m.internal,
    arguments: m.arguments,
  });
  if (!m.noWait) c.reply({ id: MethodId.ExchangeDeclareOk });
}

export function exchangeDelete(c: ChannelContext, m: ExchangeDelete): void {
  c.permissions.permit("configure", "exchange", m.exchange);
  c.vhost.deleteExchange(m.exchange, m.ifUnused);
  if (!m.noWait) c.reply({ id: MethodId.ExchangeDeleteOk });
}

/** exchange.bind and exchange.unbind. */
export function exchangeBind(c: ChannelContext, m: ExchangeBind | ExchangeUnbind): void {
  const vhost = c.vhost;
  const destination = vhost.exchange(m.destination);
  vhost.exchange(m.source);
  c.permissions.permit("write", "exchange", m.destination);
  c.permissions.permit("read", "exchange", m.source);
  if (m.id === MethodId.ExchangeBind) vhost.bind(m.source, destination, m.routingKey, m.arguments);
  else vhost.unbind(m.source, destination, m.routingKey, m.arguments);
  if (!m.noWait) c.reply({ id: m.id === MethodId.ExchangeBind ? MethodId.ExchangeBindOk : MethodId.ExchangeUnbindOk });
}
