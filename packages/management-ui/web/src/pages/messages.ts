/** Publishing a message over the API, and getting messages from a queue (shown as text, escaped). */
import { request, seg } from "../api.js";
import { field, fill, h, select, statusLine } from "../dom.js";
import { show } from "../format.js";
import { jsonArea, jsonObject } from "../json-input.js";
import { kvTable } from "../table.js";

/** Publishes to `exchange` ("" is the default exchange); `routingKey` prefills the key. */
export function publishForm(vhost: string, exchange: string, routingKey: string, onDone: () => Promise<void>): HTMLElement {
  const key = h("input", { name: "routing_key", value: routingKey, autocomplete: "off" });
  const mode = select("delivery_mode", [["1", "1 - Non-persistent"], ["2", "2 - Persistent"]], "1");
  const headers = jsonArea("headers", '{"x-trace": "abc"}');
  const props = jsonArea("properties", '{"content_type": "text/plain", "message_id": "m1", "expiration": "60000"}');
  const payload = h("textarea", { name: "payload", rows: 4, class: "mono" });
  const status = statusLine();
  return h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Publish message",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const properties = { ...jsonObject(props, "Properties"), delivery_mode: Number(mode.value), headers: jsonObject(headers, "Headers") };
          const body = { routing_key: key.value, payload: payload.value, payload_encoding: "string", properties };
          const r = await request<{ routed: boolean }>("POST", `exchanges/${seg(vhost)}/${seg(exchange === "" ? "amq.default" : exchange)}/publish`, body);
          status.show(r.routed ? "Message published." : "Message published, but not routed to any queue.", !r.routed);
          await onDone();
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("Routing key", key),
    field("Delivery mode", mode),
    field("Headers (JSON)", headers),
    field("Properties (JSON)", props),
    field("Payload", payload),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Publish message")),
    status,
  );
}

interface Got {
  payload: string;
  payload_bytes: number;
  payload_encoding: string;
  redelivered: boolean;
  exchange: string;
  routing_key: string;
  message_count: number;
  properties: Record<string, unknown> & { headers?: Record<string, unknown> };
}

export function getForm(vhost: string, queue: string, onDone: () => Promise<void>): HTMLElement {
  const ack = select(
    "ackmode",
    [
      ["ack_requeue_true", "Nack message requeue true"],
      ["ack_requeue_false", "Automatic ack"],
      ["reject_requeue_true", "Reject requeue true"],
      ["reject_requeue_false", "Reject requeue false"],
    ],
    "ack_requeue_true",
  );
  const encoding = select("encoding", [["auto", "Auto string / base64"], ["base64", "base64"]], "auto");
  const n = h("input", { name: "count", type: "number", min: 1, value: "1" });
  const status = statusLine();
  const out = h("div", { class: "messages" });
  return h(
    "div",
    null,
    h(
      "form",
      {
        class: "form-grid",
        "aria-label": "Get messages",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          try {
            const body = { count: Number(n.value), ackmode: ack.value, encoding: encoding.value, truncate: 50000 };
            const got = await request<Got[]>("POST", `queues/${seg(vhost)}/${seg(queue)}/get`, body);
            status.show(got.length === 0 ? "Queue is empty." : `${got.length} message${got.length === 1 ? "" : "s"}.`);
            fill(out, got.map((m, i) => message(m, i + 1)));
            await onDone();
          } catch (err) {
            status.show((err as Error).message, true);
          }
        },
      },
      field("Ack mode", ack),
      field("Encoding", encoding),
      field("Messages", n),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Get message(s)")),
      status,
    ),
    out,
  );
}

function message(m: Got, i: number): HTMLElement {
  const { headers, ...props } = m.properties;
  return h(
    "article",
    { class: "message card", "aria-label": `Message ${i}` },
    h("h3", null, `Message ${i}`),
    kvTable(
      {
        Exchange: m.exchange === "" ? "(default exchange)" : m.exchange,
        "Routing key": m.routing_key,
        Redelivered: m.redelivered ? "yes" : "no",
        "Left in queue": m.message_count,
        "Payload bytes": m.payload_bytes,
        Encoding: m.payload_encoding,
      },
      "Message",
    ),
    h("h4", null, "Properties"),
    kvTable(props, "Properties"),
    h("h4", null, "Headers"),
    kvTable(headers ?? {}, "Headers"),
    h("h4", null, "Payload"),
    h("pre", { class: "payload" }, show(m.payload)),
  );
}
