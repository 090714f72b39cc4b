/**
 * The verdict: the profile's SLO thresholds applied to a run's measurements, PASS only
 * when every evaluated check passes. Delivery checks are skipped (and say so) when the
 * run was not reconciled against receipts; the redrive-policy check is skipped when the
 * ingress queue was not given.
 *
 * Latency is judged by where the run happened ({@link LatencyJudgement}): against AWS, the
 * profile's AWS-grade p99 bounds are judged; against the local emulator (a few shared cores
 * running the whole stack), they are shown as information only, and latency fails the run
 * only when more than `slo.maxAcksOverGenesysTimeoutRatio` of the acks came after Genesys'
 * 10 s webhook timeout, i.e. when Genesys would have retried. Correctness checks (lost, in
 * flight, dead letters, duplicates, fault markers, redrive policy) are judged everywhere.
 *
 * `slo.thresholds` (expressions, ./thresholds.ts) add one check each, named by the expression:
 * FAIL fails the verdict, WARN (a `warnOnly` threshold that failed) does not; latency
 * expressions are INFO on a local run. A run aborted by an `abortOnFail` threshold is FAIL
 * with that threshold, whatever its value at the end.
 */
import { GENESYS_WEBHOOK_TIMEOUT_MS, type SpikeProfile } from "./profile";
import type { RedriveInspection } from "./reconcile";
import { abortAgentsText, expressionValue, holds, isLatencyMetric, parseThreshold, type MetricValues, type SpikeAbort } from "./thresholds";

export const VERDICTS = { pass: "PASS", fail: "FAIL" } as const;
export type Verdict = (typeof VERDICTS)[keyof typeof VERDICTS];

/** One SLO check. */
export interface VerdictCheck {
  /** Stable name, e.g. "lost". */
  readonly name: string;
  /** Human description of the threshold, e.g. "<= 0". */
  readonly threshold: string;
  /** The measured value (undefined when not evaluated, or when the check is not numeric). */
  readonly actual?: number;
  /** What was found, in words, for checks whose finding is not a number (e.g. "no redrive policy"). */
  readonly detail?: string;
  /**
   * "pass", "fail", "skipped" (could not be evaluated: delivery not reconciled, or the ingress
   * queue not given), or "info" (evaluated and shown, not judged: an AWS-grade latency bound on
   * a local run; `detail` says whether it was within the bound), or "warn" (a `warnOnly`
   * threshold expression that failed: shown, never fails the verdict).
   */
  readonly status: "pass" | "fail" | "skipped" | "info" | "warn";
}

/**
 * Where latency is judged: "aws" (the profile's p99 bounds are judged) or "local" (the
 * emulator on this machine: they are information; only acks later than Genesys' timeout count).
 */
export type LatencyJudgement = "aws" | "local";

/**
 * The checks that judge latency (this machine's, locally): every other check judges
 * correctness (accepted, lost, in flight, dead letters, duplicates, fault markers, redrive).
 */
export const LATENCY_CHECKS: readonly string[] = ["ackP99Ms", "acksOverGenesysTimeout", "endToEndP99Ms"];

export interface VerdictResult {
  readonly verdict: Verdict;
  /** One line per failed check; empty on PASS. */
  readonly reasons: string[];
  readonly checks: VerdictCheck[];
}

/** The measurements a verdict reads. Delivery fields are undefined when the run was not reconciled. */
export interface VerdictInput {
  readonly offered: number;
  readonly accepted: number;
  /** Arrivals the generator dropped at its in-flight cap (never sent); counted out of `acceptedRatio` locally only. Default 0. */
  readonly dropped?: number;
  readonly ackP99Ms: number;
  /** Accepted messages acknowledged later than Genesys' 10 s timeout (undefined: not measured, check skipped). */
  readonly acksAfterGenesysTimeout?: number;
  readonly delivery?: {
    readonly lost: number;
    /** Messages still being retried at the deadline (undefined in older results: not checked). */
    readonly inFlight?: number;
    /** "seq 12: attempt 8 of 10" for a few of them. */
    readonly inFlightDescriptions?: readonly string[];
    readonly deadLetteredUnexpected: number;
    readonly duplicateSideEffects: number;
    /** Messages the worker completed more than once (receipt `deliveries > 1`). */
    readonly duplicateDeliveries: number;
    readonly endToEndP99Ms: number;
    readonly faultViolations: number;
  };
  /** The ingress queue's redrive policy as read from SQS; undefined when the queue was not given (check skipped). */
  readonly redrive?: RedriveInspection;
  /** Every reported metric, read by `slo.thresholds` (undefined: threshold checks are SKIPPED). */
  readonly metrics?: MetricValues;
  /** Set when an abortOnFail threshold stopped the sending: the verdict is FAIL with it. */
  readonly aborted?: SpikeAbort;
}

/**
 * The SLO fields as the expressions they stand for (the checks keep the field's name):
 * `slo.ackP99Ms: 1000` judges `ack.p99 <= 1000`, and so on. `acceptedRatio` is
 * `rate(accepted) >= minAcceptedRatio` except that, locally, arrivals dropped at the
 * generator's in-flight cap are counted out; `duplicateDeliveryRatio` divides by accepted.
 */
export const SLO_FIELD_EXPRESSIONS: Readonly<Record<string, (slo: SpikeProfile["slo"]) => string>> = {
  acceptedRatio: (s) => `rate(accepted) >= ${s.minAcceptedRatio}`,
  ackP99Ms: (s) => `ack.p99 <= ${s.ackP99Ms}`,
  acksOverGenesysTimeout: (s) => `rate(acksAfterGenesysTimeout) <= ${s.maxAcksOverGenesysTimeoutRatio}`,
  lost: (s) => `lost <= ${s.maxLost}`,
  inFlight: () => "inFlight == 0",
  unexpectedDeadLetters: (s) => `deadLettered.unexpected <= ${s.maxUnexpectedDeadLetters}`,
  duplicateSideEffects: (s) => `duplicateSideEffects <= ${s.maxDuplicateSideEffects}`,
  duplicateDeliveryRatio: (s) => `rate(duplicateDeliveries) <= ${s.maxDuplicateDeliveryRatio}`,
  endToEndP99Ms: (s) => `endToEnd.p99 <= ${s.endToEndP99Ms}`,
  faultViolations: () => "faultViolations == 0",
};

/** What is wrong with a redrive policy, one sentence each; empty when it is sound. */
export function redriveProblems(r: RedriveInspection): string[] {
  if (r.error) return [`could not read the redrive policy of ${r.queueUrl}: ${r.error}`];
  if (!r.policy) {
    return [
      "the queue has no redrive policy: a message that crashes or times out the worker on every delivery is retried until retention expires and then deleted without trace; give the queue a DLQ",
    ];
  }
  const problems: string[] = [];
  if (r.expectedDlqArn !== undefined && r.policy.deadLetterTargetArn !== r.expectedDlqArn) {
    problems.push(
      `the queue's redrive policy targets ${r.policy.deadLetterTargetArn}, not the DLQ given (${r.expectedDlqArn}): messages SQS moves after maxReceiveCount receives land where neither the run nor the DLQ alarms look`,
    );
  }
  if (r.workerMaxReceiveCount !== undefined && r.policy.maxReceiveCount < r.workerMaxReceiveCount) {
    problems.push(
      `the queue's redrive policy has maxReceiveCount ${r.policy.maxReceiveCount}, below the worker's ${r.workerMaxReceiveCount}: SQS moves a message to the DLQ before the worker can dead-letter it with its context; set maxReceiveCount to at least ${r.workerMaxReceiveCount}`,
    );
  }
  return problems;
}

/** The queue name of an SQS ARN (its last segment), to keep the checks table short. */
const queueName = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);

function redriveThreshold(r: RedriveInspection | undefined): string {
  if (!r) return "a DLQ (queue not given)";
  const target = r.expectedDlqArn ? `to ${queueName(r.expectedDlqArn)}` : "to a DLQ";
  return r.workerMaxReceiveCount !== undefined ? `${target}, maxReceiveCount >= ${r.workerMaxReceiveCount}` : target;
}

/** The checks and failure reasons of one verdict, as they are added. */
class CheckList {
  readonly checks: VerdictCheck[] = [];
  readonly reasons: string[] = [];

  constructor(private readonly local: boolean) {}

  /** A pass/fail check; skipped when there is no value to judge. */
  check(name: string, actual: number | undefined, ok: (v: number) => boolean, threshold: string, reason: (v: number) => string): void {
    if (actual === undefined) {
      this.checks.push({ name, threshold, status: "skipped" });
      return;
    }
    const pass = ok(actual);
    this.checks.push({ name, threshold, actual, status: pass ? "pass" : "fail" });
    if (!pass) this.reasons.push(reason(actual));
  }

  /** An AWS-grade latency bound: judged on AWS, shown as information locally. */
  latency(name: string, actual: number | undefined, bound: number, reason: (v: number) => string): void {
    if (!this.local || actual === undefined) {
      this.check(name, actual, (v) => v <= bound, `<= ${bound} ms`, reason);
      return;
    }
    this.checks.push({
      name,
      threshold: `<= ${bound} ms (AWS-grade; not judged locally)`,
      actual,
      detail: `${actual.toFixed(actual < 10 ? 2 : 0)} ms, ${actual <= bound ? "within" : "over"} the bound`,
      status: "info",
    });
  }
}

/** The ingress checks: the accepted ratio, the ack p99, the acks later than Genesys' webhook timeout. */
function judgeIngress(input: VerdictInput, slo: SpikeProfile["slo"], local: boolean, c: CheckList): void {
  // Locally, arrivals the generator dropped at its own in-flight cap (acks slower than the
  // arrival rate allows on this machine) were never sent: pace, not correctness; they are
  // counted out of the ratio and named. On AWS they count: a slow ingress is the pipeline's.
  const dropped = local ? (input.dropped ?? 0) : 0;
  const sent = input.offered - dropped;
  const ratio = sent <= 0 ? (input.offered === 0 ? 0 : 1) : input.accepted / sent;
  c.check(
    "acceptedRatio",
    ratio,
    (v) => v >= slo.minAcceptedRatio,
    `>= ${slo.minAcceptedRatio}${dropped ? ` (of the ${sent} sent; ${dropped} dropped at the generator's in-flight cap, this machine's pace, not judged locally)` : ""}`,
    (v) =>
      `accepted ratio ${v.toFixed(4)} is below ${slo.minAcceptedRatio} (${input.accepted} of ${dropped ? `${sent} sent, ${input.offered} offered` : `${input.offered} offered`})`,
  );
  c.latency(
    "ackP99Ms",
    input.accepted > 0 ? input.ackP99Ms : undefined,
    slo.ackP99Ms,
    (v) => `ingress ack p99 ${v.toFixed(1)} ms exceeds ${slo.ackP99Ms} ms`,
  );
  const lateShare =
    input.acksAfterGenesysTimeout === undefined || input.accepted === 0 ? undefined : input.acksAfterGenesysTimeout / input.accepted;
  c.check(
    "acksOverGenesysTimeout",
    lateShare,
    (v) => v <= slo.maxAcksOverGenesysTimeoutRatio,
    `<= ${slo.maxAcksOverGenesysTimeoutRatio} of acks after ${GENESYS_WEBHOOK_TIMEOUT_MS / 1000} s`,
    (v) =>
      `${input.acksAfterGenesysTimeout} of ${input.accepted} acks (${Number((v * 100).toFixed(2))}%) came more than Genesys' ${GENESYS_WEBHOOK_TIMEOUT_MS / 1000} s webhook timeout after their planned send, over ${Number((slo.maxAcksOverGenesysTimeoutRatio * 100).toFixed(2))}%: Genesys would have retried them`,
  );
}

/** The delivery checks (skipped when not reconciled): lost, in flight, dead letters, duplicates, end-to-end p99, faults. */
function judgeDelivery(input: VerdictInput, slo: SpikeProfile["slo"], c: CheckList): void {
  const d = input.delivery;
  c.check(
    "lost",
    d?.lost,
    (v) => v <= slo.maxLost,
    `<= ${slo.maxLost}`,
    (v) => `${v} accepted message(s) lost (neither processed nor dead-lettered by the deadline, never seen retrying)`,
  );
  c.check(
    "inFlight",
    d?.inFlight,
    (v) => v === 0,
    "== 0 at the deadline",
    (v) =>
      `${v} accepted message(s) still in flight at the deadline (being retried, not resolved: ${(d?.inFlightDescriptions ?? []).slice(0, 5).join(", ")}${v > 5 ? ", ..." : ""}); the deadline covers the pipeline's worst retry horizon, so they are stuck or retried beyond it`,
  );
  c.check(
    "unexpectedDeadLetters",
    d?.deadLetteredUnexpected,
    (v) => v <= slo.maxUnexpectedDeadLetters,
    `<= ${slo.maxUnexpectedDeadLetters}`,
    (v) => `${v} unexpected dead letter(s)`,
  );
  c.check(
    "duplicateSideEffects",
    d?.duplicateSideEffects,
    (v) => v <= slo.maxDuplicateSideEffects,
    `<= ${slo.maxDuplicateSideEffects}`,
    (v) => `${v} duplicate side effect(s)`,
  );
  const duplicateRatio = d && (input.accepted === 0 ? 0 : d.duplicateDeliveries / input.accepted);
  c.check(
    "duplicateDeliveryRatio",
    duplicateRatio,
    (v) => v <= slo.maxDuplicateDeliveryRatio,
    `<= ${slo.maxDuplicateDeliveryRatio}`,
    (v) =>
      `${d!.duplicateDeliveries} duplicate deliveries (${Number((v * 100).toFixed(2))}% of accepted): messages are delivered again while or after being processed; check the visibility timeout against the worker's processing time`,
  );
  c.latency(
    "endToEndP99Ms",
    d?.endToEndP99Ms,
    slo.endToEndP99Ms,
    (v) => `end-to-end p99 ${v.toFixed(0)} ms exceeds ${slo.endToEndP99Ms} ms`,
  );
  c.check(
    "faultViolations",
    d?.faultViolations,
    (v) => v === 0,
    "== 0",
    (v) => `${v} fault-marked message(s) did not behave as marked (see faultChecks)`,
  );
}

/** The redrive policy check: skipped without the queue, failed with any of {@link redriveProblems}. */
function judgeRedrive(r: RedriveInspection | undefined, c: CheckList): void {
  if (!r) {
    c.checks.push({ name: "redrivePolicy", threshold: redriveThreshold(r), status: "skipped" });
    return;
  }
  const problems = redriveProblems(r);
  const detail = r.error
    ? "unreadable"
    : r.policy
      ? `to ${queueName(r.policy.deadLetterTargetArn)}, maxReceiveCount ${r.policy.maxReceiveCount}`
      : "no redrive policy";
  c.checks.push({
    name: "redrivePolicy",
    threshold: redriveThreshold(r),
    ...(r.policy ? { actual: r.policy.maxReceiveCount } : {}),
    detail,
    status: problems.length ? "fail" : "pass",
  });
  if (problems.length) c.reasons.push(problems.join("; "));
}

/** Applies the profile's thresholds; `options.latency` says how latency is judged (default "aws"). */
export function judge(input: VerdictInput, slo: SpikeProfile["slo"], options: { readonly latency?: LatencyJudgement } = {}): VerdictResult {
  const local = options.latency === "local";
  const c = new CheckList(local);
  judgeIngress(input, slo, local, c);
  judgeDelivery(input, slo, c);
  judgeRedrive(input.redrive, c);
  const { checks, reasons } = c;
  judgeThresholds(input, slo, local, checks, reasons);
  return { verdict: reasons.length === 0 ? VERDICTS.pass : VERDICTS.fail, reasons, checks };
}

const show = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 4 : 1));

/** One check per `slo.thresholds` expression, and the abort's reason. */
function judgeThresholds(input: VerdictInput, slo: SpikeProfile["slo"], local: boolean, checks: VerdictCheck[], reasons: string[]): void {
  const abort = input.aborted;
  let abortNamed = false;
  for (const spec of slo.thresholds ?? []) {
    const t = parseThreshold(spec.expr);
    const name = t.text;
    const options = [
      spec.abortOnFail ? `abortOnFail${spec.delayAbortEvalSeconds ? ` after ${spec.delayAbortEvalSeconds} s` : ""}` : "",
      spec.warnOnly ? "warn only" : "",
    ].filter(Boolean);
    const threshold = `${t.op} ${t.value}${options.length ? ` (${options.join(", ")})` : ""}`;
    if (abort && abort.threshold === name) {
      abortNamed = true;
      checks.push({
        name,
        threshold,
        actual: abort.value,
        detail: `${show(abort.value)} at ${abort.elapsedSeconds} s: sending aborted`,
        status: "fail",
      });
      // the headline: why the run stopped comes first
      reasons.unshift(abortReason(abort));
      continue;
    }
    const value = input.metrics ? expressionValue(t, input.metrics) : { why: "metrics not given" };
    if (typeof value !== "number") {
      checks.push({ name, threshold, detail: value.why, status: "skipped" });
      continue;
    }
    const pass = holds(t, value);
    if (local && isLatencyMetric(t.metric)) {
      checks.push({
        name,
        threshold: `${threshold} (this machine's latency; not judged locally)`,
        actual: value,
        detail: `${show(value)} ms, ${pass ? "within" : "over"} the bound`,
        status: "info",
      });
      continue;
    }
    checks.push({ name, threshold, actual: value, status: pass ? "pass" : spec.warnOnly ? "warn" : "fail" });
    if (!pass && !spec.warnOnly) reasons.push(`threshold "${name}" failed: ${t.rate ? `rate(${t.metric})` : t.metric} was ${show(value)}`);
  }
  if (abort && !abortNamed) reasons.unshift(abortReason(abort));
}

function abortReason(a: SpikeAbort): string {
  return `aborted${abortAgentsText(a)} at ${a.elapsedSeconds} s (${a.at}): threshold "${a.threshold}" failed while sending (value ${show(a.value)}) with abortOnFail; the arrivals after it were never offered${a.agents ? " by the aborting agent(s)" : ""}, what was sent is still reconciled`;
}
