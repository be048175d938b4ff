// Root hooks: one broker for the run, reset() between tests.
import { startBroker } from "@amqp-go/testing";

export const mochaHooks = {
  async beforeAll() {
    globalThis.broker = await startBroker();
  },
  async afterEach() {
    await globalThis.broker.reset();
  },
  async afterAll() {
    await globalThis.broker.stop();
  },
};
