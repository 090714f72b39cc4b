/**
 * Two runs compared (`spike compare old.json new.json`): per metric the old and new value,
 * the change, the direction that is worse, and whether the change is a regression beyond a
 * tolerance, so a team can gate a release on it. Reports of different versions are compared
 * on what both hold; what one lacks is listed, never guessed. Runs of different profiles are
 * compared with a warning, or refused (`requireSameProfile`).
 *
 * Tolerances: latency may grow by a relative share (and is noise below an absolute floor),
 * rates may drop by a relative share (noise below a floor), shares (429s, late acks,
 * duplicate deliveries) may grow by some percentage points; correctness counts (lost, in
 * flight, duplicate side effects, unexpected dead letters, fault violations), the verdict
 * and each SLO check have none.
 */
import { CompareInputError, type ComparableReport } from "./compare-report";
import { formatMetricValue, pct } from "./compare-render";

export { CompareInputError, loadReportFile, parseReport } from "./compare-report";
export type { ComparablePercentiles, ComparableReport } from "./compare-report";
export { formatMetricValue, renderBaselineSection, renderComparison } from "./compare-render";

/** How a metric is judged. */
export type MetricKind = "latency" | "rate" | "share" | "correctness" | "count" | "verdict" | "check";

/** The direction of a change that is worse: "fail" for a verdict or check status. */
export type WorseDirection = "higher" | "lower" | "none" | "fail";

/** What a change amounts to. */
export type Outcome = "regression" | "improved" | "within tolerance" | "unchanged" | "changed" | "not compared";

/** The tolerances a comparison applies. */
export interface CompareTolerances {
  /** Relative growth tolerated on a latency percentile (ack and end to end), fraction. @default 0.1 (10 %) */
  readonly latency: number;
  /** A latency change smaller than this is noise, whatever its relative size, milliseconds. @default 5 */
  readonly latencyFloorMs: number;
  /** Relative drop tolerated on a rate (accepted, goodput), fraction. @default 0.05 (5 %) */
  readonly rate: number;
  /** A rate change smaller than this is noise, messages per second. @default 0.5 */
  readonly rateFloorPerSecond: number;
  /** Growth tolerated on a share (429 responses, late acks, duplicate deliveries), absolute fraction (0.005 = 0.5 percentage points). @default 0.005 */
  readonly share: number;
  /** Per-metric tolerance by metric id ("ack.max": relative, "status429.share": absolute), replacing its kind's. @default {} */
  readonly metrics: Readonly<Record<string, number>>;
}

/** The default tolerances. */
export const DEFAULT_TOLERANCES: CompareTolerances = {
  latency: 0.1,
  latencyFloorMs: 5,
  rate: 0.05,
  rateFloorPerSecond: 0.5,
  share: 0.005,
  metrics: {},
};

/** Tolerances to override (from {@link parseTolerances} or code). */
export type ToleranceOverrides = Partial<Omit<CompareTolerances, "metrics">> & { readonly metrics?: Readonly<Record<string, number>> };

export interface CompareOptions {
  /** Tolerances replacing the defaults. @default {@link DEFAULT_TOLERANCES} */
  readonly tolerances?: ToleranceOverrides;
  /** Refuse (exit code 2) when the two runs' profiles differ, instead of warning. @default false */
  readonly requireSameProfile?: boolean;
}

/** One metric of the two runs. */
export interface MetricComparison {
  /** Stable id, e.g. "ack.p99", "lost", "check.inFlight". */
  readonly id: string;
  readonly label: string;
  readonly group: "rates" | "latency" | "ingress" | "delivery" | "verdict";
  readonly kind: MetricKind;
  /** "ms", "/s", "messages", "share" (a fraction) or "status". */
  readonly unit: "ms" | "/s" | "messages" | "share" | "status";
  readonly old?: number | string;
  readonly new?: number | string;
  /** new - old (numeric metrics compared). */
  readonly change?: number;
  /** (new - old) / old; undefined when old is 0 or the metric is not numeric. */
  readonly relativeChange?: number;
  readonly worse: WorseDirection;
  /** The tolerance applied, in words ("+10%, >= 5 ms"). */
  readonly tolerance: string;
  readonly outcome: Outcome;
  readonly regression: boolean;
  /** Why it was not compared (absent from a report, delivery not reconciled). */
  readonly missing?: string;
}

/** Who a run was. */
export interface RunIdentity {
  readonly runId: string;
  readonly name: string;
  readonly startedAt: string;
  readonly verdict: string;
}

/** The result of {@link compareReports}. */
export interface Comparison {
  readonly old: RunIdentity;
  readonly new: RunIdentity;
  readonly metrics: MetricComparison[];
  /** One sentence per regression; empty when none. */
  readonly regressions: string[];
  /** The profiles' differences ("profile.phases.0.ratePerSecond: 20 -> 40"); empty when the same. */
  readonly profileDifferences: string[];
  /** Why the comparison may mislead (different profiles, judgements, machines, an unfinished run). */
  readonly warnings: string[];
  /** What was not compared and why. */
  readonly missing: string[];
  /** Set when the comparison was refused (`requireSameProfile` and different profiles): exit code 2. */
  readonly refused?: string;
  readonly tolerances: CompareTolerances;
}

// ---------------------------------------------------------------------------------------------
// Metrics

type Read = { readonly value: number } | { readonly why: string };
type Delivery = Extract<ComparableReport["delivery"], { reconciled: true }>;

interface MetricDef {
  readonly id: string;
  readonly label: string;
  readonly group: MetricComparison["group"];
  readonly kind: "latency" | "rate" | "share" | "correctness" | "count";
  readonly unit: MetricComparison["unit"];
  readonly worse: "higher" | "lower" | "none";
  read(r: ComparableReport): Read;
}

const value = (v: unknown, why: string): Read => (typeof v === "number" && Number.isFinite(v) ? { value: v } : { why });
const ABSENT = "absent (report written before it existed)";

function delivered(r: ComparableReport, read: (d: Delivery) => Read): Read {
  const d = r.delivery;
  return d.reconciled === true ? read(d) : { why: `delivery not reconciled (${d.reason})` };
}

const latencyDefs = (
  which: "ack" | "endToEnd",
  label: string,
  percentiles: readonly ("p50Ms" | "p90Ms" | "p99Ms" | "maxMs")[],
): MetricDef[] =>
  percentiles.map((p) => ({
    id: `${which}.${p.replace(/Ms$/, "")}`,
    label: `${label} ${p.replace(/Ms$/, "")}`,
    group: "latency",
    kind: "latency",
    unit: "ms",
    worse: "higher",
    read: (r) => {
      const s = r.latency[which];
      return s ? value(s[p], ABSENT) : { why: which === "endToEnd" ? "no end-to-end latency (delivery not reconciled)" : ABSENT };
    },
  }));

const METRICS: readonly MetricDef[] = [
  {
    id: "offered.rate",
    label: "offered (the plan)",
    group: "rates",
    kind: "rate",
    unit: "/s",
    worse: "none",
    read: (r) => value(r.rates.offeredPerSecond, ABSENT),
  },
  {
    id: "accepted.rate",
    label: "accepted",
    group: "rates",
    kind: "rate",
    unit: "/s",
    worse: "lower",
    read: (r) => value(r.rates.acceptedPerSecond, ABSENT),
  },
  {
    id: "goodput.rate",
    label: "goodput",
    group: "rates",
    kind: "rate",
    unit: "/s",
    worse: "lower",
    read: (r) => value(r.rates.goodputPerSecond, ABSENT),
  },
  ...latencyDefs("ack", "ack", ["p50Ms", "p90Ms", "p99Ms", "maxMs"]),
  ...latencyDefs("endToEnd", "end to end", ["p50Ms", "p99Ms"]),
  {
    id: "status429.share",
    label: "429 responses (share of attempts)",
    group: "ingress",
    kind: "share",
    unit: "share",
    worse: "higher",
    read: (r) =>
      r.counts.statusCodes
        ? value(r.counts.attempts === 0 ? 0 : (r.counts.statusCodes["429"] ?? 0) / r.counts.attempts, ABSENT)
        : { why: ABSENT },
  },
  {
    id: "lateAcks.share",
    label: "acks after Genesys' 10 s timeout (share of accepted)",
    group: "ingress",
    kind: "share",
    unit: "share",
    worse: "higher",
    read: (r) =>
      r.counts.acksAfterGenesysTimeout === undefined
        ? { why: ABSENT }
        : value(r.counts.accepted === 0 ? 0 : r.counts.acksAfterGenesysTimeout / r.counts.accepted, ABSENT),
  },
  {
    id: "processed",
    label: "processed",
    group: "delivery",
    kind: "count",
    unit: "messages",
    worse: "none",
    read: (r) => delivered(r, (d) => value(d.processed, ABSENT)),
  },
  {
    id: "lost",
    label: "lost",
    group: "delivery",
    kind: "correctness",
    unit: "messages",
    worse: "higher",
    read: (r) => delivered(r, (d) => value(d.lost, ABSENT)),
  },
  {
    id: "inFlight",
    label: "in flight at the deadline",
    group: "delivery",
    kind: "correctness",
    unit: "messages",
    worse: "higher",
    read: (r) => delivered(r, (d) => value(d.inFlight, ABSENT)),
  },
  {
    id: "duplicateSideEffects",
    label: "duplicate side effects",
    group: "delivery",
    kind: "correctness",
    unit: "messages",
    worse: "higher",
    read: (r) => delivered(r, (d) => value(d.duplicateSideEffects, ABSENT)),
  },
  {
    id: "duplicateDeliveries.share",
    label: "duplicate deliveries (share of accepted)",
    group: "delivery",
    kind: "share",
    unit: "share",
    worse: "higher",
    read: (r) => delivered(r, (d) => value(r.counts.accepted === 0 ? 0 : d.duplicateDeliveries / r.counts.accepted, ABSENT)),
  },
  {
    id: "deadLetteredExpected",
    label: "dead-lettered, expected (poison)",
    group: "delivery",
    kind: "count",
    unit: "messages",
    worse: "none",
    read: (r) => delivered(r, (d) => value(d.deadLetteredExpected, ABSENT)),
  },
  {
    id: "deadLetteredUnexpected",
    label: "dead-lettered, unexpected",
    group: "delivery",
    kind: "correctness",
    unit: "messages",
    worse: "higher",
    read: (r) => delivered(r, (d) => value(d.deadLetteredUnexpected, ABSENT)),
  },
  {
    id: "faultViolations",
    label: "fault-marker violations",
    group: "delivery",
    kind: "correctness",
    unit: "messages",
    worse: "higher",
    read: (r) => delivered(r, (d) => value(d.faultChecks?.violations, ABSENT)),
  },
];

/** Metric ids whose tolerance can be set (latency, rate and share metrics). */
export const TUNABLE_METRICS: readonly string[] = METRICS.filter((m) => m.kind !== "correctness" && m.worse !== "none").map((m) => m.id);
/** Metric ids with zero tolerance (correctness counts), the verdict and the checks. */
const ZERO_TOLERANCE: readonly string[] = [...METRICS.filter((m) => m.kind === "correctness").map((m) => m.id), "verdict", "checks"];

// ---------------------------------------------------------------------------------------------
// Tolerances

/** The keys `--tolerance` accepts, with the unit each value takes. */
export const TOLERANCE_KEYS: Readonly<Record<string, string>> = {
  latency: "latency=15% (relative growth of a latency percentile)",
  "latency-floor": "latency-floor=5ms (latency changes below it are noise)",
  rate: "rate=5% (relative drop of a rate)",
  "rate-floor": "rate-floor=0.5/s (rate changes below it are noise)",
  share: "share=0.5% (growth of a share, in percentage points)",
};

function toleranceNumber(spec: string, key: string, raw: string, unit: "%" | "ms" | "/s"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%|ms|\/s)?\s*$/.exec(raw);
  if (!m || m[2] !== unit) {
    throw new CompareInputError(
      `--tolerance "${spec}": the value of ${key} is ${unit === "%" ? "a percentage" : unit === "ms" ? "milliseconds" : "messages per second"}, e.g. ${key}=${unit === "%" ? "15%" : unit === "ms" ? "5ms" : "0.5/s"}`,
    );
  }
  const n = Number(m[1]);
  return unit === "%" ? n / 100 : n;
}

/**
 * Parses `--tolerance key=value` options (repeatable): a kind (`latency=15%`, `latency-floor=5ms`,
 * `rate=5%`, `rate-floor=0.5/s`, `share=0.5%`) or one metric (`ack.max=50%`). Correctness counts,
 * the verdict and the checks have zero tolerance and are refused, as is an unknown key (the
 * error lists the valid ones).
 */
export function parseTolerances(specs: readonly string[]): ToleranceOverrides {
  const out: { -readonly [K in keyof ToleranceOverrides]: ToleranceOverrides[K] } = {};
  const metrics: Record<string, number> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new CompareInputError(`--tolerance "${spec}": expected key=value, e.g. latency=15%`);
    const key = spec.slice(0, eq).trim();
    const raw = spec.slice(eq + 1);
    if (key === "latency") out.latency = toleranceNumber(spec, key, raw, "%");
    else if (key === "latency-floor") out.latencyFloorMs = toleranceNumber(spec, key, raw, "ms");
    else if (key === "rate") out.rate = toleranceNumber(spec, key, raw, "%");
    else if (key === "rate-floor") out.rateFloorPerSecond = toleranceNumber(spec, key, raw, "/s");
    else if (key === "share") out.share = toleranceNumber(spec, key, raw, "%");
    else if (TUNABLE_METRICS.includes(key)) metrics[key] = toleranceNumber(spec, key, raw, "%");
    else if (ZERO_TOLERANCE.includes(key) || key.startsWith("check.")) {
      throw new CompareInputError(
        `--tolerance "${spec}": ${key} has zero tolerance (a lost message, a duplicate side effect, an unexpected dead letter or a PASS -> FAIL is a defect, not noise) and cannot be relaxed`,
      );
    } else {
      throw new CompareInputError(
        `--tolerance "${spec}": unknown key "${key}"; valid keys: ${Object.keys(TOLERANCE_KEYS).join(", ")}, or one metric: ${TUNABLE_METRICS.join(", ")}`,
      );
    }
  }
  return Object.keys(metrics).length ? { ...out, metrics } : out;
}

function resolveTolerances(o: ToleranceOverrides = {}): CompareTolerances {
  const t: CompareTolerances = { ...DEFAULT_TOLERANCES, ...o, metrics: { ...DEFAULT_TOLERANCES.metrics, ...o.metrics } };
  for (const key of ["latency", "latencyFloorMs", "rate", "rateFloorPerSecond", "share"] as const) {
    if (!(Number.isFinite(t[key]) && t[key] >= 0))
      throw new CompareInputError(`options.tolerances.${key} must be a number >= 0, got ${t[key]}`);
  }
  for (const [id, v] of Object.entries(t.metrics)) {
    if (!TUNABLE_METRICS.includes(id))
      throw new CompareInputError(
        `options.tolerances.metrics.${id}: not a metric with a tolerance; use one of ${TUNABLE_METRICS.join(", ")}`,
      );
    if (!(Number.isFinite(v) && v >= 0)) throw new CompareInputError(`options.tolerances.metrics.${id} must be a number >= 0, got ${v}`);
  }
  return t;
}

function describeTolerance(def: MetricDef, t: CompareTolerances): string {
  const own = t.metrics[def.id];
  if (def.worse === "none") return "-";
  switch (def.kind) {
    case "latency":
      return `+${pct(own ?? t.latency)}, >= ${t.latencyFloorMs} ms`;
    case "rate":
      return `-${pct(own ?? t.rate)}, >= ${t.rateFloorPerSecond}/s`;
    case "share":
      return `+${Number(((own ?? t.share) * 100).toFixed(3))} pp`;
    default:
      return "none";
  }
}

const EPSILON = 1e-9;

/** Judges one numeric change. */
function assess(def: MetricDef, t: CompareTolerances, oldV: number, newV: number): { outcome: Outcome; regression: boolean } {
  const delta = newV - oldV;
  if (delta === 0) return { outcome: "unchanged", regression: false };
  if (def.worse === "none") return { outcome: "changed", regression: false };
  const worseBy = def.worse === "higher" ? delta : -delta;
  const size = Math.abs(worseBy);
  let beyond: boolean;
  if (def.kind === "correctness") beyond = true;
  else if (def.kind === "share") beyond = size > (t.metrics[def.id] ?? t.share) + EPSILON;
  else {
    const [rel, floor] =
      def.kind === "latency" ? [t.metrics[def.id] ?? t.latency, t.latencyFloorMs] : [t.metrics[def.id] ?? t.rate, t.rateFloorPerSecond];
    beyond = size > rel * Math.abs(oldV) + EPSILON && size >= floor - EPSILON;
  }
  if (!beyond) return { outcome: "within tolerance", regression: false };
  return worseBy > 0 ? { outcome: "regression", regression: true } : { outcome: "improved", regression: false };
}

// ---------------------------------------------------------------------------------------------
// Profiles

function flatten(v: unknown, path: string, out: Map<string, string>): void {
  if (v !== null && typeof v === "object") {
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) flatten(child, path ? `${path}.${k}` : k, out);
  } else out.set(path, JSON.stringify(v));
}

/** Differences of the two profiles (paths present in both); paths only one has go to `missing`. */
function profileDiff(a: ComparableReport, b: ComparableReport, missing: string[]): string[] {
  const differences: string[] = [];
  if (a.name !== b.name) differences.push(`name: ${JSON.stringify(a.name)} -> ${JSON.stringify(b.name)}`);
  if (!a.profile || !b.profile) {
    missing.push(`profile: absent from the ${!a.profile ? "old" : "new"} report; only the names and planned counts were compared`);
  } else {
    const fa = new Map<string, string>();
    const fb = new Map<string, string>();
    flatten(a.profile, "profile", fa);
    flatten(b.profile, "profile", fb);
    const onlyOne: string[] = [];
    for (const key of new Set([...fa.keys(), ...fb.keys()])) {
      if (key === "profile.name") continue;
      const [x, y] = [fa.get(key), fb.get(key)];
      if (x === undefined || y === undefined) {
        // the shortest prefix the other report has nothing under ("profile.spike", not each of its fields)
        const other = x === undefined ? fa : fb;
        const parts = key.split(".");
        let prefix = key;
        for (let n = 2; n <= parts.length; n++) {
          const p = parts.slice(0, n).join(".");
          if (![...other.keys()].some((k) => k === p || k.startsWith(`${p}.`))) {
            prefix = p;
            break;
          }
        }
        const entry = `${prefix} (${x === undefined ? "new" : "old"} report only)`;
        if (!onlyOne.includes(entry)) onlyOne.push(entry);
      } else if (x !== y) differences.push(`${key}: ${x} -> ${y}`);
    }
    if (onlyOne.length) missing.push(`profile settings in one report only, not compared: ${onlyOne.join(", ")}`);
  }
  // the phases as sent (a `spike:` shorthand and its `phases:` spelling send the same load)
  const phases = (r: ComparableReport) =>
    (r.phases ?? [])
      .map(
        (p) =>
          `${p.type} ${p.fromRatePerSecond === p.toRatePerSecond ? p.fromRatePerSecond : `${p.fromRatePerSecond}->${p.toRatePerSecond}`}/s for ${p.durationSeconds} s`,
      )
      .join(", ");
  if (a.phases && b.phases && phases(a) !== phases(b)) differences.push(`phases: [${phases(a)}] -> [${phases(b)}]`);
  if (a.planned !== undefined && b.planned !== undefined && a.planned !== b.planned)
    differences.push(`planned arrivals: ${a.planned} -> ${b.planned}`);
  return differences;
}

function runWarnings(a: ComparableReport, b: ComparableReport): string[] {
  const w: string[] = [];
  if (a.runId === b.runId) w.push(`both reports are run ${a.runId}: a run compared with itself`);
  const ja = a.latencyJudgement ?? "aws";
  const jb = b.latencyJudgement ?? "aws";
  if (ja !== jb)
    w.push(
      `latency was judged "${ja}" in the old run and "${jb}" in the new one: a run on the local emulator and a run on AWS do not have comparable latencies`,
    );
  if (a.agents !== undefined && b.agents !== undefined && a.agents !== b.agents) w.push(`senders: ${a.agents} -> ${b.agents} agent(s)`);
  if (a.machine && b.machine && a.machine.cores !== b.machine.cores)
    w.push(
      `the generator's machine had ${a.machine.cores} core(s) in the old run and ${b.machine.cores} in the new one: latencies measured on different machines`,
    );
  if (a.rates.goodputBasis !== undefined && b.rates.goodputBasis !== undefined && a.rates.goodputBasis !== b.rates.goodputBasis) {
    w.push(`goodput is ${a.rates.goodputBasis} per second in the old run and ${b.rates.goodputBasis} per second in the new one`);
  }
  for (const [which, r] of [
    ["old", a],
    ["new", b],
  ] as const) {
    if (r.pending !== undefined)
      w.push(`the ${which} report is not finished (reconciliation pending): its delivery counts and verdict are partial`);
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// The comparison

function numericRow(def: MetricDef, t: CompareTolerances, a: ComparableReport, b: ComparableReport): MetricComparison {
  const ra = def.read(a);
  const rb = def.read(b);
  const base = {
    id: def.id,
    label: def.label,
    group: def.group,
    kind: def.kind,
    unit: def.unit,
    worse: def.worse,
    tolerance: describeTolerance(def, t),
  };
  const oldV = "value" in ra ? ra.value : undefined;
  const newV = "value" in rb ? rb.value : undefined;
  if (oldV === undefined || newV === undefined) {
    const why = [...("why" in ra ? [`old: ${ra.why}`] : []), ...("why" in rb ? [`new: ${rb.why}`] : [])].join("; ");
    return { ...base, old: oldV, new: newV, outcome: "not compared", regression: false, missing: why };
  }
  const change = newV - oldV;
  return { ...base, old: oldV, new: newV, change, relativeChange: oldV === 0 ? undefined : change / oldV, ...assess(def, t, oldV, newV) };
}

function verdictRows(a: ComparableReport, b: ComparableReport): MetricComparison[] {
  const status = (
    id: string,
    label: string,
    kind: "verdict" | "check",
    oldS: string | undefined,
    newS: string | undefined,
    bad: string,
    good: string,
  ): MetricComparison => {
    const base = {
      id,
      label,
      group: "verdict" as const,
      kind,
      unit: "status" as const,
      old: oldS,
      new: newS,
      worse: "fail" as const,
      tolerance: `${good} -> ${bad}`,
    };
    if (oldS === undefined || newS === undefined)
      return { ...base, outcome: "not compared", regression: false, missing: `${oldS === undefined ? "old" : "new"}: ${ABSENT}` };
    if (oldS === newS) return { ...base, outcome: "unchanged", regression: false };
    if (oldS === good && newS === bad) return { ...base, outcome: "regression", regression: true };
    if (oldS === bad && newS === good) return { ...base, outcome: "improved", regression: false };
    return { ...base, outcome: "changed", regression: false };
  };
  const rows = [status("verdict", "verdict", "verdict", a.verdict.verdict, b.verdict.verdict, "FAIL", "PASS")];
  const oldChecks = new Map((a.verdict.checks ?? []).map((c) => [c.name, c.status]));
  const newChecks = new Map((b.verdict.checks ?? []).map((c) => [c.name, c.status]));
  for (const name of new Set([...oldChecks.keys(), ...newChecks.keys()])) {
    rows.push(status(`check.${name}`, `check ${name}`, "check", oldChecks.get(name), newChecks.get(name), "fail", "pass"));
  }
  return rows;
}

/** The sentence of a regression: "ack p99: 20.5 ms -> 45.0 ms (+24.5 ms, +119.5%; tolerance +10%, >= 5 ms)". */
function regressionSentence(m: MetricComparison): string {
  if (m.unit === "status") return `${m.label}: ${m.old} -> ${m.new}`;
  const rel = m.relativeChange === undefined ? "" : `, ${m.relativeChange > 0 ? "+" : ""}${pct(m.relativeChange)}`;
  return `${m.label}: ${formatMetricValue(m.unit, m.old)} -> ${formatMetricValue(m.unit, m.new)} (${formatMetricValue(m.unit, m.change, true)}${rel}; tolerance ${m.tolerance})`;
}

/**
 * Compares two runs: `a` is the baseline (old), `b` the new run. Throws {@link CompareInputError} on bad
 * tolerances; a refused comparison (`requireSameProfile`) comes back with `refused` set.
 */
export function compareReports(a: ComparableReport, b: ComparableReport, options: CompareOptions = {}): Comparison {
  const tolerances = resolveTolerances(options.tolerances);
  const missing: string[] = [];
  const profileDifferences = profileDiff(a, b, missing);
  const warnings = runWarnings(a, b);
  if (profileDifferences.length)
    warnings.unshift(
      `the runs used different profiles (${profileDifferences.length} difference(s), listed below): the changes may come from the load, not the release`,
    );
  const metrics = [...METRICS.map((def) => numericRow(def, tolerances, a, b)), ...verdictRows(a, b)];
  for (const m of metrics) if (m.missing) missing.push(`${m.label}: ${m.missing}`);
  const identity = (r: ComparableReport): RunIdentity => ({
    runId: r.runId,
    name: r.name,
    startedAt: r.startedAt,
    verdict: r.verdict.verdict,
  });
  const refused =
    options.requireSameProfile && profileDifferences.length
      ? `the runs used different profiles and the same profile was required (--require-same-profile): ${profileDifferences.join("; ")}`
      : undefined;
  return {
    old: identity(a),
    new: identity(b),
    metrics,
    regressions: metrics.filter((m) => m.regression).map(regressionSentence),
    profileDifferences,
    warnings,
    missing,
    ...(refused ? { refused } : {}),
    tolerances,
  };
}

/** The exit code of `spike compare`: 0 no regression, 1 a regression, 2 refused (bad input). */
export function comparisonExitCode(c: Comparison): 0 | 1 | 2 {
  if (c.refused) return 2;
  return c.regressions.length ? 1 : 0;
}
