import { parseProfile, planArrivals, poissonInstants, seededRandom, type SpikeProfileInput } from "../../../lib/runtime/loadgen";

function stats(plan: Float64Array): { mean: number; cv: number } {
  const gaps: number[] = [];
  for (let i = 1; i < plan.length; i++) gaps.push(plan[i] - plan[i - 1]);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const variance = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / (gaps.length - 1);
  return { mean, cv: Math.sqrt(variance) / mean };
}

function profile(arrivals: "uniform" | "poisson" | undefined, overrides: Partial<SpikeProfileInput> = {}) {
  return parseProfile({
    name: "arrivals",
    phases: [{ type: "constant", ratePerSecond: 50, durationSeconds: 200, ...(arrivals ? { arrivals } : {}) }],
    ...overrides,
  });
}

describe("arrivals: uniform (today) and Poisson, per phase", () => {
  it("Poisson: mean inter-arrival 1/rate and coefficient of variation ~1; uniform: the same mean and CV 0", () => {
    const poisson = planArrivals(profile("poisson"));
    const uniform = planArrivals(profile("uniform"));
    expect(Math.abs(poisson.length - 10_000)).toBeLessThan(4 * Math.sqrt(10_000)); // Poisson count: sd = sqrt(mean)
    const p = stats(poisson);
    expect(p.mean).toBeGreaterThan(19);
    expect(p.mean).toBeLessThan(21);
    expect(p.cv).toBeGreaterThan(0.95);
    expect(p.cv).toBeLessThan(1.05);
    const u = stats(uniform);
    expect(uniform.length).toBe(10_000);
    expect(u.mean).toBeCloseTo(20, 6);
    expect(u.cv).toBeLessThan(1e-6);
    for (let i = 1; i < poisson.length; i++) expect(poisson[i]).toBeGreaterThanOrEqual(poisson[i - 1]);
    expect(poisson[poisson.length - 1]).toBeLessThanOrEqual(200_000);
  });

  it("`arrivals` absent plans exactly today's arrivals (uniform)", () => {
    expect(Array.from(planArrivals(profile(undefined)))).toEqual(Array.from(planArrivals(profile("uniform"))));
  });

  it("Poisson is reproducible from the seed (default: the profile name) and differs across seeds", () => {
    const a = planArrivals(profile("poisson"));
    expect(Array.from(planArrivals(profile("poisson")))).toEqual(Array.from(a));
    expect(Array.from(planArrivals(profile("poisson", { name: "x", seed: "arrivals" })))).toEqual(Array.from(a));
    expect(Array.from(planArrivals(profile("poisson", { seed: "another" })))).not.toEqual(Array.from(a));
  });

  it("a Poisson ramp follows the rate: the second half of a 0 -> 100/s ramp holds ~3x the first half's arrivals", () => {
    const instants = poissonInstants(0, 100, 100, seededRandom("ramp"));
    const firstHalf = instants.filter((t) => t < 50).length;
    const secondHalf = instants.length - firstHalf;
    expect(Math.abs(instants.length - 5000)).toBeLessThan(4 * Math.sqrt(5000));
    expect(secondHalf / firstHalf).toBeGreaterThan(2.7);
    expect(secondHalf / firstHalf).toBeLessThan(3.3);
  });

  it("mixed phases: a uniform phase after a Poisson one starts at its own start and keeps even spacing", () => {
    const p = parseProfile({
      phases: [
        { type: "constant", ratePerSecond: 10, durationSeconds: 5, arrivals: "poisson" },
        { type: "pause", durationSeconds: 1 },
        { type: "constant", ratePerSecond: 4, durationSeconds: 2 },
      ],
    });
    const plan = Array.from(planArrivals(p));
    const tail = plan.filter((t) => t >= 6000);
    expect(tail).toEqual([6000, 6250, 6500, 6750, 7000, 7250, 7500, 7750]);
    expect(plan.filter((t) => t >= 5000 && t < 6000)).toEqual([]);
    expect(plan.filter((t) => t < 5000).length).toBeGreaterThan(25);
  });
});
