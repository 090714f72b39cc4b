import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CompareInputError,
  compareReports,
  comparisonExitCode,
  loadReportFile,
  parseTolerances,
  renderBaselineSection,
  renderComparison,
  type Comparison,
  type MetricComparison,
} from "../../../lib/runtime/loadgen/compare";
import { parseProfile, phaseSpans, smokeSpikeProfile, type LatencySummary, type SpikeReport } from "../../../lib/runtime/loadgen";

// ---- fixtures: two small hand-made reports built by one helper --------------------------------

interface Knobs {
  runId?: string;
  name?: string;
  profile?: Parameters<typeof parseProfile>[0];
  ack?: Partial<Record<"p50" | "p90" | "p99" | "max", number>>;
  endToEnd?: Partial<Record<"p50" | "p99", number>>;
  acceptedPerSecond?: number;
  goodputPerSecond?: number;
  attempts?: number;
  status429?: number;
  acksAfterGenesysTimeout?: number;
  lost?: number;
  inFlight?: number;
  duplicateSideEffects?: number;
  duplicateDeliveries?: number;
  deadLetteredUnexpected?: number;
  faultViolations?: number;
  checks?: Record<string, "pass" | "fail" | "skipped" | "info">;
  latencyJudgement?: "aws" | "local";
  cores?: number;
}

function latency(count: number, p: { p50: number; p90: number; p99: number; max: number }): LatencySummary {
  return {
    count,
    minMs: p.p50 / 2,
    meanMs: p.p50,
    p50Ms: p.p50,
    p90Ms: p.p90,
    p95Ms: p.p90,
    p99Ms: p.p99,
    p999Ms: p.max,
    maxMs: p.max,
    curve: [],
  };
}

const CHECKS = [
  "acceptedRatio",
  "ackP99Ms",
  "acksOverGenesysTimeout",
  "lost",
  "inFlight",
  "unexpectedDeadLetters",
  "duplicateSideEffects",
  "duplicateDeliveryRatio",
  "endToEndP99Ms",
  "faultViolations",
];

/** A run of the smoke profile: 100 offered, 100 accepted, all processed, every check passed; knobs change it. */
function report(k: Knobs = {}): SpikeReport {
  const profile = parseProfile(k.profile ?? smokeSpikeProfile);
  const ack = { p50: 10, p90: 20, p99: 40, max: 60, ...k.ack };
  const e2e = { p50: 200, p90: 400, p99: 900, max: 1200, ...k.endToEnd };
  const status = { ...Object.fromEntries(CHECKS.map((c) => [c, "pass" as const])), ...k.checks };
  const failed = Object.values(status).some((s) => s === "fail");
  const attempts = k.attempts ?? 100;
  return {
    version: 1,
    runId: k.runId ?? "run-old",
    name: k.name ?? profile.name,
    targetUrl: "http://127.0.0.1:1/v1/genesys/webhook",
    startedAt: "2026-12-01T02:00:00.000Z",
    startMs: 0,
    sendEndMs: 10_000,
    finishedMs: 20_000,
    agents: 1,
    profile,
    phases: phaseSpans(profile),
    planned: 100,
    counts: {
      offered: 100,
      dropped: 0,
      attempts,
      retries: attempts - 100,
      firstAttemptAccepted: 100,
      acceptedAfterRetry: 0,
      accepted: 100,
      throttledResponses: k.status429 ?? 0,
      errorResponses: 0,
      failed: 0,
      retriesRefusedByBudget: 0,
      forbiddenResponses: 0,
      edgeKeyRereads: 0,
      acksAfterGenesysTimeout: k.acksAfterGenesysTimeout ?? 0,
      statusCodes: { "202": 100, ...(k.status429 ? { "429": k.status429 } : {}) },
    },
    rates: {
      durationSeconds: 10,
      offeredPerSecond: 10,
      attemptedPerSecond: attempts / 10,
      acceptedPerSecond: k.acceptedPerSecond ?? 10,
      goodputPerSecond: k.goodputPerSecond ?? 10,
      goodputBasis: "processed",
    },
    latency: { ack: latency(100, ack), service: latency(100, ack), endToEnd: latency(100, e2e) },
    histograms: { ackUs: "", serviceUs: "" },
    timeline: { offered: [], attempted: [], accepted: [], throttled: [], dropped: [], failed: [] },
    delivery: {
      reconciled: true,
      accepted: 100,
      processed: 100 - (k.lost ?? 0),
      duplicateDeliveries: k.duplicateDeliveries ?? 0,
      duplicateSideEffects: k.duplicateSideEffects ?? 0,
      deadLetteredExpected: 2,
      deadLetteredUnexpected: k.deadLetteredUnexpected ?? 0,
      inDlq: 0,
      quarantineDrained: 2,
      lost: k.lost ?? 0,
      lostSeqs: [],
      inFlight: k.inFlight ?? 0,
      deliveredUnacknowledged: 0,
      faultChecks: { checked: 6, violations: k.faultViolations ?? 0, samples: [] },
      complete: true,
      waitedSeconds: 3,
    },
    failureSamples: [],
    latencyJudgement: k.latencyJudgement ?? "aws",
    machine: { cores: k.cores ?? 2, loadAverageStart: [0.5, 0.5, 0.5], loadAverageEnd: [1, 1, 1] },
    verdict: {
      verdict: failed ? "FAIL" : "PASS",
      reasons: failed ? ["a check failed"] : [],
      checks: Object.entries(status).map(([name, s]) => ({ name, threshold: "<= 0", status: s })),
    },
  };
}

const row = (c: Comparison, id: string): MetricComparison => {
  const m = c.metrics.find((x) => x.id === id);
  if (!m) throw new Error(`no metric ${id} in the comparison`);
  return m;
};

/** An old report as an earlier version wrote it: no in-flight count, no late-ack count, no judgement, no machine, one check fewer. */
function olderVersion(r: SpikeReport): unknown {
  const json = JSON.parse(JSON.stringify(r));
  delete json.delivery.inFlight;
  delete json.counts.acksAfterGenesysTimeout;
  delete json.latencyJudgement;
  delete json.machine;
  json.verdict.checks = json.verdict.checks.filter((c: { name: string }) => c.name !== "acksOverGenesysTimeout" && c.name !== "inFlight");
  return json;
}

// ---- comparisons -------------------------------------------------------------------------------

test("two identical runs: every metric unchanged, no regression, exit code 0", () => {
  const c = compareReports(report(), report({ runId: "run-new" }));
  expect(c.regressions).toEqual([]);
  expect(c.warnings).toEqual([]);
  expect(c.profileDifferences).toEqual([]);
  expect(c.missing).toEqual([]);
  expect(c.metrics.filter((m) => m.outcome !== "unchanged")).toEqual([]);
  expect(c.metrics.map((m) => m.id)).toEqual([
    "offered.rate",
    "accepted.rate",
    "goodput.rate",
    "ack.p50",
    "ack.p90",
    "ack.p99",
    "ack.max",
    "endToEnd.p50",
    "endToEnd.p99",
    "status429.share",
    "lateAcks.share",
    "processed",
    "lost",
    "inFlight",
    "duplicateSideEffects",
    "duplicateDeliveries.share",
    "deadLetteredExpected",
    "deadLetteredUnexpected",
    "faultViolations",
    "verdict",
    ...CHECKS.map((n) => `check.${n}`),
  ]);
  expect(comparisonExitCode(c)).toBe(0);
  expect(renderComparison(c)).toContain("NO REGRESSION beyond the tolerances");
});

test("an improvement (faster, more goodput, a check FAIL -> PASS) is reported as such and exits 0", () => {
  const c = compareReports(
    report({ ack: { p99: 80 }, goodputPerSecond: 8, checks: { ackP99Ms: "fail" } }),
    report({ runId: "run-new", ack: { p99: 40 }, goodputPerSecond: 10 }),
  );
  expect(row(c, "ack.p99")).toMatchObject({
    old: 80,
    new: 40,
    change: -40,
    relativeChange: -0.5,
    worse: "higher",
    outcome: "improved",
    regression: false,
  });
  expect(row(c, "goodput.rate")).toMatchObject({
    old: 8,
    new: 10,
    change: 2,
    relativeChange: 0.25,
    worse: "lower",
    outcome: "improved",
    regression: false,
  });
  expect(row(c, "verdict")).toMatchObject({ old: "FAIL", new: "PASS", outcome: "improved", regression: false });
  expect(row(c, "check.ackP99Ms")).toMatchObject({ old: "fail", new: "pass", outcome: "improved" });
  expect(c.regressions).toEqual([]);
  expect(comparisonExitCode(c)).toBe(0);
});

test.each<[string, string, Knobs, Knobs, string]>([
  [
    "latency (ack p99 +50%, +20 ms)",
    "ack.p99",
    {},
    { ack: { p99: 60 } },
    "ack p99: 40.0 ms -> 60.0 ms (+20.0 ms, +50%; tolerance +10%, >= 5 ms)",
  ],
  [
    "latency (end-to-end p50)",
    "endToEnd.p50",
    {},
    { endToEnd: { p50: 300 } },
    "end to end p50: 200 ms -> 300 ms (+100 ms, +50%; tolerance +10%, >= 5 ms)",
  ],
  ["rate (goodput -20%)", "goodput.rate", {}, { goodputPerSecond: 8 }, "goodput: 10/s -> 8/s (-2/s, -20%; tolerance -5%, >= 0.5/s)"],
  ["rate (accepted -10%)", "accepted.rate", {}, { acceptedPerSecond: 9 }, "accepted: 10/s -> 9/s (-1/s, -10%; tolerance -5%, >= 0.5/s)"],
  [
    "share (429s 0% -> 2%)",
    "status429.share",
    {},
    { attempts: 100, status429: 2 },
    "429 responses (share of attempts): 0% -> 2% (+2 pp; tolerance +0.5 pp)",
  ],
  [
    "share (duplicate deliveries 0% -> 1%)",
    "duplicateDeliveries.share",
    {},
    { duplicateDeliveries: 1 },
    "duplicate deliveries (share of accepted): 0% -> 1% (+1 pp; tolerance +0.5 pp)",
  ],
  ["correctness (lost 0 -> 1)", "lost", {}, { lost: 1 }, "lost: 0 -> 1 (+1; tolerance none)"],
  ["correctness (in flight 0 -> 1)", "inFlight", {}, { inFlight: 1 }, "in flight at the deadline: 0 -> 1 (+1; tolerance none)"],
  [
    "correctness (duplicate side effects 0 -> 1)",
    "duplicateSideEffects",
    {},
    { duplicateSideEffects: 1 },
    "duplicate side effects: 0 -> 1 (+1; tolerance none)",
  ],
  [
    "correctness (unexpected dead letters 0 -> 1)",
    "deadLetteredUnexpected",
    {},
    { deadLetteredUnexpected: 1 },
    "dead-lettered, unexpected: 0 -> 1 (+1; tolerance none)",
  ],
  [
    "correctness (fault violations 1 -> 2)",
    "faultViolations",
    { faultViolations: 1 },
    { faultViolations: 2 },
    "fault-marker violations: 1 -> 2 (+1, +100%; tolerance none)",
  ],
  ["verdict PASS -> FAIL", "verdict", {}, { checks: { endToEndP99Ms: "fail" } }, "verdict: PASS -> FAIL"],
  ["check pass -> fail", "check.endToEndP99Ms", {}, { checks: { endToEndP99Ms: "fail" } }, "check endToEndP99Ms: pass -> fail"],
])("a regression of %s is flagged and exits 1", (_kind, id, oldKnobs, newKnobs, sentence) => {
  const c = compareReports(report(oldKnobs), report({ runId: "run-new", ...newKnobs }));
  expect(row(c, id)).toMatchObject({ outcome: "regression", regression: true });
  expect(c.regressions).toContain(sentence);
  expect(comparisonExitCode(c)).toBe(1);
  expect(renderComparison(c)).toMatch(/^REGRESSION: \d+ metric\(s\) worse beyond the tolerance$/m);
});

test("the absolute floor: a latency change below 5 ms is noise whatever its relative size; exactly +10% is within tolerance", () => {
  const c = compareReports(report({ ack: { p50: 1 } }), report({ runId: "run-new", ack: { p50: 5.9, p99: 44 } }));
  // +490 %, but 4.9 ms
  expect(row(c, "ack.p50")).toMatchObject({ old: 1, new: 5.9, outcome: "within tolerance", regression: false });
  // +10 % exactly (and 4 ms)
  expect(row(c, "ack.p99")).toMatchObject({ outcome: "within tolerance", regression: false });
  expect(comparisonExitCode(c)).toBe(0);
  // a floor of 1 ms makes the first a regression, not the second (+10% is not beyond 10%)
  const strict = compareReports(report({ ack: { p50: 1 } }), report({ runId: "run-new", ack: { p50: 5.9, p99: 44 } }), {
    tolerances: parseTolerances(["latency-floor=1ms"]),
  });
  expect(row(strict, "ack.p50").regression).toBe(true);
  expect(row(strict, "ack.p99").regression).toBe(false);
  // rates: a drop of 0.4/s is under the 0.5/s floor even when it is -40 %
  const slow = compareReports(report({ goodputPerSecond: 1 }), report({ runId: "run-new", goodputPerSecond: 0.6 }));
  expect(row(slow, "goodput.rate")).toMatchObject({ outcome: "within tolerance", regression: false });
});

test("tolerances are overridden per kind and per metric", () => {
  const old = report();
  const next = report({ runId: "run-new", ack: { p99: 60, max: 90 } });
  expect(compareReports(old, next).regressions).toHaveLength(2);
  const relaxed = compareReports(old, next, { tolerances: parseTolerances(["latency=60%"]) });
  expect(relaxed.regressions).toEqual([]);
  expect(row(relaxed, "ack.p99")).toMatchObject({ tolerance: "+60%, >= 5 ms", outcome: "within tolerance" });
  const maxOnly = compareReports(old, next, { tolerances: parseTolerances(["ack.max=50%"]) });
  expect(maxOnly.metrics.filter((m) => m.regression).map((m) => m.id)).toEqual(["ack.p99"]);
  expect(row(maxOnly, "ack.max").tolerance).toBe("+50%, >= 5 ms");
  expect(parseTolerances(["latency=15%", "latency-floor=2ms", "rate=10%", "rate-floor=1/s", "share=1%", "ack.max=25%"])).toEqual({
    latency: 0.15,
    latencyFloorMs: 2,
    rate: 0.1,
    rateFloorPerSecond: 1,
    share: 0.01,
    metrics: { "ack.max": 0.25 },
  });
});

test.each<[string, RegExp]>([
  [
    "latncy=15%",
    /^--tolerance "latncy=15%": unknown key "latncy"; valid keys: latency, latency-floor, rate, rate-floor, share, or one metric: accepted\.rate, goodput\.rate, ack\.p50, ack\.p90, ack\.p99, ack\.max, endToEnd\.p50, endToEnd\.p99, status429\.share, lateAcks\.share, duplicateDeliveries\.share$/,
  ],
  ["latency", /^--tolerance "latency": expected key=value, e.g\. latency=15%$/],
  ["latency=15", /^--tolerance "latency=15": the value of latency is a percentage, e\.g\. latency=15%$/],
  ["latency-floor=5%", /^--tolerance "latency-floor=5%": the value of latency-floor is milliseconds, e\.g\. latency-floor=5ms$/],
  ["rate-floor=-1/s", /^--tolerance "rate-floor=-1\/s": the value of rate-floor is messages per second, e\.g\. rate-floor=0\.5\/s$/],
  [
    "lost=1",
    /^--tolerance "lost=1": lost has zero tolerance \(a lost message, a duplicate side effect, an unexpected dead letter or a PASS -> FAIL is a defect, not noise\) and cannot be relaxed$/,
  ],
  ["check.lost=1", /^--tolerance "check\.lost=1": check\.lost has zero tolerance/],
  ["verdict=100%", /^--tolerance "verdict=100%": verdict has zero tolerance/],
])("--tolerance %s is refused with an error naming the fix", (spec, message) => {
  let error: unknown;
  try {
    parseTolerances([spec]);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CompareInputError);
  expect((error as Error).message).toMatch(message);
});

test("bad programmatic tolerances are refused, naming the option", () => {
  expect(() => compareReports(report(), report(), { tolerances: { latency: -0.1 } })).toThrow(
    new CompareInputError("options.tolerances.latency must be a number >= 0, got -0.1"),
  );
  expect(() => compareReports(report(), report(), { tolerances: { metrics: { lost: 1 } } })).toThrow(
    /^options\.tolerances\.metrics\.lost: not a metric with a tolerance; use one of accepted\.rate, /,
  );
});

test("an old report from an earlier version: what both have is compared, what it lacks is listed, never a regression", () => {
  const old = olderVersion(report());
  const next = report({ runId: "run-new", inFlight: 3, acksAfterGenesysTimeout: 50, checks: { inFlight: "fail" } });
  const c = compareReports(old as SpikeReport, next);
  expect(row(c, "inFlight")).toMatchObject({
    old: undefined,
    new: 3,
    outcome: "not compared",
    regression: false,
    missing: "old: absent (report written before it existed)",
  });
  expect(row(c, "lateAcks.share")).toMatchObject({ outcome: "not compared", regression: false });
  expect(row(c, "check.inFlight")).toMatchObject({ old: undefined, new: "fail", outcome: "not compared", regression: false });
  expect(c.missing).toEqual([
    "acks after Genesys' 10 s timeout (share of accepted): old: absent (report written before it existed)",
    "in flight at the deadline: old: absent (report written before it existed)",
    "check acksOverGenesysTimeout: old: absent (report written before it existed)",
    "check inFlight: old: absent (report written before it existed)",
  ]);
  // the new run FAILs where the old one PASSed: the verdict row still gates the release
  expect(row(c, "verdict")).toMatchObject({ old: "PASS", new: "FAIL", regression: true });
  expect(c.regressions).toEqual(["verdict: PASS -> FAIL"]);
  expect(renderComparison(c)).toMatch(/Not compared\n {2}- acks after Genesys' 10 s timeout/);
});

test("an old run that was not reconciled: the delivery rows are not compared and say why", () => {
  const old = JSON.parse(JSON.stringify(report()));
  old.delivery = { reconciled: false, reason: "no receipts table given" };
  delete old.latency.endToEnd;
  const c = compareReports(old, report({ runId: "run-new", lost: 2 }));
  expect(row(c, "lost")).toMatchObject({
    outcome: "not compared",
    regression: false,
    missing: "old: delivery not reconciled (no receipts table given)",
  });
  expect(row(c, "endToEnd.p99")).toMatchObject({
    outcome: "not compared",
    missing: "old: no end-to-end latency (delivery not reconciled)",
  });
  expect(row(c, "ack.p99").outcome).toBe("unchanged");
});

test("different profiles: a warning listing the differences; with requireSameProfile the comparison is refused (exit code 2)", () => {
  const bigger = { ...smokeSpikeProfile, name: "smoke-x2", spike: { ...smokeSpikeProfile.spike!, peak: { ratePerSecond: 40 } } };
  const c = compareReports(report(), report({ runId: "run-new", profile: bigger }));
  expect(c.profileDifferences).toEqual([
    'name: "smoke-spike" -> "smoke-x2"',
    "profile.spike.peak.ratePerSecond: 20 -> 40",
    "phases: [constant 5/s for 3 s, ramp 5->20/s for 1 s, constant 20/s for 3 s, constant 5/s for 3 s] -> [constant 5/s for 3 s, ramp 5->40/s for 1 s, constant 40/s for 3 s, constant 5/s for 3 s]",
  ]);
  expect(c.warnings[0]).toBe(
    "the runs used different profiles (3 difference(s), listed below): the changes may come from the load, not the release",
  );
  expect(c.refused).toBeUndefined();
  expect(comparisonExitCode(c)).toBe(0);
  const strict = compareReports(report(), report({ runId: "run-new", profile: bigger }), { requireSameProfile: true });
  expect(strict.refused).toMatch(
    /^the runs used different profiles and the same profile was required \(--require-same-profile\): name: "smoke-spike" -> "smoke-x2"; profile\.spike\.peak\.ratePerSecond: 20 -> 40; phases: \[/,
  );
  expect(comparisonExitCode(strict)).toBe(2);
  expect(renderComparison(strict)).toMatch(/^REFUSED: the runs used different profiles/m);
  // the same profile passes the requirement
  expect(comparisonExitCode(compareReports(report(), report({ runId: "run-new" }), { requireSameProfile: true }))).toBe(0);
});

test("a profile setting only one report has is listed as not compared, not as a difference", () => {
  const old = JSON.parse(JSON.stringify(report()));
  delete old.profile.conversations;
  const c = compareReports(old, report({ runId: "run-new" }), { requireSameProfile: true });
  expect(c.profileDifferences).toEqual([]);
  expect(c.missing).toEqual(["profile settings in one report only, not compared: profile.conversations (new report only)"]);
  expect(comparisonExitCode(c)).toBe(0);
  // the same load written as `phases:` instead of the `spike:` shorthand: the phases as sent are the same
  const { spike: _spike, ...rest } = smokeSpikeProfile;
  const spelledOut = {
    ...rest,
    phases: [
      { type: "constant" as const, ratePerSecond: 5, durationSeconds: 3 },
      { type: "ramp" as const, fromRatePerSecond: 5, toRatePerSecond: 20, durationSeconds: 1 },
      { type: "constant" as const, ratePerSecond: 20, durationSeconds: 3 },
      { type: "constant" as const, ratePerSecond: 5, durationSeconds: 3 },
    ],
  };
  const same = compareReports(report(), report({ runId: "run-new", profile: spelledOut }), { requireSameProfile: true });
  expect(same.profileDifferences).toEqual([]);
  expect(same.missing).toEqual([
    "profile settings in one report only, not compared: profile.spike (old report only), profile.phases (new report only)",
  ]);
  expect(comparisonExitCode(same)).toBe(0);
});

test("runs that are not comparable in other ways are warned about", () => {
  const c = compareReports(
    report({ latencyJudgement: "local", cores: 2 }),
    report({ runId: "run-old", latencyJudgement: "aws", cores: 8 }),
  );
  expect(c.warnings).toEqual([
    "both reports are run run-old: a run compared with itself",
    'latency was judged "local" in the old run and "aws" in the new one: a run on the local emulator and a run on AWS do not have comparable latencies',
    "the generator's machine had 2 core(s) in the old run and 8 in the new one: latencies measured on different machines",
  ]);
  const unfinished = { ...report({ runId: "run-new" }), agents: 4, pending: { version: 1, runId: "run-new" } };
  expect(compareReports(report(), unfinished).warnings).toEqual([
    "senders: 1 -> 4 agent(s)",
    "the new report is not finished (reconciliation pending): its delivery counts and verdict are partial",
  ]);
});

// ---- rendering ---------------------------------------------------------------------------------

test("the terminal table groups the metrics and marks regressions", () => {
  const text = renderComparison(compareReports(report(), report({ runId: "run-new", ack: { p99: 60 }, lost: 1 })));
  expect(text).toMatch(/^Spike comparison: baseline run-old \(smoke-spike, 2026-12-01T02:00:00\.000Z, PASS\)$/m);
  expect(text).toMatch(/^REGRESSION: 2 metric\(s\) worse beyond the tolerance$/m);
  expect(text).toMatch(/^ {2}ack p99 +40\.0 ms +60\.0 ms +\+20\.0 ms +\+50% +\+10%, >= 5 ms +REGRESSION$/m);
  expect(text).toMatch(/^ {2}lost +0 +1 +\+1 +none +REGRESSION$/m);
  for (const title of ["Rates", "Latency", "Ingress", "Delivery", "Verdict and checks"])
    expect(text).toMatch(new RegExp(`^${title}$`, "m"));
});

test("the baseline section of the HTML report escapes what comes from the reports and highlights regressions", () => {
  const hostile = "<script>alert('x')</script>";
  const old = report({ runId: `run"><img src=x onerror=alert(1)>`, name: hostile });
  const json = JSON.parse(JSON.stringify(report({ runId: "run-new", name: hostile, lost: 1 })));
  json.verdict.checks.push({ name: "<b>custom</b>", threshold: "-", status: "pass" });
  const html = renderBaselineSection(compareReports(old, json));
  expect(html).not.toContain("<script>");
  expect(html).not.toContain("<img");
  expect(html).not.toContain("<b>custom");
  expect(html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  expect(html).toContain("run&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  expect(html).toContain("check &lt;b&gt;custom&lt;/b&gt;");
  expect(html).toMatch(/^<section id="baseline">/);
  expect(html).toMatch(/<\/section>$/);
  expect(html).toMatch(
    /<tr class="bad regression"[^>]*data-metric="lost"><th>lost<\/th><td>0<\/td><td>1<\/td><td>\+1<\/td><td><\/td><td>none<\/td><td>REGRESSION<\/td><\/tr>/,
  );
  expect(html).toContain('<p class="warn" id="baseline-result">REGRESSION: 1 metric(s) worse beyond the tolerance</p>');
  // the check only the new report has is listed as not compared
  expect(html).toMatch(/<tr class="not-compared"[^>]*data-metric="check.&lt;b&gt;custom&lt;\/b&gt;">/);
});

// ---- reading report files ------------------------------------------------------------------------

describe("loadReportFile", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-compare-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test("reads a report as writeReports writes it, and an older version's", async () => {
    const file = write("spike.json", JSON.stringify(report(), null, 2) + "\n");
    const older = write("older.json", JSON.stringify(olderVersion(report({ runId: "run-older" }))));
    const c = compareReports(await loadReportFile(older), await loadReportFile(file));
    expect(c.old.runId).toBe("run-older");
    expect(c.regressions).toEqual([]);
    expect(c.missing).toHaveLength(4);
  });

  test.each<[string, string, RegExp]>([
    ["no file", "", /^cannot read ".*missing\.json": ENOENT/],
    ["not JSON", "{ nope", /^.*not-json\.json is not JSON: /],
    [
      "an HTML report",
      "<!doctype html><html></html>",
      /^.*report\.html is not JSON \(an HTML report\? pass the JSON report written beside it\): /,
    ],
    [
      "an object without the report's fields",
      JSON.stringify({
        version: 1,
        runId: "r",
        name: "n",
        startedAt: "t",
        counts: { offered: 1, accepted: 1, attempts: "1" },
        rates: {},
        latency: { ack: { p50Ms: 1, p90Ms: 1, maxMs: 1 } },
        delivery: { reconciled: true },
        verdict: { verdict: "PASS" },
      }),
      /^.*partial\.json is not a spike report: missing rates\.offeredPerSecond, rates\.acceptedPerSecond, rates\.goodputPerSecond, latency\.ack\.p99Ms; counts\.attempts: Expected number, received string; delivery: neither a reconciled delivery \(processed, lost, \.\.\.\) nor \{ reconciled: false, reason \} \(pass the JSON report a spike run writes with --json, e\.g\. reports\/<runId>\/spike\.json\)$/,
    ],
    [
      "a history index",
      JSON.stringify({ runName: "nightly", runs: [] }),
      /^.*history\.json is not a spike report: missing version, runId, name, startedAt, counts, rates, latency, delivery, verdict \(pass the JSON report/,
    ],
    [
      "a newer version",
      JSON.stringify({ ...report(), version: 2 }),
      /^.*v2\.json is a spike report of version 2; this version of cdktf-genesys-consumer reads version 1: upgrade it$/,
    ],
  ])("refuses %s with a clear error", async (_what, text, message) => {
    const name =
      {
        "no file": "missing.json",
        "not JSON": "not-json.json",
        "an HTML report": "report.html",
        "a history index": "history.json",
        "a newer version": "v2.json",
      }[_what] ?? "partial.json";
    const file = text ? write(name, text) : path.join(dir, name);
    await expect(loadReportFile(file)).rejects.toThrow(CompareInputError);
    await expect(loadReportFile(file)).rejects.toThrow(message);
  });
});
