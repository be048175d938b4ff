/** PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`, UTF-8. The authzid is ignored, as by RabbitMQ. */
import type { Mechanism } from "../mechanism.js";

export const plain: Mechanism = {
  name: "PLAIN",
  identify({ response }) {
    const first = response.indexOf(0);
    const second = first < 0 ? -1 : response.indexOf(0, first + 1);
    if (second < 0) return "PLAIN response is not [authzid] NUL user NUL password";
    return { user: response.toString("utf8", first + 1, second), password: response.toString("utf8", second + 1) };
  },
};
