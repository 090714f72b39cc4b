/**
 * The verdict: the profile's SLO thresholds applied to a run's measurements, PASS only
 * when every evaluated check passes. Delivery checks are skipped (and say so) when the
 * run was not reconciled against receipts.
 */
import type { SpikeProfile } from "./profile";

export const VERDICTS = { pass: "PASS", fail: "FAIL" } as const;
export type Verdict = (typeof VERDICTS)[keyof typeof VERDICTS];

/** One SLO check. */
export interface VerdictCheck {
  /** Stable name, e.g. "lost". */
  readonly name: string;
  /** Human description of the threshold, e.g. "<= 0". */
  readonly threshold: string;
  /** The measured value (undefined when not evaluated). */
  readonly actual?: number;
  /** "pass", "fail", or "skipped" (delivery not reconciled). */
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
    readonly endToEndP99Ms: number;
    readonly faultViolations: number;
  };
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
  check("endToEndP99Ms", d?.endToEndP99Ms, (v) => v <= slo.endToEndP99Ms, `<= ${slo.endToEndP99Ms} ms`, (v) => `end-to-end p99 ${v.toFixed(0)} ms exceeds ${slo.endToEndP99Ms} ms`);
  check("faultViolations", d?.faultViolations, (v) => v === 0, "== 0", (v) => `${v} fault-marked message(s) did not behave as marked (see faultChecks)`);
  return { verdict: reasons.length === 0 ? VERDICTS.pass : VERDICTS.fail, reasons, checks };
}
