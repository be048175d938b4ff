/**
 * The one clock of the bench: the machine's monotonic clock (`process.hrtime`, CLOCK_MONOTONIC),
 * which every process on the machine shares, so a timestamp written by a producer in one process
 * and read by a consumer in another gives a true end-to-end latency.
 */

/** Nanoseconds, for the timestamp in each message. */
export const nowNs = (): bigint => process.hrtime.bigint();

/** Milliseconds as a float, for phases and rates. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
