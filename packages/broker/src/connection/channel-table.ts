/**
 * A connection's channels by number: channel.open (within the negotiated channel_max), the number
 * freed at close, and everything let go when the connection goes.
 */
import { ReplyCode } from "@amqp-go/protocol";
import { Channel } from "../channel/channel.js";
import { ConnectionError, notAllowed } from "../errors.js";
import type { BrokerCounters } from "../ports.js";
import type { Connection } from "./connection.js";

export class ChannelTable {
  private readonly channels: (Channel | undefined)[] = [];
  private open = 0;

  constructor(private readonly counters: BrokerCounters) {}

  get(number: number): Channel | undefined {
    return this.channels[number];
  }

  /** Open channels. */
  get count(): number {
    return this.open;
  }

  /** channel.open on `number`: a second open of a number is a 504, one past channel_max a 530. */
  openChannel(connection: Connection, number: number, channelMax: number): void {
    if (this.channels[number] !== undefined) throw new ConnectionError(ReplyCode.CHANNEL_ERROR, "second 'channel.open' seen", 20, 10);
    if (this.open >= channelMax || number > 65535) {
      throw notAllowed(`number of channels opened (${this.open}) has reached the negotiated channel_max (${channelMax})`);
    }
    this.channels[number] = new Channel(connection, number);
    this.open++;
    this.counters.channelsOpened++;
  }

  /** The channel was closed (close-ok sent or received): its number is free again. */
  closed(c: Channel): void {
    if (this.channels[c.number] === c) {
      this.channels[c.number] = undefined;
      this.open--;
      this.counters.channelsClosed++;
    }
  }

  /** The open channels (a copy). */
  list(): Channel[] {
    const out: Channel[] = [];
    for (const c of this.channels) if (c !== undefined) out.push(c);
    return out;
  }

  /** The socket drained: deliveries go on. */
  resume(): void {
    for (const c of this.channels) if (c !== undefined) c.resume();
  }

  /** The connection goes: every channel lets go of its consumers, deliveries and transactions. */
  releaseAll(): void {
    for (const c of this.channels) if (c !== undefined) c.release();
    this.counters.channelsClosed += this.open;
    this.channels.length = 0;
    this.open = 0;
  }
}
