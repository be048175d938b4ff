/**
 * Before a routed message is enqueued: it is stamped with its arrival time when a TTL may apply
 * (its deadline in each queue counts from there, on disk too), and queues with x-overflow
 * reject-publish(-dlx) that are full refuse it. Only for a message with `expiration` or routed to
 * a queue with arguments (`Queue.plain` false): a plain publish never comes here.
 */
import type { Message } from "../message.js";
import type { Queue } from "./queue.js";

/**
 * Keeps in `queues[0..n)` the queues that take `message` (in order, the array truncated to them);
 * returns how many. Fewer than `n`: a queue refused it (a publisher in confirm mode gets a nack).
 */
export function admit(message: Message, queues: Queue[], n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    const q = queues[i]!;
    if (!q.plain) {
      if (q.args.messageTtl >= 0 && message.arrivedAt === 0) message.arrivedAt = Date.now();
      if (q.refuses(message)) continue;
    }
    queues[k++] = q;
  }
  if (message.ttl >= 0 && message.arrivedAt === 0) message.arrivedAt = Date.now();
  if (k < n) queues.length = k;
  return k;
}
