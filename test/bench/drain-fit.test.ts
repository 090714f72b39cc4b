import { drainFit } from "../../bench/drain";

describe("drainFit (the drain benchmark's fixed-cost model)", () => {
  const run = (backlog: number, drainMs: number) => ({ backlog, workMs: 500, minimumMs: backlog * 10, drainMs });

  it("splits two runs into a fixed cost and a slope, and solves for the smallest spike that meets the target", () => {
    // drain = 1,500 ms + 1.05 x minimum
    const fit = drainFit(run(600, 1500 + 1.05 * 6000), run(3000, 1500 + 1.05 * 30000));
    expect(fit.slope).toBeCloseTo(1.05, 10);
    expect(fit.fixedMs).toBeCloseTo(1500, 6);
    // 1,500 / minimum + 1.05 <= 1.15  <=>  minimum >= 15,000 ms = 1,500 messages at 10 ms of minimum each
    expect(fit.metFromMinimumMs).toBeCloseTo(15000, 6);
    expect(fit.metFromBacklog).toBe(1500);
    const atThreshold = fit.fixedMs / (fit.metFromMinimumMs as number) + fit.slope;
    expect(atThreshold).toBeCloseTo(1.15, 10);
  });

  it("says never when the per-batch cost alone is over the target", () => {
    const fit = drainFit(run(600, 7200), run(3000, 36000));
    expect(fit.slope).toBeCloseTo(1.2, 10);
    expect(fit.metFromMinimumMs).toBeUndefined();
    expect(fit.metFromBacklog).toBeUndefined();
  });

  it("refuses runs it cannot fit", () => {
    expect(() => drainFit(run(600, 8000), { ...run(3000, 33000), workMs: 2000 })).toThrow("same workMs");
    expect(() => drainFit(run(600, 8000), run(600, 8100))).toThrow("different backlogs");
  });
});
