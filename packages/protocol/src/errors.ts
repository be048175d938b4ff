/**
 * Errors of the codec. Malformed input from the wire is always a ProtocolError carrying the AMQP
 * reply code the peer should be closed with; never a generic exception.
 */
import { ReplyCode, replyCodeName } from "./generated/constants.js";
import { methodName } from "./generated/method-info.js";

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  /** Stable code: `AMQP_` + the reply code's spec name, e.g. `AMQP_FRAME_ERROR`. */
  readonly code: string;

  constructor(
    /** The reply code for connection.close / channel.close (501 frame-error, 505 unexpected-frame...). */
    readonly replyCode: number,
    message: string,
    /** Class of the method that failed, or 0. */
    readonly classId = 0,
    /** Method that failed, or 0. */
    readonly methodId = 0,
  ) {
    super(message);
    this.code = `AMQP_${replyCodeName(replyCode)}`;
  }

  /** The reply text RabbitMQ would send: `FRAME_ERROR - <message>`. */
  get replyText(): string {
    return replyText(this.replyCode, this.message);
  }
}

/**
 * A close's reply text as RabbitMQ writes it, `NOT_FOUND - no queue 'q' in vhost '/'`, cut to fit
 * the 255 octets of a shortstr.
 */
export function replyText(replyCode: number, message: string): string {
  const text = `${replyCodeName(replyCode)} - ${message}`;
  return Buffer.byteLength(text) > 255 ? `${Buffer.from(text).subarray(0, 252).toString()}...` : text;
}

/** Method arguments that cannot be decoded: RabbitMQ answers 501 FRAME_ERROR "cannot decode". */
export function malformedMethod(id: number): ProtocolError {
  return new ProtocolError(ReplyCode.FRAME_ERROR, `cannot decode ${methodName(id)} arguments`, id >>> 16, id & 0xffff);
}

/** A content header's property list that cannot be decoded. */
export function malformedProperties(): ProtocolError {
  return new ProtocolError(ReplyCode.FRAME_ERROR, "cannot decode content header properties");
}

/** A field table or array that cannot be decoded. */
export function malformedTable(why: string): ProtocolError {
  return new ProtocolError(ReplyCode.FRAME_ERROR, `malformed field table: ${why}`);
}

/**
 * The caller's buffer has no room for what is being encoded. This is a programming error of the
 * caller (not malformed input), so it is a RangeError; FrameWriter grows its buffer and retries.
 */
export function bufferTooSmall(b: Buffer, o: number): RangeError {
  const e = new RangeError(`encode buffer too small: ${b.length - o} octets free at offset ${o}`);
  (e as RangeError & { code: string }).code = "ERR_AMQP_BUFFER_TOO_SMALL";
  return e;
}

export function isBufferTooSmall(e: unknown): e is RangeError {
  return e instanceof RangeError && (e as RangeError & { code?: string }).code === "ERR_AMQP_BUFFER_TOO_SMALL";
}
