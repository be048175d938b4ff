/**
 * Content assembly: a basic.publish, its content header and its body frames become one Message.
 * A body that comes in one frame is kept as the slice it arrived in; a body over several frames is
 * joined once, when its last frame is in. No object per publish but the Message itself.
 */
import { preconditionFailed, publishError } from "../errors.js";
import { Message } from "../message.js";

/** Where an assembled publish goes. */
export interface PublishSink {
  published(message: Message, mandatory: boolean): void;
}

const EMPTY = Buffer.alloc(0);

export class ContentAssembly {
  /** A basic.publish came and its content is not complete yet. */
  private active = false;
  private exchange = "";
  private routingKey = "";
  private mandatory = false;
  private properties: Buffer = EMPTY;
  private bodySize = 0;
  /** Body frames so far, when more than one makes up the body: joined once at the end. */
  private parts: Buffer[] | null = null;
  private received = 0;

  constructor(
    private readonly maxMessageSize: number,
    private readonly sink: PublishSink,
  ) {}

  /** basic.publish: its content header and body frames follow. */
  start(exchange: string, routingKey: string, mandatory: boolean): void {
    this.active = true;
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.mandatory = mandatory;
    this.properties = EMPTY;
    this.bodySize = 0;
    this.parts = null;
    this.received = 0;
  }

  /** Drops a publish in progress (a method came, or the channel closed). */
  reset(): void {
    this.active = false;
    this.properties = EMPTY;
    this.parts = null;
  }

  onHeader(bodySize: number, properties: Buffer): void {
    if (!this.active) return;
    const max = this.maxMessageSize;
    if (bodySize > max) {
      this.reset();
      throw publishError(preconditionFailed(`message size ${bodySize} is larger than configured max size ${max}`));
    }
    this.properties = properties;
    this.bodySize = bodySize;
    if (bodySize === 0) this.complete(EMPTY);
  }

  onBody(body: Buffer): void {
    if (!this.active) return;
    if (this.received === 0 && body.length === this.bodySize) {
      // The whole body in one frame: keep the slice, no copy.
      this.complete(body);
      return;
    }
    // Memory grows with what arrives, not with what the header announces.
    if (this.parts === null) this.parts = [];
    this.parts.push(body);
    this.received += body.length;
    if (this.received === this.bodySize) this.complete(Buffer.concat(this.parts, this.bodySize));
  }

  private complete(body: Buffer): void {
    const message = new Message(this.exchange, this.routingKey, this.properties, body);
    // Nothing kept: the properties are a slice of a socket read buffer.
    this.reset();
    this.sink.published(message, this.mandatory);
  }
}
