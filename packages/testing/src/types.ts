/** What a test sees of the broker, the same from the ESM entry (in-process) and the CommonJS one (a worker thread). */

export interface StartOptions {
  /**
   * Durable queues keep persistent messages on disk, in a temporary directory removed by stop().
   * Default false: everything in memory, and the native `roaring` addon is never loaded.
   */
  readonly durable?: boolean;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** AMQP port (default 0: a free port, so parallel test workers never collide). */
  readonly port?: number;
  /** Heartbeat proposed to clients, seconds (default 0: none, so an idle test never sees one). */
  readonly heartbeat?: number;
}

/** A queue as `queues()` lists it. */
export interface QueueInfo {
  readonly vhost: string;
  readonly name: string;
  /** Ready messages. */
  readonly messages: number;
  /** Delivered, not yet acknowledged. */
  readonly unacked: number;
  readonly consumers: number;
  readonly durable: boolean;
}

/** A message taken out of a queue by `take()`. */
export interface TakenMessage {
  readonly exchange: string;
  readonly routingKey: string;
  readonly body: Buffer;
  /** The basic properties as the publisher set them (contentType, headers, correlationId...). */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly redelivered: boolean;
}

/** A fresh virtual host: one per test keeps tests that share a broker apart. */
export interface TestVhost {
  readonly name: string;
  /** amqp://guest:guest@host:port/<name> */
  readonly url: string;
  /** Deletes the vhost, its queues and exchanges, and closes its connections (320, as RabbitMQ). */
  delete(): Promise<void>;
}

export interface WaitOptions {
  /** Ready messages to wait for (default 1). */
  readonly depth?: number;
  readonly vhost?: string;
  /** ms (default 5000); then the promise rejects, naming the queue and what it held. */
  readonly timeout?: number;
}

export interface TestBroker {
  /** amqp://guest:guest@host:port (vhost "/"); user guest, password guest. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** A new vhost named `name` (default `test-<n>`), guest may use it. */
  createVhost(name?: string): Promise<TestVhost>;
  /** The queues of `vhost` (default "/"), by name. */
  queues(vhost?: string): Promise<QueueInfo[]>;
  /** Resolves once `queue` holds at least `depth` ready messages. */
  waitForQueue(queue: string, options?: WaitOptions): Promise<QueueInfo>;
  /** Removes up to `max` (default all) ready messages from `queue` and returns them, oldest first. */
  take(queue: string, options?: { readonly vhost?: string; readonly max?: number }): Promise<TakenMessage[]>;
  /** Empties every queue of `vhost` (default: of every vhost); returns the messages removed. */
  purgeAll(vhost?: string): Promise<number>;
  /** Back to a fresh broker: closes every connection, deletes every vhost, queue and exchange, recreates "/". */
  reset(): Promise<void>;
  /** Closes connections and listeners (and removes the durable data directory). */
  stop(): Promise<void>;
}
