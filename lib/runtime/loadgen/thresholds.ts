/**
 * Threshold expressions for the profile's `slo.thresholds`, in the spirit of k6's
 * `thresholds` and Artillery's `ensure`: `ack.p99 < 800`, `endToEnd.p99.9 <= 5000`,
 * `rate(status.429) < 0.05`, `lost == 0`. One comparison per expression:
 *
 *   expression := operand op number | number op operand
 *   operand    := metric | "rate(" metric ")"
 *   op         := "<" | "<=" | ">" | ">=" | "==" | "!="
 *   number     := plain decimal, optional sign and exponent (no units: latencies are ms,
 *                 rates are fractions 0..1, counts are messages or responses)
 *
 * Parsed by a tokenizer and a recursive-descent parser (never `eval`); every metric is looked
 * up in {@link THRESHOLD_METRICS} (plus `status.<code>`), so a typo is refused at parseProfile,
 * before any traffic, naming the valid metrics.
 */
import type { Histogram, LatencySummary } from "./histogram";
import { summarize } from "./histogram";
import { LoadgenError } from "./errors";

/** A comparison operator. */
export type ThresholdOperator = "<" | "<=" | ">" | ">=" | "==" | "!=";

/**
 * When a metric is known: "sending" (measured at the ingress while sending: abortOnFail may
 * watch it), "report" (derived over the whole run, e.g. per-second averages) or "reconcile"
 * (known only once the run is reconciled against receipts).
 */
export type MetricPhase = "sending" | "report" | "reconcile";

/** One metric a threshold may name. */
export interface ThresholdMetric {
  /** "ms" (latency), "/s", "messages" or "responses" (attempts answered). */
  readonly unit: "ms" | "/s" | "messages" | "responses";
  readonly phase: MetricPhase;
  /** Denominator of `rate(metric)`: "attempts" (responses), "offered" or "accepted" messages; absent: `rate()` is refused. */
  readonly rateOf?: "attempts" | "offered" | "accepted";
  readonly description: string;
}

const LATENCY_STATS: Record<string, keyof LatencySummary> = {
  min: "minMs",
  mean: "meanMs",
  p50: "p50Ms",
  p90: "p90Ms",
  p95: "p95Ms",
  p99: "p99Ms",
  "p99.9": "p999Ms",
  max: "maxMs",
};

function latencyMetrics(prefix: string, phase: MetricPhase, what: string): Record<string, ThresholdMetric> {
  return Object.fromEntries(
    Object.keys(LATENCY_STATS).map((s) => [`${prefix}.${s}`, { unit: "ms", phase, description: `${s} of ${what}, ms` }]),
  );
}

/**
 * Every metric a threshold may name, besides `status.<code>` (responses with that HTTP
 * status, "0" = no response; `rate(status.429)` = share of attempts).
 */
export const THRESHOLD_METRICS: Readonly<Record<string, ThresholdMetric>> = {
  ...latencyMetrics("ack", "sending", "ingress acknowledgement latency from the planned send (coordinated-omission corrected)"),
  ...latencyMetrics("service", "sending", "per-attempt service time (actual send to response)"),
  ...latencyMetrics("endToEnd", "reconcile", "planned send to processed by the worker"),
  offered: { unit: "messages", phase: "sending", rateOf: "offered", description: "arrivals the plan offered" },
  attempts: { unit: "responses", phase: "sending", rateOf: "attempts", description: "HTTP attempts, retries included" },
  retries: { unit: "responses", phase: "sending", rateOf: "attempts", description: "attempts beyond the first" },
  accepted: { unit: "messages", phase: "sending", rateOf: "offered", description: "messages acknowledged 2xx" },
  dropped: { unit: "messages", phase: "sending", rateOf: "offered", description: "arrivals dropped at the generator's in-flight cap" },
  failed: { unit: "messages", phase: "sending", rateOf: "offered", description: "messages that ended without a 2xx" },
  generatorErrors: {
    unit: "messages",
    phase: "sending",
    rateOf: "offered",
    description: "messages the generator could not get accepted: dropped + failed",
  },
  throttled: { unit: "responses", phase: "sending", rateOf: "attempts", description: "429 and 503 responses" },
  errorResponses: { unit: "responses", phase: "sending", rateOf: "attempts", description: "other 5xx, timeouts and connection errors" },
  retriesRefusedByBudget: {
    unit: "responses",
    phase: "sending",
    rateOf: "attempts",
    description: "retries refused because the retry budget was spent",
  },
  acksAfterGenesysTimeout: {
    unit: "messages",
    phase: "sending",
    rateOf: "accepted",
    description: "acks later than Genesys' 10 s webhook timeout",
  },
  "rates.offered": { unit: "/s", phase: "report", description: "offered per second over the planned duration" },
  "rates.attempted": { unit: "/s", phase: "report", description: "attempts per second over the planned duration" },
  "rates.accepted": { unit: "/s", phase: "report", description: "accepted per second over the planned duration" },
  "rates.goodput": { unit: "/s", phase: "report", description: "processed (reconciled runs) or accepted per second" },
  processed: { unit: "messages", phase: "reconcile", rateOf: "accepted", description: "accepted messages the worker processed" },
  lost: {
    unit: "messages",
    phase: "reconcile",
    rateOf: "accepted",
    description: "accepted messages neither processed nor dead-lettered by the deadline",
  },
  inFlight: {
    unit: "messages",
    phase: "reconcile",
    rateOf: "accepted",
    description: "accepted messages still being retried at the deadline",
  },
  duplicateSideEffects: {
    unit: "messages",
    phase: "reconcile",
    rateOf: "accepted",
    description: "messages whose side effect ran more than once",
  },
  duplicateDeliveries: {
    unit: "messages",
    phase: "reconcile",
    rateOf: "accepted",
    description: "messages the worker completed more than once",
  },
  "deadLettered.expected": {
    unit: "messages",
    phase: "reconcile",
    rateOf: "accepted",
    description: "poison messages dead-lettered as intended",
  },
  "deadLettered.unexpected": {
    unit: "messages",
    phase: "reconcile",
    rateOf: "accepted",
    description: "this run's other messages found dead-lettered",
  },
  faultViolations: {
    unit: "messages",
    phase: "reconcile",
    rateOf: "accepted",
    description: "fault-marked messages that did not behave as marked",
  },
};

const STATUS_METRIC = /^status\.(\d{1,3})$/;

/** The metric named by a path, or undefined when there is none. */
export function thresholdMetric(path: string): ThresholdMetric | undefined {
  if (Object.prototype.hasOwnProperty.call(THRESHOLD_METRICS, path)) return THRESHOLD_METRICS[path];
  if (STATUS_METRIC.test(path))
    return { unit: "responses", phase: "sending", rateOf: "attempts", description: "responses with this HTTP status" };
  return undefined;
}

/** The valid metric names, for error messages. */
export function validMetricNames(): string {
  return `${Object.keys(THRESHOLD_METRICS).join(", ")}, status.<code> (e.g. status.429)`;
}

/** A parsed threshold expression. */
export interface ThresholdExpression {
  /** The expression as written, whitespace normalized: the check's name in reports. */
  readonly text: string;
  readonly metric: string;
  /** `rate(metric)`: the metric divided by its {@link ThresholdMetric.rateOf}. */
  readonly rate: boolean;
  /** Normalized so the operand is on the left: `800 > ack.p99` becomes `ack.p99 < 800`. */
  readonly op: ThresholdOperator;
  readonly value: number;
}

/** Thrown for an expression that does not parse or names an unknown metric; the message says what to write. */
export class ThresholdError extends LoadgenError {
  override readonly name = "ThresholdError";
}

type Token =
  | { kind: "ident"; text: string; at: number }
  | { kind: "number"; value: number; text: string; at: number }
  | { kind: "op"; text: ThresholdOperator; at: number }
  | { kind: "paren"; text: "(" | ")"; at: number };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;
// a metric path: segments of letters/digits/underscores joined by dots (p99.9 and status.429 included)
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*/;
const OPS: readonly ThresholdOperator[] = ["<=", ">=", "==", "!=", "<", ">"];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: "op", text: op, at: i });
      i += op.length;
      continue;
    }
    if (rest[0] === "(" || rest[0] === ")") {
      tokens.push({ kind: "paren", text: rest[0], at: i });
      i++;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      if (/^[A-Za-z%]/.test(rest.slice(num[0].length))) {
        throw new ThresholdError(
          `"${text}": a number with a unit at column ${i + 1} ("${rest.split(/[\s()]/)[0]}"): write plain numbers (latencies are ms, rates fractions 0..1)`,
        );
      }
      tokens.push({ kind: "number", value: Number(num[0]), text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const id = IDENT.exec(rest);
    if (id) {
      tokens.push({ kind: "ident", text: id[0], at: i });
      i += id[0].length;
      continue;
    }
    throw new ThresholdError(
      `"${text}": unexpected "${rest[0]}" at column ${i + 1}; write e.g. "ack.p99 < 800" or "rate(status.429) < 0.05"`,
    );
  }
  return tokens;
}

const FLIP: Record<ThresholdOperator, ThresholdOperator> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!=" };

/** Parses one expression; throws {@link ThresholdError} naming the problem (an unknown metric lists the valid ones). */
export function parseThreshold(text: string): ThresholdExpression {
  if (typeof text !== "string" || !text.trim()) throw new ThresholdError('empty threshold expression; write e.g. "ack.p99 < 800"');
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const expected = (what: string): never => {
    const t = peek();
    throw new ThresholdError(
      `"${text}": expected ${what} ${t ? `at column ${t.at + 1}, found "${t.kind === "number" ? t.text : t.text}"` : "at the end"}; write e.g. "ack.p99 < 800"`,
    );
  };
  const metricName = (name: string): string => {
    if (!thresholdMetric(name)) throw new ThresholdError(`"${text}": unknown metric "${name}"; valid metrics: ${validMetricNames()}`);
    return name;
  };
  /** operand := metric | "rate" "(" metric ")" */
  const operand = (): { metric: string; rate: boolean } => {
    const t = peek();
    if (t?.kind !== "ident") return expected("a metric");
    pos++;
    if (peek()?.kind === "paren" && peek()!.text === "(") {
      if (t.text !== "rate") throw new ThresholdError(`"${text}": unknown function "${t.text}"; the only function is rate(metric)`);
      pos++;
      const inner = peek();
      if (inner?.kind !== "ident") return expected("a metric inside rate( )");
      pos++;
      const metric = metricName(inner.text);
      if (peek()?.kind !== "paren" || peek()!.text !== ")") return expected('")"');
      pos++;
      if (!thresholdMetric(metric)!.rateOf) {
        throw new ThresholdError(
          `"${text}": rate(${metric}) is not defined (${metric} is a latency or per-second rate); compare ${metric} itself`,
        );
      }
      return { metric, rate: true };
    }
    return { metric: metricName(t.text), rate: false };
  };
  const number = (): number => {
    const t = peek();
    if (t?.kind !== "number") return expected("a number");
    pos++;
    return t.value;
  };
  const operator = (): ThresholdOperator => {
    const t = peek();
    if (t?.kind !== "op") return expected("a comparison (< <= > >= == !=)");
    pos++;
    return t.text;
  };
  let result: { metric: string; rate: boolean; op: ThresholdOperator; value: number };
  if (peek()?.kind === "number") {
    const value = number();
    const op = operator();
    result = { ...operand(), op: FLIP[op], value };
  } else {
    const left = operand();
    const op = operator();
    result = { ...left, op, value: number() };
  }
  if (pos < tokens.length) expected("the end of the expression (one comparison per threshold)");
  const name = result.rate ? `rate(${result.metric})` : result.metric;
  return { ...result, text: `${name} ${result.op} ${result.value}` };
}

/** Whether `actual` satisfies the expression. */
export function holds(t: ThresholdExpression, actual: number): boolean {
  switch (t.op) {
    case "<":
      return actual < t.value;
    case "<=":
      return actual <= t.value;
    case ">":
      return actual > t.value;
    case ">=":
      return actual >= t.value;
    case "==":
      return actual === t.value;
    case "!=":
      return actual !== t.value;
  }
}

/** A threshold of the profile, normalized (a bare string is `{ expr }`). */
export interface ThresholdSpec {
  readonly expr: string;
  /** Stop offering new arrivals as soon as the threshold fails while sending (only on "sending" metrics). @default false */
  readonly abortOnFail?: boolean;
  /** Seconds from the plan's start before abortOnFail is evaluated (a grace period). @default 0 */
  readonly delayAbortEvalSeconds?: number;
  /** Shown as WARN when it fails; never fails the verdict. @default false */
  readonly warnOnly?: boolean;
}

/** The measurements a threshold reads; fields absent when not known (not reconciled, nothing measured). */
export interface MetricValues {
  readonly counts: {
    readonly offered: number;
    readonly attempts: number;
    readonly retries: number;
    readonly accepted: number;
    readonly dropped: number;
    readonly failed: number;
    readonly throttledResponses: number;
    readonly errorResponses: number;
    readonly retriesRefusedByBudget: number;
    readonly acksAfterGenesysTimeout?: number;
    readonly statusCodes: Readonly<Record<string, number>>;
  };
  readonly ack?: LatencySummary;
  readonly service?: LatencySummary;
  readonly endToEnd?: LatencySummary;
  readonly rates?: {
    readonly offeredPerSecond: number;
    readonly attemptedPerSecond: number;
    readonly acceptedPerSecond: number;
    readonly goodputPerSecond: number;
  };
  readonly delivery?: {
    readonly processed?: number;
    readonly lost: number;
    readonly inFlight?: number;
    readonly duplicateSideEffects: number;
    readonly duplicateDeliveries: number;
    readonly deadLetteredExpected?: number;
    readonly deadLetteredUnexpected: number;
    readonly faultViolations: number;
  };
}

/** A metric's value, or `{ why }` when it is not known. */
export function metricValue(values: MetricValues, metric: string): number | { readonly why: string } {
  const c = values.counts;
  const d = values.delivery;
  const notReconciled = { why: "delivery not reconciled" };
  const [group, stat] = [metric.slice(0, metric.indexOf(".")), metric.slice(metric.indexOf(".") + 1)];
  if ((group === "ack" || group === "service" || group === "endToEnd") && stat in LATENCY_STATS) {
    const s = values[group];
    if (!s) return group === "endToEnd" ? notReconciled : { why: "not measured" };
    if (s.count === 0) return { why: `no ${group} latencies recorded` };
    return s[LATENCY_STATS[stat]] as number;
  }
  const status = STATUS_METRIC.exec(metric);
  if (status) return c.statusCodes[status[1]] ?? 0;
  const r = values.rates;
  const need = <T>(v: T | undefined, why: { why: string }) => (v === undefined ? why : v);
  const fromDelivery = (pick: (x: NonNullable<MetricValues["delivery"]>) => number | undefined) =>
    d ? need(pick(d), { why: "not in this report" }) : notReconciled;
  const table: Record<string, () => number | { why: string }> = {
    offered: () => c.offered,
    attempts: () => c.attempts,
    retries: () => c.retries,
    accepted: () => c.accepted,
    dropped: () => c.dropped,
    failed: () => c.failed,
    generatorErrors: () => c.dropped + c.failed,
    throttled: () => c.throttledResponses,
    errorResponses: () => c.errorResponses,
    retriesRefusedByBudget: () => c.retriesRefusedByBudget,
    acksAfterGenesysTimeout: () => need(c.acksAfterGenesysTimeout, { why: "not measured" }),
    "rates.offered": () => need(r?.offeredPerSecond, { why: "known at the end of the run" }),
    "rates.attempted": () => need(r?.attemptedPerSecond, { why: "known at the end of the run" }),
    "rates.accepted": () => need(r?.acceptedPerSecond, { why: "known at the end of the run" }),
    "rates.goodput": () => need(r?.goodputPerSecond, { why: "known at the end of the run" }),
    processed: () => fromDelivery((x) => x.processed),
    lost: () => fromDelivery((x) => x.lost),
    inFlight: () => fromDelivery((x) => x.inFlight),
    duplicateSideEffects: () => fromDelivery((x) => x.duplicateSideEffects),
    duplicateDeliveries: () => fromDelivery((x) => x.duplicateDeliveries),
    "deadLettered.expected": () => fromDelivery((x) => x.deadLetteredExpected),
    "deadLettered.unexpected": () => fromDelivery((x) => x.deadLetteredUnexpected),
    faultViolations: () => fromDelivery((x) => x.faultViolations),
  };
  const read = table[metric];
  if (!read) throw new ThresholdError(`unknown metric "${metric}"; valid metrics: ${validMetricNames()}`);
  return read();
}

/** The expression's left side: the metric, or `rate(metric)` (undefined denominators give `{ why }`). */
export function expressionValue(t: ThresholdExpression, values: MetricValues): number | { readonly why: string } {
  const v = metricValue(values, t.metric);
  if (!t.rate || typeof v !== "number") return v;
  const basis = thresholdMetric(t.metric)!.rateOf!;
  const denominator = basis === "attempts" ? values.counts.attempts : basis === "offered" ? values.counts.offered : values.counts.accepted;
  return denominator === 0
    ? { why: `${basis === "attempts" ? "no attempts" : `no ${basis} messages`} yet: rate undefined` }
    : v / denominator;
}

/** Whether a metric is a latency (judged as information only on a local run, like the p99 bounds). */
export const isLatencyMetric = (metric: string) => thresholdMetric(metric)?.unit === "ms";

/** Why a threshold spec is refused (empty when sound): parse errors, abortOnFail on a metric not observed while sending. */
export function thresholdProblems(spec: ThresholdSpec): string[] {
  let parsed: ThresholdExpression;
  try {
    parsed = parseThreshold(spec.expr);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  if (spec.abortOnFail && thresholdMetric(parsed.metric)!.phase !== "sending") {
    const allowed = Object.entries(THRESHOLD_METRICS)
      .filter(([, m]) => m.phase === "sending")
      .map(([k]) => k);
    problems.push(
      `"${spec.expr}": abortOnFail needs a metric observed while sending; ${parsed.metric} is known only ${thresholdMetric(parsed.metric)!.phase === "reconcile" ? "after reconciliation" : "at the end of the run"}. Remove abortOnFail, or use one of: ${allowed.join(", ")}, status.<code>`,
    );
  }
  if (spec.abortOnFail && spec.warnOnly)
    problems.push(`"${spec.expr}": abortOnFail and warnOnly contradict each other (a warn-only threshold never fails the run); keep one`);
  if (!spec.abortOnFail && spec.delayAbortEvalSeconds !== undefined)
    problems.push(`"${spec.expr}": delayAbortEvalSeconds is only read with abortOnFail: true; set abortOnFail or remove it`);
  return problems;
}

/** Why a run was aborted: the threshold lost while sending, its value and when. */
export interface SpikeAbort {
  /** ISO time of the decision. */
  readonly at: string;
  /** Seconds from the plan's start. */
  readonly elapsedSeconds: number;
  /** The threshold's expression (normalized), the name of its check. */
  readonly threshold: string;
  readonly value: number;
  /** In a fan-out: the agent that stopped sending (each agent watches its own share). */
  readonly agentIndex?: number;
  /**
   * In a fan-out's merged report: every agent that aborted, earliest first (this abort is the
   * earliest of them). Agents that did not abort sent their whole share.
   */
  readonly agents?: readonly AgentAbort[];
}

/** One agent's abort in a fan-out: which agent, the threshold it lost, its value and when. */
export interface AgentAbort {
  /** The agent (its share: `seq % agentCount === agentIndex`). */
  readonly agentIndex: number;
  /** Seconds from the plan's start when that agent stopped sending. */
  readonly elapsedSeconds: number;
  /** The threshold's expression (normalized) the agent lost. */
  readonly threshold: string;
  /** Its value on the agent's own share. */
  readonly value: number;
}

/** " by agent 1 of 3" / " by agents 0, 2 of 3 (agent 0: ..., agent 2: ...)"; "" outside a fan-out. */
export function abortAgentsText(a: SpikeAbort, agentCount?: number): string {
  const agents = a.agents ?? (a.agentIndex !== undefined ? [{ ...a, agentIndex: a.agentIndex }] : []);
  if (agents.length === 0) return "";
  const of = agentCount ? ` of ${agentCount}` : "";
  if (agents.length === 1) return ` by agent ${agents[0].agentIndex}${of}`;
  const each = agents.map((x) => `agent ${x.agentIndex}: "${x.threshold}" = ${x.value} at ${x.elapsedSeconds} s`).join("; ");
  return ` by agents ${agents.map((x) => x.agentIndex).join(", ")}${of} (${each})`;
}

/** Live ingress measurements the abort watcher reads, several times a second. */
export interface LiveIngress {
  readonly counts: MetricValues["counts"];
  readonly ack: Histogram;
  readonly service: Histogram;
  /** Seconds since the plan's start. */
  readonly elapsedSeconds: number;
}

/**
 * The abort watcher for a profile's thresholds: returns the first abortOnFail threshold
 * failing after its grace period, or undefined. Undefined when no threshold asks to abort.
 * On a local run (`latency: "local"`) latency thresholds never abort: they are information
 * there, like the AWS-grade p99 bounds.
 */
export function abortWatcher(
  thresholds: readonly ThresholdSpec[] | undefined,
  options: { readonly latency?: "aws" | "local" } = {},
): ((live: LiveIngress) => SpikeAbort | undefined) | undefined {
  const watched = (thresholds ?? [])
    .filter((t) => t.abortOnFail)
    .map((t) => ({ spec: t, parsed: parseThreshold(t.expr) }))
    .filter((t) => !(options.latency === "local" && isLatencyMetric(t.parsed.metric)));
  if (watched.length === 0) return undefined;
  const needsLatency = watched.some((t) => isLatencyMetric(t.parsed.metric));
  return (live) => {
    const due = watched.filter((t) => live.elapsedSeconds >= (t.spec.delayAbortEvalSeconds ?? 0));
    if (due.length === 0) return undefined;
    const values: MetricValues = {
      counts: live.counts,
      ...(needsLatency ? { ack: summarize(live.ack), service: summarize(live.service) } : {}),
    };
    for (const t of due) {
      const v = expressionValue(t.parsed, values);
      if (typeof v === "number" && !holds(t.parsed, v)) {
        return {
          at: new Date().toISOString(),
          elapsedSeconds: Math.round(live.elapsedSeconds * 1000) / 1000,
          threshold: t.parsed.text,
          value: v,
        };
      }
    }
    return undefined;
  };
}
