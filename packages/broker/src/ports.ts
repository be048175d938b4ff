/**
 * The ports the broker calls and the application plugs in: logging, authentication. Each has an
 * in-memory default so the broker runs and is tested alone.
 */
import { FixedHistogram } from "@amqp-go/storage";

/** The subset of pino's Logger the broker uses; a pino logger fits as is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled?(level: string): boolean;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** Who is connecting: what the authenticator decides on. */
export interface LoginAttempt {
  readonly mechanism: string;
  /** The SASL response of connection.start-ok. */
  readonly response: Buffer;
  readonly remoteAddress: string;
  /** Over TLS: the client certificate's subject, when the client presented one the CA verified. */
  readonly peerCertificateSubject?: Readonly<Record<string, string | string[]>> | undefined;
}

/** RabbitMQ's three permissions: configure (declare, delete), write (publish, bind to), read (consume, get, purge, bind from). */
export type Permission = "configure" | "write" | "read";

/** What a permission is asked on. */
export interface Resource {
  readonly kind: "queue" | "exchange";
  readonly name: string;
}

export type LoginResult = { readonly ok: true; readonly user: string } | { readonly ok: false; readonly reason: string };

/** Checks credentials. The default accepts guest/guest on PLAIN and AMQPLAIN. */
export interface Authenticator {
  /** Mechanisms offered in connection.start, in order of preference. */
  readonly mechanisms: readonly string[];
  /**
   * Decides a login. A Promise lets a slow password hash (scrypt) run off the event loop; the
   * connection waits for it before connection.tune. Return a plain result when there is no wait.
   */
  authenticate(attempt: LoginAttempt): LoginResult | Promise<LoginResult>;
  /** May `user` open `vhost`? */
  canAccessVhost(user: string, vhost: string): boolean;
  /**
   * May `user` do what `permission` covers on `resource` in `vhost`? Checked where RabbitMQ checks
   * it; a refusal is a 403 channel error. Without this method everything is allowed. As in
   * RabbitMQ, the default exchange is asked about as `amq.default`, and a server-named queue by the
   * name the server gave it.
   */
  checkPermission?(user: string, vhost: string, permission: Permission, resource: Resource): boolean;
}

/**
 * The broker's running totals, plain numbers incremented in place on the hot path (a metrics
 * exporter reads them when scraped). Gauges (ready, unacked, consumers per queue) are read from
 * the vhosts at scrape time instead.
 */
export class BrokerCounters {
  /** basic.publish received (routed or not). */
  published = 0;
  /** Copies enqueued: a message routed to 3 queues counts 3. */
  routed = 0;
  unroutableReturned = 0;
  unroutableDropped = 0;
  /** basic.deliver and basic.get-ok sent, to consumers with and without acks. */
  delivered = 0;
  deliveredNoAck = 0;
  redelivered = 0;
  acknowledged = 0;
  /** Deliveries nacked or rejected (requeued or dropped). */
  rejected = 0;
  /** Publishes confirmed to publishers in confirm mode. */
  confirmed = 0;
  getEmpty = 0;
  /** Of `delivered`: basic.get-ok answers, with and without acks. */
  got = 0;
  gotNoAck = 0;
  connectionsOpened = 0;
  connectionsClosed = 0;
  channelsOpened = 0;
  channelsClosed = 0;
  authFailures = 0;
  /** Logins accepted (RabbitMQ's auth_attempts_succeeded). */
  authSucceeded = 0;
  /** Sockets closed on arrival because maxHandshakingConnections were in the handshake. */
  handshakesRefused = 0;
  /** Of `published`: received on channels in confirm mode. */
  publishedConfirm = 0;
  /** queue.declare that were not passive (new or existing queue), as RabbitMQ counts them. */
  queuesDeclared = 0;
  /** Queues created by a declare (not those recovered at start). */
  queuesCreated = 0;
  /** Queues deleted, for any reason (queue.delete, auto-delete, exclusive owner gone, x-expires, vhost deleted). */
  queuesDeleted = 0;
  /** Body sizes of published messages, in RabbitMQ's buckets (rabbitmq_message_size_bytes). */
  readonly messageSizes = new FixedHistogram(MESSAGE_SIZE_BUCKETS);
  /** The delivery counters' share of quorum queues (RabbitMQ's queue_type label; the rest is classic). */
  readonly quorum = new QuorumCounters();
}

/** Of BrokerCounters' delivery counters: the deliveries, gets and acks of quorum queues. */
export class QuorumCounters {
  delivered = 0;
  deliveredNoAck = 0;
  redelivered = 0;
  acknowledged = 0;
  getEmpty = 0;
  got = 0;
  gotNoAck = 0;
}

/** RabbitMQ's upper bounds of the message size histogram (rabbit_msg_size_metrics), in octets. */
export const MESSAGE_SIZE_BUCKETS: readonly number[] = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 50_000_000, 100_000_000];
