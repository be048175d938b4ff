/**
 * A published message as the broker holds it: the content header's properties exactly as the
 * publisher sent them (passed on unchanged to consumers), and the body. Properties are decoded only
 * when something needs them (a headers exchange, and later TTL, priority, dead-lettering).
 */
import { type BasicProperties, decodeBasicProperties, type FieldTable } from "@amqp-go/protocol";

export class Message {
  private decoded: BasicProperties | undefined = undefined;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    /** Property flags and list, raw. */
    readonly rawProperties: Buffer,
    readonly body: Buffer,
  ) {}

  get properties(): BasicProperties {
    if (this.decoded === undefined) this.decoded = decodeBasicProperties(this.rawProperties, 0, this.rawProperties.length);
    return this.decoded;
  }

  get headers(): FieldTable | undefined {
    // No headers flag: nothing to decode.
    if (this.rawProperties.length < 2 || (this.rawProperties[0]! & 0x20) === 0) return undefined;
    return this.properties.headers;
  }

  /** Octets this message holds in memory, as counted against the memory watermark. */
  get size(): number {
    return this.body.length + this.rawProperties.length;
  }
}
