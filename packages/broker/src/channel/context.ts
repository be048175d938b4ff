/**
 * What a channel needs from its connection and broker (ChannelConnection), and what the parts of a
 * channel (content assembly, publishing, deliveries, transactions) need from their channel
 * (ChannelContext). Both narrow the references one way: the parts know the channel by this
 * interface, the channel knows its connection by the other.
 */
import type { FrameWriter, MethodArgs } from "@amqp-go/protocol";
import type { ResolvedBrokerOptions } from "../broker-options.js";
import type { DiskMonitor } from "../disk.js";
import type { ChannelError } from "../errors.js";
import type { BrokerCounters } from "../ports.js";
import type { FlowPublisher, FlowSource } from "../queue/flow.js";
import type { MessageStore } from "../store/message-store.js";
import type { Vhost } from "../vhost.js";
import type { Channel } from "./channel.js";
import type { ConsumerTimeouts } from "./consumer-timeout.js";
import type { Permissions } from "./permissions.js";
import type { ChannelStats } from "../stats.js";

/** The broker as a channel sees it. */
export interface ChannelBroker {
  readonly counters: BrokerCounters;
  readonly options: Pick<ResolvedBrokerOptions, "authenticator" | "maxMessageSize">;
  /** Messages of durable queues on disk; null without a data directory. */
  readonly store: MessageStore | null;
  /** The disk alarm (optional: none without a data directory). */
  readonly disk?: Pick<DiskMonitor, "wrote"> | null;
  /** consumer_timeout: the channels whose deliveries it checks (absent: none). */
  readonly consumerTimeouts?: ConsumerTimeouts;
}

/** The connection as a channel sees it (Connection is one). */
export interface ChannelConnection extends FlowPublisher {
  /** Set by connection.open, before any channel opens. */
  readonly vhost: Vhost | null;
  readonly user: string;
  readonly broker: ChannelBroker;
  /** Where deliveries, returns and confirms are written (flushed by scheduleFlush). */
  readonly writer: FrameWriter;
  /** The socket is backed up: deliveries wait for its 'drain'. */
  readonly writeBlocked: boolean;
  /** The client takes basic.cancel from the server (capability consumer_cancel_notify). */
  readonly consumerCancelNotify: boolean;
  /** Channels with publisher confirms to send at the next flush. */
  readonly confirming: { sendConfirms(): void }[];
  send(channel: number, method: MethodArgs): void;
  scheduleFlush(): void;
  /** A basic.publish came in (the memory alarm may block the connection). */
  notePublish(): void;
  /** A publish reached `queue` while it was over its flow mark: the connection waits for it (credit flow). */
  heldBackBy(queue: FlowSource): void;
  /** The channel is closed: its number is free again. */
  channelClosed(channel: Channel): void;
}

/** A channel as its parts see it (Channel is one). */
export interface ChannelContext {
  readonly number: number;
  readonly connection: ChannelConnection;
  readonly vhost: Vhost;
  readonly counters: BrokerCounters;
  /** This channel's message counters (management API). */
  readonly stats: ChannelStats;
  readonly permissions: Permissions;
  /** Channel.close sent or received: the channel takes no more work. */
  readonly closing: boolean;
  /** The queue queue.declare named last: an empty queue name in later methods means it. */
  lastQueue: string;
  /** Sends a method on this channel. */
  reply(m: MethodArgs): void;
  /** `name`, or the last declared queue when it is empty (404 when there is none). */
  queueName(name: string): string;
  /** Publisher confirms are due: basic.ack goes out now (called at the connection's flush). */
  sendConfirms(): void;
  closeWithError(e: ChannelError): void;
}
