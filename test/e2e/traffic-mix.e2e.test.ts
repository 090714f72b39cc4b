/**
 * Traffic that looks like Genesys traffic, through the synthesized demo stack run by the local
 * emulator: two scenarios at once (steady mixed traffic with uniform arrivals, and a Poisson
 * spike of every message kind with sizes up to 100 kB), reconciled with nothing lost, and
 * reported per scenario and in total. About 8 s of traffic.
 *
 * `npx jest -c jest.e2e.config.js test/e2e/traffic-mix.e2e.test.ts`
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack, type LocalRunResult } from "../../lib/local/run";
import { messageKindFor, parseProfile, planArrivals, type SpikeProfileInput } from "../../lib/runtime/loadgen";
import { failedCorrectnessChecks, reconciledDelivery, synthesizeDemo } from "./local-helpers";

jest.setTimeout(240_000);

const profile: SpikeProfileInput = {
  name: "traffic-mix-e2e",
  conversations: 10,
  workMs: 1,
  messages: {
    mix: [
      { kind: "text", weight: 70 },
      { kind: "structured", weight: 10 },
      { kind: "attachment", weight: 5 },
      { kind: "typing", weight: 10 },
      { kind: "receipt", weight: 5 },
    ],
    sizeBytes: { distribution: "lognormal", median: 800, sigma: 1.5, max: 100_000 },
  },
  scenarios: [
    { name: "steady", phases: [{ type: "constant", ratePerSecond: 8, durationSeconds: 8 }] },
    {
      name: "spike",
      conversations: 4,
      phases: [
        { type: "pause", durationSeconds: 2 },
        { type: "ramp", fromRatePerSecond: 5, toRatePerSecond: 30, durationSeconds: 2, arrivals: "poisson" },
        { type: "constant", ratePerSecond: 30, durationSeconds: 2, arrivals: "poisson" },
      ],
    },
  ],
  faults: { transient: { fraction: 0.02 } },
  reconcile: { deadlineSeconds: 90, pollIntervalSeconds: 1 },
};

describe("a Genesys-like traffic mix in two scenarios through the local demo stack", () => {
  let result: LocalRunResult;
  const reportDir = join(tmpdir(), `gcx-traffic-mix-${process.pid}`);

  beforeAll(async () => {
    result = await runLocalStack({ stack: synthesizeDemo(), profile, reportDir, html: false });
  });
  afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

  it("sent every kind of message", () => {
    const parsed = parseProfile(profile);
    const kinds = new Set(Array.from(planArrivals(parsed), (_, seq) => messageKindFor(parsed, seq)));
    expect([...kinds].sort()).toEqual(["attachment", "receipt", "structured", "text", "typing"]);
  });

  it("accepts and processes every message, loses nothing, repeats no side effect", () => {
    const delivery = reconciledDelivery(result);
    expect(result.spike.counts.offered).toBe(result.spike.planned);
    expect(delivery.accepted).toBe(result.spike.counts.offered);
    expect(delivery.lost).toBe(0);
    expect(delivery.processed).toBe(delivery.accepted);
    expect(delivery.deadLetteredUnexpected).toBe(0);
    expect(delivery.duplicateSideEffects).toBe(0);
    expect(failedCorrectnessChecks(result)).toEqual([]);
  });

  it("reports each scenario on its own, adding up to the run", () => {
    const scenarios = result.spike.scenarios!;
    expect(scenarios.map((s) => s.name)).toEqual(["steady", "spike"]);
    expect(scenarios[0].planned).toBe(64);
    expect(scenarios[1].planned).toBeGreaterThan(30);
    for (const s of scenarios) {
      expect(s.lost).toBe(0);
      expect(s.processed).toBe(s.accepted);
      expect(s.accepted).toBe(s.planned);
      expect(s.ack!.count).toBe(s.accepted);
    }
    expect(scenarios[0].planned + scenarios[1].planned).toBe(result.spike.planned);
    expect(scenarios[0].processed! + scenarios[1].processed!).toBe(reconciledDelivery(result).processed);
  });
});
