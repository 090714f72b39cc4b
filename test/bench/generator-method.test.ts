/** The generator, synth and bundles benchmarks' arithmetic: the stall prediction, the per-pipeline fit, counting at the target, figures with their method. */
import { chooseArtilleryRate, stallPrediction } from "../../bench/generator";
import { linearFit, mainTs } from "../../bench/synth";
import { countWindow, type Target } from "../../bench/lib/target";
import { derived, medianFigure, type Sample } from "../../bench/lib/method";
import { formatFigure } from "../../bench/lib/util";

describe("the stalling-target prediction (wrk2-style, from the planned send time)", () => {
  const t0 = 1_000_000;
  const planned = Array.from({ length: 10_000 }, (_, i) => t0 + i); // 1,000/s for 10 s, from the target's clock origin

  it("holding every request for 1 s every 5 s puts 20% of arrivals at 0-1,000 ms: p90 about 500 ms, p99 about 950 ms", () => {
    const p = stallPrediction(planned, t0, 2);
    expect(p.p50Ms).toBe(2);
    expect(p.p90Ms).toBeGreaterThanOrEqual(500);
    expect(p.p90Ms).toBeLessThanOrEqual(504);
    expect(p.p99Ms).toBeGreaterThanOrEqual(950);
    expect(p.p99Ms).toBeLessThanOrEqual(954);
  });

  it("a finite capacity drains the backlog after each stall, so every percentile is at least the plain one", () => {
    const plain = stallPrediction(planned, t0, 2);
    const drained = stallPrediction(planned, t0, 2, 2000);
    expect(drained.p90Ms).toBeGreaterThanOrEqual(plain.p90Ms);
    expect(drained.p99Ms).toBeGreaterThanOrEqual(plain.p99Ms);
    // the first arrival after a stall waits for the 1,000 held ones, served at 0.5 ms each
    expect(stallPrediction([t0, t0 + 500, t0 + 1000], t0, 0, 2).p99Ms).toBe(1000);
  });
});

describe("the synth benchmark", () => {
  it("fits a line through (pipelines, value)", () => {
    const fit = linearFit([1, 4, 8].map((x) => ({ x, y: 3 + 0.07 * x })));
    expect(fit.slope).toBeCloseTo(0.07, 10);
    expect(fit.intercept).toBeCloseTo(3, 10);
  });

  it("writes main.ts the three ways a user does", () => {
    expect(mainTs("deep")).toContain('from "@cdktf/provider-aws/lib/provider"');
    expect(mainTs("barrel")).toContain('import { provider } from "@cdktf/provider-aws";');
    expect(mainTs("barrel")).toContain("new provider.AwsProvider(");
    expect(mainTs("cdktn")).toContain('from "cdktf-genesys-consumer/cdktn"');
    expect(mainTs("cdktn")).toContain('from "cdktn"');
  });
});

describe("counting at the target", () => {
  it("counts the same window for every tool: from `skip` after the first request, for `window` seconds", async () => {
    const began = performance.now();
    // a target answering 1,000/s from 100 ms after the tool starts
    const target = {
      count: async () => Math.max(0, Math.floor(performance.now() - began - 100)),
    } as unknown as Target;
    const w = await countWindow(
      target,
      () => new Promise((r) => setTimeout(() => r("done"), 1600)),
      0.2,
      1,
      () => 0.5,
      10,
    );
    expect(w.result).toBe("done");
    expect(w.accepted).toBeGreaterThan(940);
    expect(w.accepted).toBeLessThan(1060);
    expect(w.perSecondSeries).toHaveLength(1);
    expect(w.cpuSeconds).toBe(0);
  });

  it("fails loudly when the tool stopped before the window ended", async () => {
    let n = 0;
    const target = { count: async () => n++ } as unknown as Target;
    await expect(countWindow(target, () => new Promise((r) => setTimeout(r, 100)), 0, 5, undefined, 10)).rejects.toThrow(/stopped before/);
  });
});

describe("figures with their method", () => {
  const s = (round: number, contender: string, value: number, load1: number): Sample => ({ round, contender, value, load1 });
  const samples = [s(0, "a", 10, 0.5), s(0, "b", 5, 0.5), s(1, "b", 4, 3), s(1, "a", 12, 3), s(2, "a", 11, 1), s(2, "b", 5.5, 1)];

  it("a median figure carries rounds, every sample, spread, load and the noisy flag", () => {
    const f = medianFigure("a req/s", "a", "req/s", samples, { target: ">= 10", met: (m) => m >= 10 });
    expect(f).toMatchObject({ name: "a req/s", value: 11, unit: "req/s", target: ">= 10", met: true });
    expect(f.method).toMatchObject({
      rounds: 3,
      samples: [10, 12, 11],
      spread: { min: 10, max: 12, q1: 10.5, q3: 11.5 },
      load: [0.5, 3, 1],
    });
    expect(f.method!.noisy).toBe(f.method!.cores < 3);
    expect(formatFigure(f)).toMatch(/3 round\(s\), min 10, max 12, IQR 10.5-11.5, load up to 3 on \d+ cores/);
  });

  it("a per-round ratio is derived from the same round's samples, under the round's highest load", () => {
    const ratios = derived("a/b", samples, (r) => r.find((x) => x.contender === "a")!.value / r.find((x) => x.contender === "b")!.value);
    expect(ratios.map((x) => x.value)).toEqual([2, 3, 2]);
    expect(ratios.map((x) => x.load1)).toEqual([0.5, 3, 1]);
  });
});

describe("the rate Artillery is driven at", () => {
  // a ramp as measured here: Artillery's worker near a full core at every step (its arrival timer polls)
  const pegged = [
    { rate: 500, perSecond: 500, cpuShare: 0.99 },
    { rate: 1000, perSecond: 1000, cpuShare: 1 },
    { rate: 2000, perSecond: 2000, cpuShare: 1 },
    { rate: 3000, perSecond: 3008, cpuShare: 1 },
    { rate: 4000, perSecond: 3876, cpuShare: 1 },
    { rate: 6000, perSecond: 4334, cpuShare: 1 },
  ];

  it("with a full core at every step, is the highest step the target answered at >= 95%, not the lowest", () => {
    expect(chooseArtilleryRate(pegged)).toMatchObject({ rate: 4000, rule: "sustained" });
  });

  it("with CPU headroom on some sustained steps, is the highest of those", () => {
    const steps = [
      { rate: 500, perSecond: 500, cpuShare: 0.3 },
      { rate: 1000, perSecond: 999, cpuShare: 0.7 },
      { rate: 2000, perSecond: 1990, cpuShare: 0.95 },
    ];
    expect(chooseArtilleryRate(steps)).toMatchObject({ rate: 1000, rule: "cpu-headroom" });
  });

  it("with no step sustained, is the lowest step, said so", () => {
    expect(chooseArtilleryRate([{ rate: 500, perSecond: 100, cpuShare: 1 }])).toMatchObject({ rate: 500, rule: "lowest" });
  });
});
