/**
 * End-to-end latency as an HDR histogram of microseconds (3 significant digits, auto-resizing, so a
 * backlog's minutes fit as well as loopback's microseconds). Agents send what they recorded each
 * second as compressed base64; the coordinator adds it up.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

export function encode(h: Histogram): string | null {
  return h.totalCount === 0 ? null : hdr.encodeIntoCompressedBase64(h);
}

export function addEncoded(into: Histogram, encoded: string | null): void {
  if (encoded !== null) into.add(hdr.decodeFromCompressedBase64(encoded, 64, false));
}

export interface Percentiles {
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly p9999: number;
  readonly max: number;
  readonly mean: number;
}

/** Percentiles in milliseconds (the histogram holds microseconds); null when nothing was recorded. */
export function percentilesMs(h: Histogram): Percentiles | null {
  if (h.totalCount === 0) return null;
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p75: ms(h.getValueAtPercentile(75)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    p9999: ms(h.getValueAtPercentile(99.99)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}
