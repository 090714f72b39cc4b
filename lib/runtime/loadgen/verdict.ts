/**
 * The verdict: the profile's SLO thresholds applied to a run's measurements, PASS only
 * when every evaluated check passes. Delivery checks are skipped (and say so) when the
 * run was not reconciled against receipts; the redrive-policy check is skipped when the
 * ingress queue was not given.
 */
import type { SpikeProfile } from "./profile";
import type { RedriveInspection } from "./reconcile";

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
  /** "pass", "fail", or "skipped" (could not be evaluated: delivery not reconciled, or the ingress queue not given). */
  readonly status: "pass" | "fail" | "skipped";
}

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
  readonly ackP99Ms: number;
  readonly delivery?: {
    readonly lost: number;
    readonly deadLetteredUnexpected: number;
    readonly duplicateSideEffects: number;
    /** Messages the worker completed more than once (receipt `deliveries > 1`). */
    readonly duplicateDeliveries: number;
    readonly endToEndP99Ms: number;
    readonly faultViolations: number;
  };
  /** The ingress queue's redrive policy as read from SQS; undefined when the queue was not given (check skipped). */
  readonly redrive?: RedriveInspection;
}

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

/** Applies the profile's thresholds. */
export function judge(input: VerdictInput, slo: SpikeProfile["slo"]): VerdictResult {
  const checks: VerdictCheck[] = [];
  const reasons: string[] = [];
  const check = (name: string, actual: number | undefined, ok: (v: number) => boolean, threshold: string, reason: (v: number) => string) => {
    if (actual === undefined) {
      checks.push({ name, threshold, status: "skipped" });
      return;
    }
    const pass = ok(actual);
    checks.push({ name, threshold, actual, status: pass ? "pass" : "fail" });
    if (!pass) reasons.push(reason(actual));
  };
  const ratio = input.offered === 0 ? 0 : input.accepted / input.offered;
  check("acceptedRatio", ratio, (v) => v >= slo.minAcceptedRatio, `>= ${slo.minAcceptedRatio}`, (v) => `accepted ratio ${v.toFixed(4)} is below ${slo.minAcceptedRatio} (${input.accepted} of ${input.offered} offered)`);
  check("ackP99Ms", input.accepted > 0 ? input.ackP99Ms : undefined, (v) => v <= slo.ackP99Ms, `<= ${slo.ackP99Ms} ms`, (v) => `ingress ack p99 ${v.toFixed(1)} ms exceeds ${slo.ackP99Ms} ms`);
  const d = input.delivery;
  check("lost", d?.lost, (v) => v <= slo.maxLost, `<= ${slo.maxLost}`, (v) => `${v} accepted message(s) lost (neither processed nor dead-lettered by the deadline)`);
  check("unexpectedDeadLetters", d?.deadLetteredUnexpected, (v) => v <= slo.maxUnexpectedDeadLetters, `<= ${slo.maxUnexpectedDeadLetters}`, (v) => `${v} unexpected dead letter(s)`);
  check("duplicateSideEffects", d?.duplicateSideEffects, (v) => v <= slo.maxDuplicateSideEffects, `<= ${slo.maxDuplicateSideEffects}`, (v) => `${v} duplicate side effect(s)`);
  const duplicateRatio = d && (input.accepted === 0 ? 0 : d.duplicateDeliveries / input.accepted);
  check(
    "duplicateDeliveryRatio",
    duplicateRatio,
    (v) => v <= slo.maxDuplicateDeliveryRatio,
    `<= ${slo.maxDuplicateDeliveryRatio}`,
    (v) =>
      `${d!.duplicateDeliveries} duplicate deliveries (${Number((v * 100).toFixed(2))}% of accepted): messages are delivered again while or after being processed; check the visibility timeout against the worker's processing time`,
  );
  check("endToEndP99Ms", d?.endToEndP99Ms, (v) => v <= slo.endToEndP99Ms, `<= ${slo.endToEndP99Ms} ms`, (v) => `end-to-end p99 ${v.toFixed(0)} ms exceeds ${slo.endToEndP99Ms} ms`);
  check("faultViolations", d?.faultViolations, (v) => v === 0, "== 0", (v) => `${v} fault-marked message(s) did not behave as marked (see faultChecks)`);

  const r = input.redrive;
  if (!r) checks.push({ name: "redrivePolicy", threshold: redriveThreshold(r), status: "skipped" });
  else {
    const problems = redriveProblems(r);
    const detail = r.error
      ? "unreadable"
      : r.policy
        ? `to ${queueName(r.policy.deadLetterTargetArn)}, maxReceiveCount ${r.policy.maxReceiveCount}`
        : "no redrive policy";
    checks.push({ name: "redrivePolicy", threshold: redriveThreshold(r), ...(r.policy ? { actual: r.policy.maxReceiveCount } : {}), detail, status: problems.length ? "fail" : "pass" });
    if (problems.length) reasons.push(problems.join("; "));
  }
  return { verdict: reasons.length === 0 ? VERDICTS.pass : VERDICTS.fail, reasons, checks };
}
