/** Names of field-table value types as RabbitMQ writes them in its error texts. */
import type { FieldValue } from "@amqp-go/protocol";

/** RabbitMQ's name for the wire type a client most likely used for `v` (amqplib's choice for numbers). */
export function typeName(v: FieldValue): string {
  switch (typeof v) {
    case "string":
      return "longstr";
    case "boolean":
      return "bool";
    case "bigint":
      return "long";
    case "number":
      if (!Number.isInteger(v)) return "double";
      if (v >= -128 && v < 128) return "byte";
      if (v >= -32768 && v < 32768) return "short";
      return v >= -0x80000000 && v < 0x80000000 ? "signedint" : "long";
    default:
      if (v === null) return "void";
      if (Array.isArray(v)) return "array";
      if (v instanceof Uint8Array) return "binary";
      if (v instanceof Date) return "timestamp";
      return "table";
  }
}
