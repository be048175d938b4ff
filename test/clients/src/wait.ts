/** Waiting on conditions with a bound and a message that says what did not happen: no fixed sleeps. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `ready()` holds (polled every 10 ms); fails after `timeoutMs` naming `what`. */
export async function until(what: string, ready: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** `p`, or a rejection naming `what` when it has not settled within `timeoutMs` (a close that hangs, say). */
export function within<T>(what: string, p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve at hand, for callback and event APIs. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Bodies "<prefix>-0" .. "<prefix>-(n-1)". */
export function bodies(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

/** Burst sizes for publish-a-burst-then-close, and how many times each is tried: the close race is timing-dependent. */
export const BURST_SIZES = [5, 50, 200, 1000] as const;
export const BURST_ROUNDS = 3;

/** Heartbeat asked for by the heartbeat tests (s), and how long they stay idle: several intervals. */
export const HEARTBEAT_S = 1;
export const IDLE_MS = 3500;
