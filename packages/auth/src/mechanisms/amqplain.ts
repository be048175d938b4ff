/** AMQPLAIN: a field table without its length prefix, holding LOGIN and PASSWORD (RabbitMQ's mechanism). */
import { decodeFieldTable } from "@amqp-go/protocol";
import type { Mechanism } from "../mechanism.js";

export const amqplain: Mechanism = {
  name: "AMQPLAIN",
  identify({ response }) {
    let table: ReturnType<typeof decodeFieldTable>;
    try {
      table = decodeFieldTable(response, 0, response.length);
    } catch {
      return "AMQPLAIN response is not a field table";
    }
    const { LOGIN, PASSWORD } = table;
    if (typeof LOGIN !== "string" || typeof PASSWORD !== "string") return "AMQPLAIN response lacks LOGIN or PASSWORD";
    return { user: LOGIN, password: PASSWORD };
  },
};
