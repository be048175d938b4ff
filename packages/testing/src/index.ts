export { startBroker } from "./test-broker.js";
export type { QueueInfo, StartOptions, TakenMessage, TestBroker, TestVhost, WaitOptions } from "./types.js";
