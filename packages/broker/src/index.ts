/** @amqp-go/broker: a RabbitMQ-compatible AMQP 0-9-1 broker. */
export { GuestAuthenticator, credentialsOf } from "./authenticator.js";
export { type AcceptOptions, Broker, type ListenOptions } from "./broker.js";
export { BROKER_SETTINGS, type BrokerOptions, type ResolvedBrokerOptions } from "./broker-options.js";
export { AmqpError, ChannelError, ConnectionError } from "./errors.js";
export type { Binding, Destination } from "./exchange/exchange.js";
export { Exchange } from "./exchange/exchange.js";
export { availableMemory, type HeapSample, type MemoryAlarmReason, MemoryMonitor } from "./memory.js";
export { Message } from "./message.js";
export {
  type Authenticator,
  BrokerCounters,
  type Logger,
  type LoginAttempt,
  type LoginResult,
  type Permission,
  type Resource,
  silentLogger,
} from "./ports.js";
export { Queue } from "./queue/queue.js";
export type { Consumer } from "./queue/consumer.js";
export type { Connection } from "./connection/connection.js";
export type { Channel } from "./channel/channel.js";
export { ChannelStats, ExchangeStats, QueueStats } from "./stats.js";
export { type Definitions, definitionsOf } from "./definitions.js";
export type { FlowLimits } from "./queue/flow.js";
export type { ReadingState } from "./connection/flow.js";
export type { StorageOptions } from "./store/storage-options.js";
// The storage settings and their helpers, for apps that configure a broker (apps/server).
export { bytesOfMemory, type NumberSetting, settingAccepts, settingExpects, STORAGE_SETTINGS } from "@amqp-go/storage";
export { FixedHistogram, StorageStats } from "@amqp-go/storage";
export type { MessageStore, StoreRecovery } from "./store/message-store.js";
export { Vhost } from "./vhost.js";
export { type ApplyTo, erlangTerm, mergeDefinitions, OPERATOR_POLICY_KEYS, type Policy, type PolicyDefinition, PolicyError, type PolicyInput, POLICY_KEYS, policyJson } from "./policy/policy.js";
