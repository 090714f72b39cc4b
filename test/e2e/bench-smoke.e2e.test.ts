/**
 * The benchmarks in miniature, so that they do not rot between the hand-run full passes:
 * the drain, goodput and bundles benchmarks (the ones that need only this package's own
 * dependencies; the generator benchmark needs bench/'s autocannon and Artillery, the synth
 * benchmark an npm pack) run with tiny sizes against 127.0.0.1; bundles from the repository's
 * sources (the packed-package path is the hand-run pass's). The assertions are about
 * what each benchmark measured being a measurement (every message accounted for, figures
 * present and physically possible), never about speed: targets belong to `npm run bench`.
 *
 * `npm run test:e2e -- bench-smoke`, about 40 s.
 */
import { benchBundles } from "../../bench/bundles";
import { benchDrain } from "../../bench/drain";
import { benchGoodput } from "../../bench/goodput";
import type { BenchResult } from "../../bench/lib/util";

function figure(result: BenchResult, name: string): number {
  const f = result.figures.find((x) => x.name === name);
  if (!f) throw new Error(`${result.name}: no figure "${name}" (have: ${result.figures.map((x) => x.name).join("; ")})`);
  expect(typeof f.value).toBe("number");
  return f.value as number;
}

describe("benchmark smoke runs", () => {
  let out: jest.SpyInstance;
  beforeAll(() => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterAll(() => out.mockRestore());

  it("drain: a 100-message spike drains completely, and never faster than the theoretical minimum", async () => {
    const result = await benchDrain({ backlog: 100, workMs: 50 });
    expect(figure(result, "processed / backlog")).toBe(1);
    expect(figure(result, "theoretical minimum")).toBeCloseTo((100 * 50) / (5 * 10) / 1000, 6);
    const drain = figure(result, "drain time (burst start -> queue empty)");
    expect(drain).toBeGreaterThanOrEqual(figure(result, "theoretical minimum"));
    expect(figure(result, "drain time / theoretical minimum")).toBeGreaterThanOrEqual(1);
    const details = result.details as { delivery: { lost?: number }; mappings: { stats: { batches: number } }[] };
    expect(details.delivery.lost ?? 0).toBe(0);
    expect(details.mappings[0].stats.batches).toBeGreaterThanOrEqual(10);
  });

  it("goodput: every strategy gets calls through the rate-limited downstream, and each 429 share is a share", async () => {
    const result = await benchGoodput({ durationSeconds: 5, multiples: [2] });
    for (const strategy of ["ours", "fixed-sleep", "exponential"]) {
      expect(figure(result, `2R ${strategy}: goodput / R`)).toBeGreaterThan(0);
      const share = figure(result, `2R ${strategy}: share of calls answered 429`);
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    }
  });

  it("bundles: each bundle is built and loads, interleaved with wall and CPU time and spread, and the per-message overhead is measured", async () => {
    const result = await benchBundles({ quick: true, rounds: 2, pack: false });
    for (const bundle of ["worker", "loadgen", "sdk+powertools baseline"]) {
      expect(figure(result, `${bundle}: bundle size`)).toBeGreaterThan(100);
      expect(figure(result, `${bundle}: cold-start module init`)).toBeGreaterThan(0);
      expect(figure(result, `${bundle}: cold-start module init CPU`)).toBeGreaterThan(0);
      const init = result.figures.find((f) => f.name === `${bundle}: cold-start module init`)!;
      expect(init.method).toMatchObject({ rounds: 2, cores: expect.any(Number), noisy: expect.any(Boolean) });
      expect(init.method!.samples).toHaveLength(2);
      expect(init.method!.load).toHaveLength(2);
    }
    expect(figure(result, "worker runtime overhead per message (CPU, no I/O)")).toBeGreaterThan(0);
    expect(figure(result, "bare handler per message (CPU)")).toBeGreaterThan(0);
  });
});
