/**
 * Latency histograms: HdrHistogram (hdr-histogram-js) in microseconds, 3 significant
 * digits, encoded as compressed base64 so agents can ship them to the controller, which
 * adds them up. Percentiles are only ever read from a merged histogram, never averaged.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

/** Percentiles the reports chart (the latency curve). */
export const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100] as const;

/** A latency summary, milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Value at each of {@link CURVE_PERCENTILES}. */
  readonly curve: ReadonlyArray<{ readonly percentile: number; readonly ms: number }>;
}

/** A new empty histogram of microsecond values (auto-resizing). */
export function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 64, numberOfSignificantValueDigits: 3, autoResize: true, lowestDiscernibleValue: 1 });
}

/** Records a duration given in milliseconds (negative values count as 0). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 64);
  // decoded histograms keep their original range: copy into an auto-resizing one
  const out = newHistogram();
  out.add(decoded);
  return out;
}

/** Adds every encoded histogram into one (the correct way to combine agents' latencies). */
export function mergeEncodedHistograms(encoded: readonly string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) total.add(decodeHistogram(e));
  return total;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Percentiles of a microsecond histogram, in milliseconds. */
export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  const at = (p: number) => (count === 0 ? 0 : round(histogram.getValueAtPercentile(p) / 1000));
  return {
    count,
    minMs: at(0),
    meanMs: count === 0 ? 0 : round(histogram.mean / 1000),
    p50Ms: at(50),
    p90Ms: at(90),
    p95Ms: at(95),
    p99Ms: at(99),
    p999Ms: at(99.9),
    // the value at 100 % (highest equivalent value): the same before and after encoding and merging
    maxMs: at(100),
    curve: CURVE_PERCENTILES.map((percentile) => ({ percentile, ms: at(percentile) })),
  };
}
