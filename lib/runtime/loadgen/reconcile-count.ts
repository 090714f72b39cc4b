/**
 * The counting half of reconciliation: once the receipts and queues have been read, turn what
 * was seen into a {@link DeliveryResult} (processed, duplicates, dead letters expected and
 * not, lost, in flight, fault checks, end-to-end latency). Pure: no AWS calls.
 */
import type { Receipt } from "../tables";
import { newHistogram, recordMs, encodeHistogram, type Histogram } from "./histogram";
import { faultForSeq } from "./message";
import type { SpikeProfile } from "./profile";
import { scenarioPlanOf } from "./scenarios";
import type { DeliveryResult, FaultViolation, InFlightMessage } from "./reconcile";

/** Clock and timer slack allowed per attempt when checking a throttle marker's wait, milliseconds. */
const TIMER_TOLERANCE_MS = 10;

/** What the receipts table and the queues said about a run's messages. */
export interface Sightings {
  /** Receipts by sequence number; one without an outcome is the worker's retrying mark (still in flight). */
  readonly receipts: Map<number, Receipt>;
  /** This run's messages seen in the operational DLQ. */
  readonly dlqSeqs: Set<number>;
  /**
   * This run's synthetic dead letters: a receipt may be missing (its write failed before the
   * dead letter was deleted), but a message in the quarantine queue is dead-lettered, not lost.
   */
  readonly quarantineSeqs: Set<number>;
}

/** A receipt with an outcome: the message is done. */
export function resolved(seen: Sightings, seq: number): boolean {
  return seen.receipts.get(seq)?.outcome !== undefined;
}

/** Done, in the DLQ or in the quarantine queue: nothing more to wait for. */
export function accountedFor(seen: Sightings, seq: number): boolean {
  return resolved(seen, seq) || seen.dlqSeqs.has(seq) || seen.quarantineSeqs.has(seq);
}

/** The run a count is for. */
export interface CountInput {
  readonly runId: string;
  readonly startMs: number;
  readonly profile: SpikeProfile;
  readonly plan: Float64Array;
  readonly notAccepted: Set<number>;
  readonly acceptedSeqs: readonly number[];
  /** Messages drained from the quarantine queue at the end. */
  readonly quarantineDrained: number;
  /** Epoch ms the waiting began. */
  readonly began: number;
}

/** Running tallies while the receipts are read. */
interface Tally {
  readonly e2e: Histogram;
  readonly deliveredTimeline: number[];
  processed: number;
  duplicateDeliveries: number;
  duplicateSideEffects: number;
  deadLetteredExpected: number;
  deadLetteredUnexpected: number;
  deliveredUnacknowledged: number;
  readonly samples: FaultViolation[];
  checked: number;
  violations: number;
}

function violate(t: Tally, v: FaultViolation): void {
  t.violations++;
  if (t.samples.length < 20) t.samples.push(v);
}

/** Counts the receipts with an outcome: processed (with its end-to-end time), duplicates, dead letters, fault checks. */
function tallyReceipts(input: CountInput, seen: Sightings, t: Tally): void {
  const { runId, startMs, plan, profile } = input;
  for (const [seq, r] of seen.receipts) {
    if (seq < 0 || seq >= plan.length || r.outcome === undefined) continue;
    if (input.notAccepted.has(seq)) t.deliveredUnacknowledged++;
    if (Number(r.deliveries ?? 0) > 1) t.duplicateDeliveries++;
    if (Number(r.effects ?? 0) > 1) t.duplicateSideEffects++;
    const fault = faultForSeq(runId, seq, profile.faults);
    if (r.outcome === "processed") {
      t.processed++;
      recordMs(t.e2e, Number(r.doneMs) - (startMs + plan[seq]));
      const second = Math.max(0, Math.floor((Number(r.doneMs) - startMs) / 1000));
      while (t.deliveredTimeline.length <= second) t.deliveredTimeline.push(0);
      t.deliveredTimeline[second]++;
    } else if (seen.dlqSeqs.has(seq)) {
      // counted below, with every message of this run in the operational DLQ
    } else if (fault?.kind === "poison") t.deadLetteredExpected++;
    else t.deadLetteredUnexpected++;
    if (fault) checkFault(profile, seq, r, fault, t);
  }
}

/** Checks that a fault-marked message was handled as its fault asks (poison never processed, retries honoured). */
function checkFault(profile: SpikeProfile, seq: number, r: Receipt, fault: NonNullable<ReturnType<typeof faultForSeq>>, t: Tally): void {
  t.checked++;
  if (fault.kind === "poison" && r.outcome === "processed") violate(t, { seq, kind: "poison", problem: "a poison message was processed" });
  if (fault.kind === "poison" || r.outcome !== "processed") return;
  const expectedAttempts = (fault.attempts ?? 1) + 1;
  if (Number(r.attempts) < expectedAttempts) {
    violate(t, { seq, kind: fault.kind, problem: `processed after ${r.attempts} attempt(s), expected at least ${expectedAttempts}` });
  }
  // A receive spent on another failure (an idempotency-store outage, say) before the fault
  // applied shifts the marker's receive count: its Retry-After was then never asked for.
  if (fault.kind === "throttle" && !(Number(r.otherFailures ?? 0) > 0)) {
    const waited = Number(r.doneMs) - Number(r.firstReceiveMs);
    // Every attempt spends workMs before its fault applies, so an honoured Retry-After
    // means at least: throttled attempts x (work + Retry-After) + the last attempt's work.
    // Without the work terms, a large workMs would hide an immediate retry.
    const throttled = fault.attempts ?? 1;
    const retryAfterMs = (fault.retryAfterSeconds ?? 1) * 1000;
    const minimum = throttled * (profile.workMs + retryAfterMs) + profile.workMs - TIMER_TOLERANCE_MS * (throttled + 1);
    if (waited < minimum) {
      violate(t, {
        seq,
        kind: "throttle",
        problem: `processed ${waited} ms after its first receive, sooner than ${throttled} x (work ${profile.workMs} ms + Retry-After ${retryAfterMs} ms) + work allows`,
      });
    }
  }
}

/** Counts the queues: every message of this run in the DLQ is unexpected; a poison one quarantined without a receipt is expected. */
function tallyQueues(input: CountInput, seen: Sightings, t: Tally): void {
  const { plan } = input;
  // Any message of this run in the operational DLQ is unexpected (synthetic dead letters go to
  // the quarantine queue), receipt or not: a processed message's copy moved there by SQS's
  // redrive, or a dead letter sent to the wrong queue, would page on-call.
  for (const seq of seen.dlqSeqs) {
    if (seq >= 0 && seq < plan.length) t.deadLetteredUnexpected++;
  }
  for (const seq of seen.quarantineSeqs) {
    if (resolved(seen, seq) || seen.dlqSeqs.has(seq) || seq < 0 || seq >= plan.length) continue;
    const fault = faultForSeq(input.runId, seq, input.profile.faults);
    if (fault?.kind === "poison") {
      t.deadLetteredExpected++;
      t.checked++; // a poison message dead-lettered, not processed: its check holds
    } else t.deadLetteredUnexpected++;
  }
}

/** The retrying messages (a receipt without an outcome): their attempt and when the next is due. */
function inFlightMessages(seen: Sightings, unresolved: readonly number[]): InFlightMessage[] {
  return unresolved
    .filter((seq) => seen.receipts.has(seq))
    .map((seq) => {
      const r = seen.receipts.get(seq)!;
      return {
        seq,
        attempt: Number(r.retryAttempt ?? 0),
        ...(r.retryOf !== undefined ? { maxAttempts: Number(r.retryOf) } : {}),
        ...(r.nextAttemptAtMs !== undefined ? { nextAttemptAtMs: Number(r.nextAttemptAtMs) } : {}),
      };
    });
}

/** A multi-scenario run: processed and lost messages by scenario (undefined otherwise). */
function scenarioTally(input: CountInput, seen: Sightings, lostSeqs: readonly number[]): DeliveryResult["byScenario"] {
  const { profile, plan } = input;
  const scenarioPlan = scenarioPlanOf(profile);
  if (!scenarioPlan || !profile.scenarios) return undefined;
  const tally = { processed: profile.scenarios.map(() => 0), lost: profile.scenarios.map(() => 0) };
  for (const [seq, r] of seen.receipts)
    if (r.outcome === "processed" && seq >= 0 && seq < plan.length) tally.processed[scenarioPlan.scenarioOf[seq]]++;
  for (const seq of lostSeqs) tally.lost[scenarioPlan.scenarioOf[seq]]++;
  return tally;
}

/** Counts what the receipts and queues said into the run's delivery result. */
export function countDelivery(input: CountInput, seen: Sightings): DeliveryResult {
  const t: Tally = {
    e2e: newHistogram(),
    deliveredTimeline: [],
    processed: 0,
    duplicateDeliveries: 0,
    duplicateSideEffects: 0,
    deadLetteredExpected: 0,
    deadLetteredUnexpected: 0,
    deliveredUnacknowledged: 0,
    samples: [],
    checked: 0,
    violations: 0,
  };
  tallyReceipts(input, seen, t);
  tallyQueues(input, seen, t);
  const unresolved = input.acceptedSeqs.filter((seq) => !accountedFor(seen, seq));
  const lostSeqs = unresolved.filter((seq) => !seen.receipts.has(seq));
  const inFlight = inFlightMessages(seen, unresolved);
  const byScenario = scenarioTally(input, seen, lostSeqs);
  return {
    ...(byScenario ? { byScenario } : {}),
    reconciled: true,
    accepted: input.acceptedSeqs.length,
    processed: t.processed,
    duplicateDeliveries: t.duplicateDeliveries,
    duplicateSideEffects: t.duplicateSideEffects,
    deadLetteredExpected: t.deadLetteredExpected,
    deadLetteredUnexpected: t.deadLetteredUnexpected,
    inDlq: seen.dlqSeqs.size,
    quarantineDrained: input.quarantineDrained,
    lost: lostSeqs.length,
    lostSeqs: lostSeqs.slice(0, 50),
    inFlight: inFlight.length,
    inFlightSamples: inFlight.slice(0, 50),
    deliveredUnacknowledged: t.deliveredUnacknowledged,
    faultChecks: { checked: t.checked, violations: t.violations, samples: t.samples },
    deliveredTimeline: t.deliveredTimeline,
    endToEndUs: encodeHistogram(t.e2e),
    complete: unresolved.length === 0,
    waitedSeconds: Math.round((Date.now() - input.began) / 100) / 10,
  };
}
