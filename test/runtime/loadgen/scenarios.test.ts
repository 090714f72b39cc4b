import { normalizedMessageSchema, orderingKey, SIGNATURE_HEADER, verify } from "cdktf-genesys-consumer/runtime";
import {
  buildSyntheticRequest,
  expandPhases,
  messageKindFor,
  parseProfile,
  peakRatePerSecond,
  planArrivals,
  profileDurationSeconds,
  ProfileError,
  renderHtmlReport,
  renderSummary,
  runIngress,
  runSpike,
  scenarioPlanOf,
  scenarioReports,
  SyntheticMessageFactory,
  type SpikeProfileInput,
} from "../../../lib/runtime/loadgen";
import { startTarget, type Target } from "./target";

const SECRET = "a-webhook-secret-of-20-chars";

const twoScenarios: SpikeProfileInput = {
  name: "two",
  conversations: 5,
  scenarios: [
    { name: "steady", phases: [{ type: "constant", ratePerSecond: 10, durationSeconds: 4 }] },
    {
      name: "spike",
      conversations: 3,
      messages: {
        mix: [
          { kind: "typing", weight: 1 },
          { kind: "receipt", weight: 1 },
        ],
      },
      phases: [
        { type: "pause", durationSeconds: 1 },
        { type: "ramp", fromRatePerSecond: 0, toRatePerSecond: 40, durationSeconds: 1, arrivals: "poisson" },
        { type: "constant", ratePerSecond: 40, durationSeconds: 1 },
      ],
    },
  ],
  reconcile: { deadlineSeconds: 5, pollIntervalSeconds: 0.1 },
};

describe("scenarios: several traffic shapes in one run", () => {
  const p = parseProfile(twoScenarios);
  const sp = scenarioPlanOf(p)!;

  it("the plan merges each scenario's own plan in time order", () => {
    const steady = planArrivals({ phases: p.scenarios![0].phases });
    const plan = planArrivals(p);
    expect(plan).toBe(sp.plan);
    for (let i = 1; i < plan.length; i++) expect(plan[i]).toBeGreaterThanOrEqual(plan[i - 1]);
    const steadyTimes = Array.from(plan).filter((_, seq) => sp.scenarioOf[seq] === 0);
    expect(steadyTimes).toEqual(Array.from(steady));
    const spikeCount = plan.length - steadyTimes.length;
    expect(spikeCount).toBeGreaterThan(40); // ~20 Poisson + 40 uniform
    expect(spikeCount).toBeLessThan(80);
    expect(
      Array.from(plan)
        .filter((_, seq) => sp.scenarioOf[seq] === 1)
        .every((t) => t >= 1000 && t <= 3000),
    ).toBe(true);
  });

  it("the run's phases are the scenarios' total rate (duration, peak, charts)", () => {
    expect(expandPhases(p)).toEqual([
      { type: "constant", ratePerSecond: 10, durationSeconds: 1 },
      { type: "ramp", fromRatePerSecond: 10, toRatePerSecond: 50, durationSeconds: 1 },
      { type: "constant", ratePerSecond: 50, durationSeconds: 1 },
      { type: "constant", ratePerSecond: 10, durationSeconds: 1 },
    ]);
    expect(profileDurationSeconds(p)).toBe(4);
    expect(peakRatePerSecond(p)).toBe(50);
  });

  it("each scenario's messages use its own mix and conversations, signed and accepted by the worker's parser", () => {
    const factory = new SyntheticMessageFactory({ runId: "run-sc", profile: p, secret: SECRET });
    const keys = [new Set<string>(), new Set<string>()];
    for (let seq = 0; seq < sp.plan.length; seq++) {
      const request = factory.build(seq, 1_735_689_600_000 + sp.plan[seq]);
      expect(request.body).toBe(
        buildSyntheticRequest({ runId: "run-sc", seq, plannedSendMs: 1_735_689_600_000 + sp.plan[seq], profile: p, secret: SECRET }).body,
      );
      expect(verify(request.body, request.headers[SIGNATURE_HEADER], [SECRET])).toBe(true);
      const message = normalizedMessageSchema.parse(JSON.parse(request.body));
      const scenario = sp.scenarioOf[seq];
      keys[scenario].add(orderingKey(message));
      const kind = messageKindFor(p, seq);
      if (scenario === 0) expect(message.type).toBe("Text");
      else expect(["typing", "receipt"]).toContain(kind);
    }
    expect(keys[0].size).toBe(5);
    expect(keys[1].size).toBe(3);
    for (const key of keys[1]) expect(keys[0].has(key)).toBe(false);
  });

  it("scenarioReports splits planned, accepted and delivery counts per scenario", () => {
    const firstSpikeSeq = sp.scenarioOf.indexOf(1);
    const reports = scenarioReports(p.scenarios!, sp, [0, firstSpikeSeq], { processedByScenario: [38, 50], lostByScenario: [1, 0] });
    expect(reports[0]).toEqual({ name: "steady", planned: 40, notAccepted: 1, accepted: 39, processed: 38, lost: 1 });
    expect(reports[1].name).toBe("spike");
    expect(reports[1].notAccepted).toBe(1);
    expect(reports[0].planned + reports[1].planned).toBe(sp.plan.length);
  });

  describe("a run against a local target", () => {
    let target: Target;
    beforeAll(async () => {
      target = await startTarget((arrival) => ({ status: JSON.parse(arrival.body).type === "Receipt" ? 500 : 202 }));
    });
    afterAll(() => target.close());

    it("reports the scenarios separately and together", async () => {
      const report = await runSpike({
        targetUrl: target.url,
        secret: SECRET,
        profile: { ...twoScenarios, sending: { retry: { maxAttempts: 1 } } },
        runId: "run-scenarios-1",
      });
      const receipts = Array.from(sp.plan).filter((_, seq) => messageKindFor(p, seq) === "receipt").length;
      expect(receipts).toBeGreaterThan(5);
      expect(report.planned).toBe(sp.plan.length);
      expect(report.scenarios).toMatchObject([
        { name: "steady", planned: 40, notAccepted: 0, accepted: 40, ack: { count: 40 } },
        {
          name: "spike",
          planned: sp.plan.length - 40,
          notAccepted: receipts,
          accepted: sp.plan.length - 40 - receipts,
          ack: { count: sp.plan.length - 40 - receipts },
        },
      ]);
      expect(report.counts.accepted).toBe(report.scenarios![0].accepted + report.scenarios![1].accepted);
      const summary = renderSummary(report);
      expect(summary).toContain("Scenarios (each on its own; the figures above add them together)");
      expect(summary).toContain(
        `  spike: planned ${sp.plan.length - 40}, accepted ${sp.plan.length - 40 - receipts}, not accepted ${receipts}`,
      );
      const html = renderHtmlReport(report);
      expect(html).toContain('<section id="scenarios"><h2>Scenarios</h2>');
      expect(html).toContain(`<tr><th>steady</th><td>40</td><td>40</td><td>0</td>`);
      expect(html).toContain(
        `<tr><th>spike</th><td>${sp.plan.length - 40}</td><td>${sp.plan.length - 40 - receipts}</td><td>${receipts}</td>`,
      );
    });

    it("a fan-out of two agents reports the same per-scenario counts, their acks merged", async () => {
      const report = await runSpike({
        targetUrl: target.url,
        secret: SECRET,
        profile: { ...twoScenarios, sending: { retry: { maxAttempts: 1 } } },
        runId: "run-scenarios-2",
        fanOut: {
          agentCount: 2,
          startDelayMs: 200,
          runAgent: (a) =>
            runIngress({
              targetUrl: target.url,
              secret: SECRET,
              profile: a.profile,
              runId: a.runId,
              agentIndex: a.agentIndex,
              agentCount: a.agentCount,
              startAtMs: a.startAtMs,
            }),
        },
      });
      expect(report.agents).toBe(2);
      expect(report.scenarios!.map((s) => [s.planned, s.accepted, s.ack?.count])).toEqual([
        [40, 40, 40],
        [sp.plan.length - 40, report.scenarios![1].accepted, report.scenarios![1].accepted],
      ]);
      expect(report.scenarios![1].accepted).toBe(report.counts.accepted - 40);
    });
  });

  it.each([
    [
      {
        scenarios: [{ name: "a", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] }],
        phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }],
      },
      "phases: give exactly one of `phases` or `spike` (or `scenarios`",
    ],
    [
      {
        scenarios: [
          { name: "a", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] },
          { name: "a", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] },
        ],
      },
      'scenarios.1.name: scenario "a" is named twice',
    ],
    [
      { scenarios: [{ name: "a b", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] }] },
      "scenarios.0.name: 1 to 64 letters",
    ],
    [{ scenarios: [{ name: "a" }] }, "scenarios.0.phases: give exactly one of `phases` or `spike` for this scenario"],
    [
      { scenarios: [{ name: "a", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }], target: "x y" }] },
      "scenarios.0.target: a target name: 1 to 64 letters, digits, `.`, `_` or `-`",
    ],
  ])("refuses %j naming the field", (input, message) => {
    expect(() => parseProfile(input)).toThrow(ProfileError);
    expect(() => parseProfile(input)).toThrow(message);
  });
});
