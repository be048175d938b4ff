/** Everything a broker can be told, with RabbitMQ's defaults. */
import type { Authenticator, Logger } from "./ports.js";
import type { StorageOptions } from "./store/storage-options.js";

export interface BrokerOptions {
  /** Heartbeat proposed in connection.tune, seconds (0 disables). Default 60. */
  heartbeat?: number;
  /** frame_max proposed in connection.tune, octets. Default 131072. */
  frameMax?: number;
  /** channel_max proposed in connection.tune. Default 2047. */
  channelMax?: number;
  /** Largest message body accepted, octets. Default 128 MiB; larger is refused with 406 as RabbitMQ does. */
  maxMessageSize?: number;
  /** Time a client has to complete the handshake, ms. Default 10000. */
  handshakeTimeout?: number;
  /** A failed handshake (bad tune-ok, unknown mechanism...) drops the socket after this long, ms. Default 3000, as RabbitMQ. */
  handshakeErrorDelay?: number;
  /**
   * Connections still in the handshake (TLS included) beyond this many are closed as they arrive, so
   * that silent sockets cannot use up file descriptors and lock other clients out. Default 1000.
   */
  maxHandshakingConnections?: number;
  /**
   * Message bytes held in memory above which publishers are blocked (connection.blocked, and their
   * sockets are no longer read) until consumers drain below it. Default 40% of the machine's memory.
   */
  memoryHighWatermark?: number;
  logger?: Logger;
  authenticator?: Authenticator;
  /**
   * Where durable state lives. With it, durable exchanges, queues and bindings survive a restart
   * (`<dataDir>/metadata/definitions.json`); without it the broker keeps everything in memory.
   */
  dataDir?: string;
  /** How messages of durable queues are kept in `dataDir`: log batches, segment size, ring buffer, checkpoints. */
  storage?: StorageOptions;
  /** `product` and `version` in the server properties. */
  product?: string;
  version?: string;
}

export interface ResolvedBrokerOptions {
  readonly heartbeat: number;
  readonly frameMax: number;
  readonly channelMax: number;
  readonly maxMessageSize: number;
  readonly handshakeTimeout: number;
  readonly handshakeErrorDelay: number;
  readonly maxHandshakingConnections: number;
  readonly memoryHighWatermark: number;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly product: string;
  readonly version: string;
}
