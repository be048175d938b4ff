/**
 * A published message as the broker holds it: the content header's properties exactly as the
 * publisher sent them (passed on unchanged to consumers), and the body. Properties are decoded only
 * when something needs them (a headers exchange, and later TTL, priority, dead-lettering).
 */
import { type BasicProperties, decodeBasicProperties, encodeBasicProperties, type FieldTable, fieldTableSize } from "@amqp-go/protocol";

/**
 * Octets a queued message costs beyond its content, counted against the memory watermark. Measured
 * (test/memory-accounting.test.ts; Node 20, amqplib publishing 200k messages into a transient
 * queue, after full GCs): the V8 heap grows 340-420 octets per message (Message, QueueEntry, the
 * exchange and routing-key strings, the ring slot), external memory by the content plus Node's
 * pool slack (33 -> 44, 1041 -> 1190), and RSS by the content plus 520-630 (heap pages, malloc).
 * 512 follows RSS, the memory that gets a process killed: 160 counted a third of it.
 */
const OVERHEAD = 512;

export class Message {
  private decoded: BasicProperties | undefined = undefined;
  private compacted = false;
  /** Sender-selected distribution: the routing keys of the `CC` and `BCC` headers (null: none). */
  extraRoutingKeys: readonly string[] | null = null;
  /** The `expiration` property, validated (ms); -1: none. Set by the publish checks. */
  ttl = -1;
  /**
   * When it was published (ms since the epoch), for a message with a TTL (its own or its
   * queue's); 0 otherwise. Kept on disk with the message: deadlines survive a restart.
   */
  arrivedAt = 0;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    /** Property flags and list, raw. */
    public rawProperties: Buffer,
    public body: Buffer,
  ) {}

  /**
   * Properties and body arrive as slices of the socket's 64 KiB read buffers: right for a message
   * that is delivered at once, but one kept in a queue would hold its whole read buffer alive. A
   * message that stays is copied once into memory of its own size (small ones share Node's pool).
   */
  compact(): void {
    if (this.compacted) return;
    this.compacted = true;
    // A body that came split over socket reads already has memory of its own size (the parser
    // assembled its frame): copying it again would only cost (64 KiB bodies: one memcpy less).
    if (this.body.buffer.byteLength <= this.body.length + this.rawProperties.length + 64 && this.rawProperties.buffer !== this.body.buffer) {
      if (this.rawProperties.buffer.byteLength > 4 * this.rawProperties.length + 256) this.rawProperties = Buffer.from(this.rawProperties);
      return;
    }
    const p = this.rawProperties.length;
    const own = Buffer.allocUnsafe(p + this.body.length);
    this.rawProperties.copy(own, 0);
    this.body.copy(own, p);
    this.rawProperties = own.subarray(0, p);
    this.body = own.subarray(p);
  }

  /** Rewrites the properties (BCC taken out, a direct reply-to name filled in): encoded once, here. */
  setProperties(p: BasicProperties): void {
    // the encoder asks for room for every short string at its longest, beyond the octets kept
    const headers = p.headers === undefined ? 0 : fieldTableSize(p.headers);
    const b = Buffer.allocUnsafe(this.rawProperties.length + headers + 4096);
    this.rawProperties = b.subarray(0, encodeBasicProperties(b, 0, p));
    this.decoded = p;
  }

  /** A copy with other properties (dead-lettering, a delivery count): the body is shared. */
  withProperties(exchange: string, routingKey: string, p: BasicProperties): Message {
    const m = new Message(exchange, routingKey, this.rawProperties, this.body);
    m.setProperties(p);
    return m;
  }

  get properties(): BasicProperties {
    if (this.decoded === undefined) this.decoded = decodeBasicProperties(this.rawProperties, 0, this.rawProperties.length);
    return this.decoded;
  }

  /**
   * delivery-mode 2: kept across a restart when it sits in a durable queue. Read straight from the
   * raw property list (flags, then content-type, content-encoding and headers before it), with no
   * decode of the rest.
   */
  get persistent(): boolean {
    const p = this.rawProperties;
    if (p.length < 3) return false;
    const flags = p.readUInt16BE(0);
    if ((flags & 0x1000) === 0) return false;
    let o = 2;
    if ((flags & 0x8000) !== 0) o += 1 + (p[o] ?? 0);
    if ((flags & 0x4000) !== 0) o += 1 + (p[o] ?? 0);
    if ((flags & 0x2000) !== 0) {
      if (o + 4 > p.length) return false;
      o += 4 + p.readUInt32BE(o);
    }
    return o < p.length && p[o] === 2;
  }

  get headers(): FieldTable | undefined {
    // No headers flag: nothing to decode.
    if (this.rawProperties.length < 2 || (this.rawProperties[0]! & 0x20) === 0) return undefined;
    return this.properties.headers;
  }

  /** Octets this message holds in memory, as counted against the memory watermark. */
  get size(): number {
    return this.body.length + this.rawProperties.length + OVERHEAD;
  }
}
