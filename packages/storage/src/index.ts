/** @amqp-go/storage: durable message storage for the amqp-go broker. */
export { MetadataStore, syncDir } from "./metadata-store.js";
export { RingBuffer, type Sized } from "./ring-buffer.js";
