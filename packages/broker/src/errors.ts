/**
 * AMQP failures. A ChannelError closes the channel (soft errors: 403, 404, 405, 406); a
 * ConnectionError closes the connection (hard errors: 320, 402, 501-506, 530, 540, 541). Texts
 * follow RabbitMQ's, prefixed with the code's name on the wire (`NOT_FOUND - no queue 'q' ...`).
 */
import { MethodId, ReplyCode, replyText } from "@amqp-go/protocol";

export abstract class AmqpError extends Error {
  abstract readonly hard: boolean;
  constructor(
    readonly replyCode: number,
    message: string,
    /** The method that failed: class and method ids (0 when none). */
    readonly classId = 0,
    readonly methodId = 0,
  ) {
    super(message);
  }

  /** `NOT_FOUND - no queue 'q' in vhost '/'`, cut to the 255 octets of a shortstr. */
  get replyText(): string {
    return replyText(this.replyCode, this.message);
  }
}

export class ChannelError extends AmqpError {
  override readonly name = "ChannelError";
  readonly hard = false;
}

export class ConnectionError extends AmqpError {
  override readonly name = "ConnectionError";
  readonly hard = true;
}

export const notFound = (what: "queue" | "exchange", name: string, vhost: string): ChannelError =>
  new ChannelError(ReplyCode.NOT_FOUND, `no ${what} '${name}' in vhost '${vhost}'`);

export const accessRefused = (message: string): ChannelError => new ChannelError(ReplyCode.ACCESS_REFUSED, message);

export const preconditionFailed = (message: string): ChannelError => new ChannelError(ReplyCode.PRECONDITION_FAILED, message);

export const resourceLocked = (queue: string, vhost: string): ChannelError =>
  new ChannelError(
    ReplyCode.RESOURCE_LOCKED,
    `cannot obtain exclusive access to locked queue '${queue}' in vhost '${vhost}'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
  );

export const notImplemented = (message: string): ConnectionError => new ConnectionError(ReplyCode.NOT_IMPLEMENTED, message);

export const commandInvalid = (message: string): ConnectionError => new ConnectionError(ReplyCode.COMMAND_INVALID, message);

export const notAllowed = (message: string): ConnectionError => new ConnectionError(ReplyCode.NOT_ALLOWED, message);

export const channelError = (message: string): ConnectionError => new ConnectionError(ReplyCode.CHANNEL_ERROR, message);

/** Errors found once a publish's content is in carry basic.publish's ids, as RabbitMQ's do. */
export function publishError(e: ChannelError): ChannelError {
  return new ChannelError(e.replyCode, e.message, MethodId.BasicPublish >>> 16, MethodId.BasicPublish & 0xffff);
}

/**
 * A write to disk failed (a full disk): 541 INTERNAL_ERROR closes the connection, as RabbitMQ's
 * internal_error does (a hard error).
 */
export function storageFailed(err: Error): ConnectionError {
  const code = (err as NodeJS.ErrnoException).code ?? err.message;
  return new ConnectionError(ReplyCode.INTERNAL_ERROR, `cannot write to disk (${code}); retry once space is freed`);
}
