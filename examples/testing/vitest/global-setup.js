import { startBroker } from "@amqp-go/testing";

// One broker for the whole run; test files get its URL with inject("amqpUrl").
export default async function setup({ provide }) {
  const broker = await startBroker();
  provide("amqpUrl", broker.url);
  return () => broker.stop();
}
