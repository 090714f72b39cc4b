import { encodeHistogram, mergeEncodedHistograms, newHistogram, recordMs, summarize } from "../../../lib/runtime/loadgen";

test("merging the encoded histograms of several agents equals one histogram of all values", () => {
  // Prepare: three agents with very different latency distributions
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const agents = [
    Array.from({ length: 3000 }, () => 1 + random() * 9),
    Array.from({ length: 1000 }, () => 50 + random() * 450),
    Array.from({ length: 200 }, () => 2000 + random() * 8000),
  ];
  const all = newHistogram();
  const encoded = agents.map((values) => {
    const h = newHistogram();
    for (const v of values) {
      recordMs(h, v);
      recordMs(all, v);
    }
    return encodeHistogram(h);
  });
  // Act
  const merged = mergeEncodedHistograms(encoded);
  // Assess: identical counts and percentiles everywhere
  expect(merged.totalCount).toBe(4200);
  const s = summarize(merged);
  expect(s).toEqual(summarize(all));
  for (const p of [1, 10, 50, 75, 90, 95, 99, 99.9, 100]) expect(merged.getValueAtPercentile(p)).toBe(all.getValueAtPercentile(p));
  // and averaging the agents' p99 would be wrong by a wide margin
  const averaged = agents.map((_, i) => mergeEncodedHistograms([encoded[i]]).getValueAtPercentile(99) / 1000).reduce((a, b) => a + b) / 3;
  expect(Math.abs(averaged - s.p99Ms)).toBeGreaterThan(1000);
  // the HDR resolution is 3 significant digits
  const exact = agents.flat().sort((a, b) => a - b);
  expect(s.p50Ms).toBeCloseTo(exact[Math.ceil(0.5 * exact.length) - 1], 0);
});

test("an empty histogram summarizes to zeros", () => {
  expect(summarize(newHistogram())).toMatchObject({ count: 0, p99Ms: 0, maxMs: 0 });
});
