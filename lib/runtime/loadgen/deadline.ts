/**
 * The reconciliation deadline derived from the pipeline the generator targets.
 *
 * A message that fails every attempt (a poison fault) reaches its outcome only after the
 * worker has put it back `maxReceiveCount - 1` times, each time for a full-jitter delay
 * drawn in `[0, min(cap, base * 2^(n-1))]`, floored by a downstream's Retry-After
 * (lib/runtime/backoff.ts `redeliveryDelaySeconds`). With the defaults (10 receives, 2 s to
 * 900 s) the worst draws add up to 2 + 4 + ... + 512 = 1022 s (511 s on average): far beyond
 * a profile's fixed 180 s, so a healthy pipeline was judged `lost`. The deadline used is
 * `max(profile deadline, derived)`; the derivation is kept in the report.
 *
 * The derivation (all terms in seconds, `m` = maxReceiveCount):
 * - retry horizon: `sum over n = 1 .. m-1 of min(cap, max(floor, base * 2^(n-1)))`, the
 *   largest delay every redelivery can draw; `floor` is the profile's throttle Retry-After
 *   (rounded up, as the worker does) when the profile throttles, else 0;
 * - processing: `m x (batching window + min(function timeout, work + PER_ATTEMPT_OVERHEAD))`:
 *   each attempt may wait a batching window before its batch starts, then runs the profile's
 *   simulated work plus the worker's bookkeeping (receipt, visibility change), never longer
 *   than the function may run;
 * - margin: `RECONCILE_MARGIN_SECONDS + 2 x poll interval` (the reconciler's queue scans
 *   every 15 s and two polls).
 *
 * The queue's visibility timeout is carried and reported but not added: a healthy worker
 * sets every redelivery's delay itself (ChangeMessageVisibility); the visibility timeout
 * applies only to a delivery whose invocation crashed or timed out, which is a defect the
 * verdict must expose, not a delay to wait out.
 */
import { LAMBDA_MAX_BATCHING_WINDOW_SECONDS, LAMBDA_MAX_TIMEOUT_SECONDS, SQS_MAX_VISIBILITY_SECONDS } from "../aws-limits";
import type { SpikeProfile } from "./profile";
import { WORKER_CONTRACT } from "../contract";

/** The worker's and queue's retry settings the deadline is derived from. */
export interface PipelineRetrySettings {
  /** The redrive policy's maxReceiveCount: the worker dead-letters on that receive, receives (1..1000). */
  readonly maxReceiveCount: number;
  /** Base of the worker's full-jitter backoff, seconds. @default 2 (the worker's default) */
  readonly backoffBaseSeconds?: number;
  /** Cap of a redelivery delay, seconds. @default 900 (the worker's default) */
  readonly backoffMaxSeconds?: number;
  /** The queue's visibility timeout, seconds: reported, not added (see the module doc). @default unknown */
  readonly visibilityTimeoutSeconds?: number;
  /** The worker function's timeout, seconds: caps one attempt's processing. @default no cap */
  readonly functionTimeoutSeconds?: number;
  /** The event source mapping's batching window, seconds. @default 0 */
  readonly batchingWindowSeconds?: number;
}

/** The worker's backoff base when the pipeline names none, seconds (`GCX_BACKOFF_BASE_SECONDS`). */
export const DEFAULT_WORKER_BACKOFF_BASE_SECONDS: number = WORKER_CONTRACT.backoffBaseSeconds.default;
/** The worker's backoff cap when the pipeline names none, seconds (`GCX_BACKOFF_MAX_SECONDS`). */
export const DEFAULT_WORKER_BACKOFF_MAX_SECONDS: number = WORKER_CONTRACT.backoffMaxSeconds.default;
/** The longest redelivery delay: SQS's largest visibility timeout, which the worker's delay is set through, seconds (12 hours). */
const MAX_REDELIVERY_DELAY_SECONDS = SQS_MAX_VISIBILITY_SECONDS;
/** Time one attempt spends besides the profile's work (poll pickup, receipt write, visibility change), seconds. */
export const PER_ATTEMPT_OVERHEAD_SECONDS = 1;
/** Fixed part of the margin: the reconciler scans the DLQ and quarantine queue every 15 s, seconds. */
export const RECONCILE_MARGIN_SECONDS = 15;

/** How the reconciliation deadline was chosen; JSON-serializable, kept in the report. */
export interface DeadlineDerivation {
  /** The profile's `reconcile.deadlineSeconds`. */
  readonly profileSeconds: number;
  /** The deadline derived from the pipeline, seconds (rounded up); undefined when no pipeline settings were given. */
  readonly derivedSeconds?: number;
  /** The deadline in effect: max(profile, derived), seconds after the last send. */
  readonly deadlineSeconds: number;
  /** Which one won. */
  readonly basis: "profile" | "pipeline";
  /** The pipeline settings used, defaults filled in. */
  readonly pipeline?: Required<Omit<PipelineRetrySettings, "visibilityTimeoutSeconds" | "functionTimeoutSeconds">> &
    Pick<PipelineRetrySettings, "visibilityTimeoutSeconds" | "functionTimeoutSeconds">;
  /** The terms of the derivation, seconds. */
  readonly terms?: {
    /** The largest delay of each redelivery n = 1 .. m-1. */
    readonly retryDelaysSeconds: number[];
    readonly retryHorizonSeconds: number;
    /** Retry-After floor of every delay (the profile's throttle Retry-After), 0 without throttle faults. */
    readonly retryAfterFloorSeconds: number;
    readonly attempts: number;
    readonly perAttemptSeconds: number;
    readonly processingSeconds: number;
    readonly marginSeconds: number;
  };
  /** The derivation in one sentence, for the reports. */
  readonly explanation: string;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Whether `value` is a finite number within `[min, max]`. */
const within = (value: number | undefined, min: number, max: number) =>
  value === undefined || (Number.isFinite(value) && value >= min && value <= max);

/**
 * Problems with pipeline retry settings, one sentence each naming the field (empty when sound).
 * `path` prefixes the field names (e.g. "pipelineRetry.").
 */
export function pipelineRetryProblems(p: PipelineRetrySettings, path = ""): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(p.maxReceiveCount) || p.maxReceiveCount < 1 || p.maxReceiveCount > 1000) {
    problems.push(`${path}maxReceiveCount: ${p.maxReceiveCount} is not an integer in 1..1000; give the queue's redrive maxReceiveCount`);
  }
  if (!within(p.backoffBaseSeconds, 0, MAX_REDELIVERY_DELAY_SECONDS))
    problems.push(
      `${path}backoffBaseSeconds: ${p.backoffBaseSeconds} is outside 0..${MAX_REDELIVERY_DELAY_SECONDS}; give the worker's backoff base in seconds`,
    );
  if (!within(p.backoffMaxSeconds, 0, MAX_REDELIVERY_DELAY_SECONDS))
    problems.push(
      `${path}backoffMaxSeconds: ${p.backoffMaxSeconds} is outside 0..${MAX_REDELIVERY_DELAY_SECONDS}; give the worker's backoff cap in seconds`,
    );
  if (!within(p.visibilityTimeoutSeconds, 0, MAX_REDELIVERY_DELAY_SECONDS))
    problems.push(
      `${path}visibilityTimeoutSeconds: ${p.visibilityTimeoutSeconds} is outside 0..${MAX_REDELIVERY_DELAY_SECONDS}; give the queue's visibility timeout in seconds`,
    );
  if (!within(p.functionTimeoutSeconds, 1, LAMBDA_MAX_TIMEOUT_SECONDS))
    problems.push(
      `${path}functionTimeoutSeconds: ${p.functionTimeoutSeconds} is outside 1..${LAMBDA_MAX_TIMEOUT_SECONDS}; give the worker function's timeout in seconds`,
    );
  if (!within(p.batchingWindowSeconds, 0, LAMBDA_MAX_BATCHING_WINDOW_SECONDS))
    problems.push(
      `${path}batchingWindowSeconds: ${p.batchingWindowSeconds} is outside 0..${LAMBDA_MAX_BATCHING_WINDOW_SECONDS}; give the event source mapping's batching window in seconds`,
    );
  return problems;
}

/**
 * The reconciliation deadline for `profile` against a pipeline with `pipeline`'s retry
 * settings: `max(profile.reconcile.deadlineSeconds, derived)` (see the module doc for the
 * derivation). Without `pipeline`, the profile's deadline. Throws a RangeError naming the
 * field when a setting is out of range.
 */
export function deriveReconcileDeadline(
  profile: Pick<SpikeProfile, "reconcile" | "workMs" | "faults">,
  pipeline?: PipelineRetrySettings,
): DeadlineDerivation {
  const profileSeconds = profile.reconcile.deadlineSeconds;
  if (!pipeline) {
    return {
      profileSeconds,
      deadlineSeconds: profileSeconds,
      basis: "profile",
      explanation: `the profile's reconcile.deadlineSeconds (${profileSeconds} s); no pipeline retry settings were given to derive one from`,
    };
  }
  const problems = pipelineRetryProblems(pipeline, "pipelineRetry.");
  if (problems.length) throw new RangeError(`invalid pipeline retry settings: ${problems.join("; ")}`);
  const m = pipeline.maxReceiveCount;
  const base = pipeline.backoffBaseSeconds ?? DEFAULT_WORKER_BACKOFF_BASE_SECONDS;
  const cap = Math.min(pipeline.backoffMaxSeconds ?? DEFAULT_WORKER_BACKOFF_MAX_SECONDS, MAX_REDELIVERY_DELAY_SECONDS);
  const window = pipeline.batchingWindowSeconds ?? 0;
  const floor = profile.faults.throttle.fraction > 0 ? Math.ceil(profile.faults.throttle.retryAfterSeconds) : 0;

  const retryDelaysSeconds: number[] = [];
  for (let n = 1; n < m; n++) retryDelaysSeconds.push(Math.min(cap, Math.max(floor, base * 2 ** Math.min(n - 1, 64))));
  const retryHorizonSeconds = retryDelaysSeconds.reduce((sum, d) => sum + d, 0);
  const work = profile.workMs / 1000 + PER_ATTEMPT_OVERHEAD_SECONDS;
  const perAttemptSeconds = round3(
    window + (pipeline.functionTimeoutSeconds !== undefined ? Math.min(pipeline.functionTimeoutSeconds, work) : work),
  );
  const processingSeconds = round3(m * perAttemptSeconds);
  const marginSeconds = round3(RECONCILE_MARGIN_SECONDS + 2 * profile.reconcile.pollIntervalSeconds);
  const derivedSeconds = Math.ceil(retryHorizonSeconds + processingSeconds + marginSeconds);
  const deadlineSeconds = Math.max(profileSeconds, derivedSeconds);
  const basis = derivedSeconds > profileSeconds ? "pipeline" : "profile";
  const explanation =
    `${m - 1} redeliveries of at most min(${cap}, ${floor ? `max(${floor}, ` : ""}${base} x 2^(n-1)${floor ? ")" : ""}) s = ${retryHorizonSeconds} s` +
    ` + ${m} attempts x ${perAttemptSeconds} s (window ${window} s + work ${profile.workMs} ms + ${PER_ATTEMPT_OVERHEAD_SECONDS} s${pipeline.functionTimeoutSeconds !== undefined ? `, at most the ${pipeline.functionTimeoutSeconds} s timeout` : ""}) = ${processingSeconds} s` +
    ` + margin ${marginSeconds} s = ${derivedSeconds} s derived; the profile says ${profileSeconds} s; ${deadlineSeconds} s used`;
  return {
    profileSeconds,
    derivedSeconds,
    deadlineSeconds,
    basis,
    pipeline: {
      maxReceiveCount: m,
      backoffBaseSeconds: base,
      backoffMaxSeconds: cap,
      batchingWindowSeconds: window,
      ...(pipeline.visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds: pipeline.visibilityTimeoutSeconds } : {}),
      ...(pipeline.functionTimeoutSeconds !== undefined ? { functionTimeoutSeconds: pipeline.functionTimeoutSeconds } : {}),
    },
    terms: {
      retryDelaysSeconds,
      retryHorizonSeconds,
      retryAfterFloorSeconds: floor,
      attempts: m,
      perAttemptSeconds,
      processingSeconds,
      marginSeconds,
    },
    explanation,
  };
}
