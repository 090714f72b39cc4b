/**
 * `slo.thresholds`: the expression parser (good and bad expressions, the messages), the
 * refusals at parseProfile (unknown metric, abortOnFail on a reconciliation metric), the
 * judging (pass, fail, warn-only, INFO for latency on a local run), the abort watcher's grace
 * period, and the SLO fields as the expressions they stand for.
 */
import { judge, parseProfile, ProfileError, SLO_FIELD_EXPRESSIONS, type VerdictInput } from "../../../lib/runtime/loadgen";
import { abortWatcher, expressionValue, parseThreshold, ThresholdError, type MetricValues } from "../../../lib/runtime/loadgen/thresholds";
import { newHistogram, recordMs, type LatencySummary } from "../../../lib/runtime/loadgen/histogram";

const BASE = { phases: [{ type: "constant" as const, ratePerSecond: 10, durationSeconds: 1 }] };

/** A latency summary whose percentiles are all exactly `ms` (HDR would round them). */
function flat(ms: number, count = 100): LatencySummary {
  return { count, minMs: ms, meanMs: ms, p50Ms: ms, p90Ms: ms, p95Ms: ms, p99Ms: ms, p999Ms: ms, maxMs: ms, curve: [] };
}

const counts = {
  offered: 1000,
  attempts: 1100,
  retries: 100,
  accepted: 1000,
  dropped: 0,
  failed: 0,
  throttledResponses: 100,
  errorResponses: 0,
  retriesRefusedByBudget: 0,
  acksAfterGenesysTimeout: 0,
  statusCodes: { "200": 1000, "429": 100 },
};
const metrics: MetricValues = {
  counts,
  ack: flat(300),
  service: flat(20),
  endToEnd: flat(1500),
  delivery: {
    processed: 1000,
    lost: 0,
    inFlight: 0,
    duplicateSideEffects: 0,
    duplicateDeliveries: 2,
    deadLetteredExpected: 0,
    deadLetteredUnexpected: 0,
    faultViolations: 0,
  },
};
const good: VerdictInput = {
  offered: 1000,
  accepted: 1000,
  ackP99Ms: 300,
  acksAfterGenesysTimeout: 0,
  delivery: {
    lost: 0,
    inFlight: 0,
    deadLetteredUnexpected: 0,
    duplicateSideEffects: 0,
    duplicateDeliveries: 2,
    endToEndP99Ms: 1500,
    faultViolations: 0,
  },
  metrics,
};

describe("parseThreshold", () => {
  test.each([
    ["ack.p99 < 800", { metric: "ack.p99", rate: false, op: "<", value: 800 }, "ack.p99 < 800"],
    ["endToEnd.p99.9 <= 5000", { metric: "endToEnd.p99.9", rate: false, op: "<=", value: 5000 }, "endToEnd.p99.9 <= 5000"],
    ["rate(status.429) < 0.05", { metric: "status.429", rate: true, op: "<", value: 0.05 }, "rate(status.429) < 0.05"],
    ["  lost==0 ", { metric: "lost", rate: false, op: "==", value: 0 }, "lost == 0"],
    ["duplicateSideEffects != 1e0", { metric: "duplicateSideEffects", rate: false, op: "!=", value: 1 }, "duplicateSideEffects != 1"],
    ["800 > ack.p99", { metric: "ack.p99", rate: false, op: "<", value: 800 }, "ack.p99 < 800"],
    [
      "rate( deadLettered.unexpected ) >= .5",
      { metric: "deadLettered.unexpected", rate: true, op: ">=", value: 0.5 },
      "rate(deadLettered.unexpected) >= 0.5",
    ],
  ])("%s", (text, parsed, normalized) => {
    expect(parseThreshold(text)).toEqual({ ...parsed, text: normalized });
  });

  test.each([
    ["ack.p98 < 800", /unknown metric "ack\.p98"; valid metrics: ack\.min, .*ack\.p99\.9.*lost.*status\.<code>/],
    ["rate(lots) < 1", /unknown metric "lots"/],
    ["ack.p99 < 800ms", /a number with a unit at column 11 \("800ms"\): write plain numbers \(latencies are ms/],
    ["ack.p99 800", /expected a comparison \(< <= > >= == !=\) at column 9, found "800"/],
    ["ack.p99 <", /expected a number at the end/],
    ["ack.p99 < 800 && lost == 0", /unexpected "&" at column 15/],
    ["ack.p99 < 800 lost", /expected the end of the expression \(one comparison per threshold\)/],
    ["sum(lost) < 1", /unknown function "sum"; the only function is rate\(metric\)/],
    ["rate(ack.p99) < 1", /rate\(ack\.p99\) is not defined/],
    ["rate(status.429 < 1", /expected "\)"/],
    ["", /empty threshold expression/],
    ["process.exit(1) < 1", /unknown function "process\.exit"/],
  ])("refuses %j", (text, message) => {
    expect(() => parseThreshold(text)).toThrow(ThresholdError);
    expect(() => parseThreshold(text)).toThrow(message);
  });
});

describe("slo.thresholds in the profile", () => {
  test("strings and objects are accepted and normalized to { expr, ... }", () => {
    const p = parseProfile({
      ...BASE,
      slo: {
        thresholds: [
          "ack.p99 < 800",
          { expr: "rate(status.429) < 0.05", abortOnFail: true, delayAbortEvalSeconds: 10 },
          { expr: "endToEnd.p99 < 2000", warnOnly: true },
        ],
      },
    });
    expect(p.slo.thresholds).toEqual([
      { expr: "ack.p99 < 800" },
      { expr: "rate(status.429) < 0.05", abortOnFail: true, delayAbortEvalSeconds: 10 },
      { expr: "endToEnd.p99 < 2000", warnOnly: true },
    ]);
    expect(parseProfile(BASE).slo.thresholds).toBeUndefined();
  });

  test("an unknown metric is refused at parseProfile, naming the path, the metric and the valid ones", () => {
    const attempt = () => parseProfile({ ...BASE, slo: { thresholds: ["ack.p99 < 800", "ack.p95 < 1", "los == 0"] } });
    expect(attempt).toThrow(ProfileError);
    expect(attempt).toThrow(/slo\.thresholds\.2: "los == 0": unknown metric "los"; valid metrics: .*\blost\b/);
  });

  test("abortOnFail on a reconciliation metric is refused before any traffic, naming the allowed metrics", () => {
    const attempt = () => parseProfile({ ...BASE, slo: { thresholds: [{ expr: "lost == 0", abortOnFail: true }] } });
    expect(attempt).toThrow(
      /slo\.thresholds\.0: "lost == 0": abortOnFail needs a metric observed while sending; lost is known only after reconciliation\. Remove abortOnFail, or use one of: ack\.min, .*ack\.p99, .*generatorErrors.*status\.<code>/,
    );
    expect(() => parseProfile({ ...BASE, slo: { thresholds: [{ expr: "duplicateSideEffects == 0", abortOnFail: true }] } })).toThrow(
      /known only after reconciliation/,
    );
    expect(() => parseProfile({ ...BASE, slo: { thresholds: [{ expr: "rates.accepted > 5", abortOnFail: true }] } })).toThrow(
      /known only at the end of the run/,
    );
  });

  test("contradictory or orphaned options are refused", () => {
    expect(() => parseProfile({ ...BASE, slo: { thresholds: [{ expr: "ack.p99 < 1", abortOnFail: true, warnOnly: true }] } })).toThrow(
      /abortOnFail and warnOnly contradict/,
    );
    expect(() => parseProfile({ ...BASE, slo: { thresholds: [{ expr: "ack.p99 < 1", delayAbortEvalSeconds: 5 }] } })).toThrow(
      /delayAbortEvalSeconds is only read with abortOnFail: true/,
    );
    expect(() => parseProfile({ ...BASE, slo: { thresholds: [{ expression: "ack.p99 < 1" }] } })).toThrow(/slo\.thresholds\.0/);
  });
});

describe("judging thresholds", () => {
  const slo = (thresholds: unknown[]) => parseProfile({ ...BASE, slo: { thresholds } }).slo;

  test("passing thresholds add PASS checks named by the expression; the existing checks keep their names", () => {
    const v = judge(
      good,
      slo(["ack.p99 < 800", "rate(status.429) < 0.1", "lost == 0", "duplicateSideEffects == 0", "endToEnd.p99.9 <= 5000"]),
    );
    expect(v.verdict).toBe("PASS");
    const byName = Object.fromEntries(v.checks.map((c) => [c.name, c]));
    expect(byName["ackP99Ms"]).toBeDefined();
    expect(byName["acceptedRatio"]).toBeDefined();
    expect(byName["ack.p99 < 800"]).toMatchObject({ status: "pass", actual: 300, threshold: "< 800" });
    expect(byName["rate(status.429) < 0.1"]).toMatchObject({ status: "pass", actual: 100 / 1100 });
    expect(byName["lost == 0"]).toMatchObject({ status: "pass", actual: 0 });
  });

  test("a failing threshold fails the verdict and says which and by how much", () => {
    const v = judge(good, slo(["ack.p99 < 200", "rate(status.429) < 0.05"]));
    expect(v.verdict).toBe("FAIL");
    expect(v.reasons).toEqual([
      'threshold "ack.p99 < 200" failed: ack.p99 was 300',
      'threshold "rate(status.429) < 0.05" failed: rate(status.429) was 0.0909',
    ]);
    expect(v.checks.find((c) => c.name === "ack.p99 < 200")).toMatchObject({ status: "fail", actual: 300 });
  });

  test("a warn-only threshold that fails is WARN in the checks and does not fail the verdict", () => {
    const v = judge(good, slo([{ expr: "endToEnd.p99 < 1000", warnOnly: true }, "lost == 0"]));
    expect(v.verdict).toBe("PASS");
    expect(v.reasons).toEqual([]);
    expect(v.checks.find((c) => c.name === "endToEnd.p99 < 1000")).toMatchObject({
      status: "warn",
      actual: 1500,
      threshold: "< 1000 (warn only)",
    });
  });

  test("reconciliation metrics are SKIPPED when the run was not reconciled; latency is INFO on a local run", () => {
    const notReconciled = judge(
      { ...good, delivery: undefined, metrics: { ...metrics, endToEnd: undefined, delivery: undefined } },
      slo(["lost == 0"]),
    );
    expect(notReconciled.checks.find((c) => c.name === "lost == 0")).toMatchObject({
      status: "skipped",
      detail: "delivery not reconciled",
    });
    const local = judge(good, slo(["ack.p99 < 200", "rate(status.429) < 0.05"]), { latency: "local" });
    expect(local.checks.find((c) => c.name === "ack.p99 < 200")).toMatchObject({ status: "info", detail: "300 ms, over the bound" });
    // a status rate is judged everywhere
    expect(local.reasons).toEqual(['threshold "rate(status.429) < 0.05" failed: rate(status.429) was 0.0909']);
  });

  test("an aborted run is FAIL with the threshold that stopped it, whatever its value at the end", () => {
    const aborted = { at: "2026-01-01T00:00:01.000Z", elapsedSeconds: 1.2, threshold: "rate(status.429) < 0.1", value: 0.5 };
    const v = judge({ ...good, aborted }, slo([{ expr: "rate(status.429) < 0.1", abortOnFail: true, delayAbortEvalSeconds: 1 }]));
    expect(v.verdict).toBe("FAIL");
    expect(v.reasons).toEqual([
      expect.stringMatching(
        /^aborted at 1\.2 s \(2026-01-01T00:00:01\.000Z\): threshold "rate\(status\.429\) < 0\.1" failed while sending \(value 0\.5000\) with abortOnFail/,
      ),
    ]);
    expect(v.checks.find((c) => c.name === "rate(status.429) < 0.1")).toMatchObject({
      status: "fail",
      actual: 0.5,
      threshold: "< 0.1 (abortOnFail after 1 s)",
    });
  });

  test("each SLO field judges what its expression judges", () => {
    const s = parseProfile({ ...BASE, slo: { ackP99Ms: 250, endToEndP99Ms: 2000, maxDuplicateDeliveryRatio: 0.001 } }).slo;
    const expressions = Object.fromEntries(Object.entries(SLO_FIELD_EXPRESSIONS).map(([name, f]) => [name, f(s)]));
    expect(expressions).toMatchObject({
      ackP99Ms: "ack.p99 <= 250",
      endToEndP99Ms: "endToEnd.p99 <= 2000",
      lost: "lost <= 0",
      duplicateDeliveryRatio: "rate(duplicateDeliveries) <= 0.001",
    });
    const fields = judge(good, s);
    const asExpressions = judge(good, { ...s, thresholds: Object.values(expressions).map((expr) => ({ expr })) });
    for (const [name, expr] of Object.entries(expressions)) {
      const field = fields.checks.find((c) => c.name === name)!;
      const expression = asExpressions.checks.find((c) => c.name === parseThreshold(expr).text)!;
      expect([name, expression.status]).toEqual([name, field.status]);
    }
    // two of them fail (ack p99 300 > 250; 2 duplicate deliveries of 1000 > 0.1 %)
    expect(fields.checks.filter((c) => c.status === "fail").map((c) => c.name)).toEqual(["ackP99Ms", "duplicateDeliveryRatio"]);
  });
});

describe("metric values and the abort watcher", () => {
  test("rate() divides by attempts, offered or accepted as documented, and is undefined with nothing to divide by", () => {
    expect(expressionValue(parseThreshold("rate(throttled) < 1"), metrics)).toBeCloseTo(100 / 1100);
    expect(expressionValue(parseThreshold("rate(accepted) < 1"), metrics)).toBe(1);
    expect(expressionValue(parseThreshold("rate(duplicateDeliveries) < 1"), metrics)).toBe(0.002);
    expect(expressionValue(parseThreshold("status.503 < 1"), metrics)).toBe(0);
    expect(expressionValue(parseThreshold("generatorErrors < 1"), { ...metrics, counts: { ...counts, dropped: 2, failed: 3 } })).toBe(5);
    expect(expressionValue(parseThreshold("rate(status.429) < 1"), { counts: { ...counts, attempts: 0 } })).toEqual({
      why: "no attempts yet: rate undefined",
    });
  });

  test("the watcher waits for the grace period, then names the first threshold lost", () => {
    const watch = abortWatcher([{ expr: "rate(status.429) < 0.2", abortOnFail: true, delayAbortEvalSeconds: 2 }, { expr: "lost == 0" }])!;
    const live = { counts: { ...counts, attempts: 10, statusCodes: { "429": 5, "200": 5 } }, ack: newHistogram(), service: newHistogram() };
    expect(watch({ ...live, elapsedSeconds: 1.9 })).toBeUndefined();
    expect(watch({ ...live, elapsedSeconds: 2.1 })).toMatchObject({ threshold: "rate(status.429) < 0.2", value: 0.5, elapsedSeconds: 2.1 });
    expect(abortWatcher([{ expr: "lost == 0" }])).toBeUndefined();
  });

  test("locally, latency thresholds never abort (they are information there)", () => {
    const slow = newHistogram();
    recordMs(slow, 5000);
    const live = { counts, ack: slow, service: slow, elapsedSeconds: 5 };
    const spec = [{ expr: "ack.p99 < 800", abortOnFail: true }];
    expect(abortWatcher(spec)!(live)).toMatchObject({ threshold: "ack.p99 < 800", value: expect.closeTo(5000, -1) });
    expect(abortWatcher(spec, { latency: "local" })).toBeUndefined();
  });
});
