/**
 * basic.ack frames for a consumer, pre-encoded and patched in place: a slab holds the 21-octet ack
 * frame many times over, each ack patches its delivery tag and `multiple` bit,
 * and `flush()` writes what a socket read produced in one write. Like the producer's slabs, a slab
 * is reused only once the socket is done with it (slabs.ts).
 *
 *   ack frame:  1  channel:u16  13:u32  60:u16 80:u16  delivery-tag:u64  multiple:u8  0xCE
 *   offsets:    0  1            3       7      9       11                19           20
 */
import { MethodId, writeMethodFrame } from "@amqp-go/protocol";
import { CHANNEL, type RawConnection } from "./connection.js";
import { repeated } from "./publish-frames.js";
import { SlabPool } from "./slabs.js";

const ACK_BYTES = 21;
const TAG_AT = 11;
const BITS_AT = 19;
/** Acks per slab. */
const SLAB_ACKS = 4096;

const TEMPLATE = (() => {
  const b = Buffer.alloc(ACK_BYTES + 1);
  const end = writeMethodFrame(b, 0, CHANNEL, { id: MethodId.BasicAck, deliveryTag: 0, multiple: false });
  if (end !== ACK_BYTES) throw new Error(`basic.ack frame of ${end} octets, expected ${ACK_BYTES}`);
  return b.subarray(0, ACK_BYTES);
})();

export class AckWriter {
  private readonly slabs: SlabPool;
  private pos = 0;
  private start = 0;

  constructor(conn: RawConnection) {
    this.slabs = new SlabPool(conn, newSlab);
  }

  ack(tag: number, multiple: boolean): void {
    if (this.pos === this.slabs.current.length) {
      this.flush();
      this.slabs.next();
      this.pos = this.start = 0;
    }
    const b = this.slabs.current;
    const o = this.pos;
    b.writeUInt32BE(Math.floor(tag / 0x1_0000_0000), o + TAG_AT);
    b.writeUInt32BE(tag >>> 0, o + TAG_AT + 4);
    b[o + BITS_AT] = multiple ? 1 : 0;
    this.pos = o + ACK_BYTES;
  }

  /** Writes the acks since the last flush, in one socket write. */
  flush(): void {
    if (this.pos === this.start) return;
    this.slabs.write(this.slabs.current.subarray(this.start, this.pos));
    this.start = this.pos;
  }
}

function newSlab(): Buffer {
  return repeated(TEMPLATE, SLAB_ACKS);
}
