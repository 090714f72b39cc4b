import {
  countArrivals,
  defaultSpikeProfile,
  expandPhases,
  parseProfile,
  peakRatePerSecond,
  planArrivals,
  ProfileError,
  profileDurationSeconds,
  smokeSpikeProfile,
} from "../../../lib/runtime/loadgen";

const YAML = `
name: nightly
spike:
  baseline: { ratePerSecond: 20, durationSeconds: 10 }
  ramp: { durationSeconds: 5 }
  peak: { ratePerSecond: 200 }
  plateau: { durationSeconds: 10 }
  drain: { durationSeconds: 20, rampDownSeconds: 4 }
faults:
  throttle: { fraction: 0.01, retryAfterSeconds: 3 }
  poison: { fraction: 0.001 }
slo:
  ackP99Ms: 500
`;

describe("parseProfile", () => {
  test("reads YAML, expands the spike shape and fills every default", () => {
    const p = parseProfile(YAML);
    expect(p.name).toBe("nightly");
    expect(expandPhases(p).map((ph) => [ph.name, ph.type, ph.durationSeconds])).toEqual([
      ["baseline", "constant", 10],
      ["ramp", "ramp", 5],
      ["plateau", "constant", 10],
      ["ramp-down", "ramp", 4],
      ["drain", "constant", 20],
    ]);
    expect(p.faults).toEqual({
      throttle: { fraction: 0.01, retryAfterSeconds: 3, attempts: 1 },
      transient: { fraction: 0, attempts: 1 },
      poison: { fraction: 0.001 },
    });
    expect(p.sending).toEqual({
      maxInFlight: 512,
      connections: 64,
      requestTimeoutSeconds: 10,
      retry: {
        maxAttempts: 4,
        baseDelayMs: 200,
        maxDelayMs: 10_000,
        maxRetryAfterSeconds: 30,
        budgetTokens: 500,
        retryCost: 5,
        timeoutRetryCost: 10,
        successRefund: 1,
      },
    });
    expect(p.reconcile).toEqual({ deadlineSeconds: 300, pollIntervalSeconds: 2 });
    expect(p.slo).toEqual({
      maxLost: 0,
      maxUnexpectedDeadLetters: 0,
      maxDuplicateSideEffects: 0,
      maxDuplicateDeliveryRatio: 0.01,
      ackP99Ms: 500,
      maxAcksOverGenesysTimeoutRatio: 0.01,
      endToEndP99Ms: 120_000,
      minAcceptedRatio: 0.999,
    });
    expect(p.conversations).toBe(50);
    expect(profileDurationSeconds(p)).toBe(49);
    expect(peakRatePerSecond(p)).toBe(200);
    // 200 + 550 + 2000 + 440 + 400
    expect(countArrivals(p)).toBe(3590);
  });

  test("reads JSON text and objects alike", () => {
    const json = JSON.stringify({ phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 2 }] });
    expect(parseProfile(json, "json")).toEqual(parseProfile(JSON.parse(json)));
  });

  test.each([
    [{ phases: [{ type: "constant", ratePerSecond: -1, durationSeconds: 1 }] }, "phases.0.ratePerSecond"],
    [{ phases: [{ type: "constant", rate: 5, durationSeconds: 1 }] }, "phases.0"],
    [{ phases: [{ type: "burst", durationSeconds: 1 }] }, "phases.0.type"],
    [{}, "phases: give exactly one of `phases` or `spike`"],
    [{ phases: [{ type: "pause", durationSeconds: 1 }], spike: defaultSpikeProfile.spike }, "phases: give exactly one"],
    [
      { ...smokeSpikeProfile, faults: { throttle: { fraction: 0.7 }, poison: { fraction: 0.6 } } },
      "faults: the fault fractions add up to 1.3",
    ],
    [{ ...smokeSpikeProfile, slo: { ackP99Ms: "fast" } }, "slo.ackP99Ms"],
    [{ ...smokeSpikeProfile, sending: { retry: { maxAttempts: 0 } } }, "sending.retry.maxAttempts"],
    [{ phases: [{ type: "pause", durationSeconds: 3 }] }, "plans no arrivals"],
  ])("rejects %j naming the field", (input, field) => {
    expect(() => parseProfile(input)).toThrow(ProfileError);
    expect(() => parseProfile(input)).toThrow(field);
  });

  test("rejects text that is neither JSON nor YAML", () => {
    expect(() => parseProfile("{ not json", "json")).toThrow(/invalid spike profile:\n {2}- not valid JSON/);
  });
});

describe("planArrivals", () => {
  test("a constant phase plans evenly spaced arrivals from 0", () => {
    const plan = planArrivals(parseProfile({ phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 2 }] }));
    expect(plan.length).toBe(40);
    expect(Array.from(plan.slice(0, 3))).toEqual([0, 50, 100]);
    expect(plan[39]).toBeCloseTo(1950, 6);
  });

  test("a ramp's arrivals follow the integral of its rate; pauses plan nothing", () => {
    const plan = planArrivals(
      parseProfile({
        phases: [
          { type: "ramp", fromRatePerSecond: 0, toRatePerSecond: 100, durationSeconds: 2 },
          { type: "pause", durationSeconds: 5 },
          { type: "constant", ratePerSecond: 10, durationSeconds: 1 },
        ],
      }),
    );
    expect(plan.length).toBe(110);
    // N(t) = 25 t^2: arrival 25 at t = 1 s, arrival 64 at t = 1.6 s
    expect(plan[25]).toBeCloseTo(1000, 6);
    expect(plan[64]).toBeCloseTo(1600, 6);
    // after the pause, the constant phase starts at 7 s
    expect(plan[100]).toBeCloseTo(7000, 6);
    for (let i = 1; i < plan.length; i++) expect(plan[i]).toBeGreaterThanOrEqual(plan[i - 1]);
  });

  test("the built-in profiles: about 65 s at 10 -> 100 msg/s, and a 10 s smoke run", () => {
    const d = parseProfile(defaultSpikeProfile);
    expect(profileDurationSeconds(d)).toBe(65);
    expect(peakRatePerSecond(d)).toBe(100);
    expect(expandPhases(d)[0]).toMatchObject({ type: "constant", ratePerSecond: 10 });
    const s = parseProfile(smokeSpikeProfile);
    expect(profileDurationSeconds(s)).toBe(10);
    expect(s.faults.poison.fraction).toBeGreaterThan(0);
  });
});
