import { pollerModel, SCALING } from "../../bench/drain";

describe("pollerModel (the drain benchmark's standard vs provisioned mode on paper)", () => {
  const base = { workMs: 500, recordsPerInvocation: 10 };

  it("at a constant concurrency the drain is the theoretical minimum", () => {
    // 600 x 500 ms over 5 x 10 records at once = 6 s
    const r = pollerModel({ ...base, backlog: 600, startConcurrency: 5, rampPerMinute: 300, cap: 5 });
    expect(r.drainMs).toBeCloseTo(6000, 6);
    expect(r.rampMs).toBe(0);
    expect(r.concurrencyAtEnd).toBe(5);
  });

  it("while ramping, solves the area under c(t) = start + ramp x t", () => {
    // work = 100,000 x 500 / 10 = 5,000,000 invocation-ms; standard: 5 + t/200 per ms
    const std = pollerModel({ ...base, backlog: 100_000, startConcurrency: 5, rampPerMinute: 300, cap: 1000 });
    const k = 300 / 60_000;
    const area = 5 * std.drainMs + (k * std.drainMs ** 2) / 2;
    expect(area).toBeCloseTo(5_000_000, 3);
    expect(std.drainMs / 1000).toBeCloseTo(43.7, 1);
    const prov = pollerModel({ ...base, backlog: 100_000, startConcurrency: 20, rampPerMinute: 1000, cap: 1000 });
    expect(prov.drainMs).toBeLessThan(std.drainMs);
    expect(prov.drainMs / 1000).toBeCloseTo(23.3, 1);
  });

  it("past the ramp, the rest drains at the cap", () => {
    // start 5, cap 10: ramp 1 minute (area 450,000), then 10 at a time
    const r = pollerModel({ ...base, backlog: 20_000, startConcurrency: 5, rampPerMinute: 5, cap: 10 });
    expect(r.rampMs).toBe(60_000);
    expect(r.drainMs).toBeCloseTo(60_000 + (1_000_000 - 450_000) / 10, 6);
    expect(r.concurrencyAtEnd).toBe(10);
  });

  it("a start above the cap is the cap (5 reserved instances: provisioned mode changes nothing)", () => {
    const std = pollerModel({ ...base, backlog: 600, startConcurrency: SCALING.standard.startConcurrency, rampPerMinute: 300, cap: 5 });
    const prov = pollerModel({
      ...base,
      backlog: 600,
      startConcurrency: 2 * SCALING.provisioned.invokesPerPoller,
      rampPerMinute: 1000,
      cap: 5,
    });
    expect(prov.drainMs).toBeCloseTo(std.drainMs, 9);
  });
});
