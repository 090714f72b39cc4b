/** The spike generator's Lambda budget: constants and the check the construct runs at synth (no AWS SDK). */
import { profileDurationSeconds, type SpikeProfile } from "./profile";

import { LAMBDA_MAX_TIMEOUT_SECONDS } from "../aws-limits";
import { LOADGEN_CONTRACT } from "../contract";

/** Lambda's hard limit, seconds (lib/runtime/aws-limits.ts). */
export const LAMBDA_MAX_SECONDS = LAMBDA_MAX_TIMEOUT_SECONDS;
/** Default messages per second one agent offers before the controller fans out. */
export const DEFAULT_AGENT_CAPACITY_PER_SECOND: number = LOADGEN_CONTRACT.agentCapacityPerSecond.default;
/** Lead time of the start barrier, so every agent is warm before the first arrival, ms. */
export const START_BARRIER_MS = 5000;
/**
 * Time kept at the end of an invocation to store the continuation and invoke the next one, ms:
 * reconciliation stops this long before the function's timeout.
 */
export const CONTINUATION_MARGIN_MS = 60_000;
/** The least time an invocation must have to reconcile before it keeps its margin and hands over, ms. */
export const MIN_RECONCILE_SLICE_MS = 60_000;
/** The shortest function timeout: the continuation margin and one reconcile slice, seconds. */
export const MIN_TIMEOUT_SECONDS = (CONTINUATION_MARGIN_MS + MIN_RECONCILE_SLICE_MS) / 1000;

/**
 * Checks that the run fits in Lambda: each agent sends for the profile's duration plus its
 * retry tail, and the controller also waits for the start barrier and the reconciliation
 * deadline, and after its agents still has time to reconcile (up to the deadline, or one
 * {@link MIN_RECONCILE_SLICE_MS} slice) before the {@link CONTINUATION_MARGIN_MS} it keeps to
 * hand over. Returns the problems (empty when it fits).
 */
export function lambdaBudgetProblems(profile: SpikeProfile, limitSeconds = LAMBDA_MAX_SECONDS): string[] {
  const traffic = profileDurationSeconds(profile);
  const r = profile.sending.retry;
  const tail =
    (r.maxAttempts - 1) * Math.max(r.maxRetryAfterSeconds, r.maxDelayMs / 1000) + r.maxAttempts * profile.sending.requestTimeoutSeconds;
  const agent = START_BARRIER_MS / 1000 + traffic + tail;
  const controller = agent + profile.reconcile.deadlineSeconds + 30;
  const problems: string[] = [];
  if (agent > limitSeconds) {
    problems.push(
      `an agent would need ${Math.ceil(agent)} s (${traffic} s of traffic + ${Math.ceil(tail)} s retry tail), over Lambda's ${limitSeconds} s: shorten the phases or lower sending.retry.maxAttempts / maxRetryAfterSeconds`,
    );
  }
  if (controller > limitSeconds) {
    problems.push(
      `the controller would need ${Math.ceil(controller)} s (agents + reconcile.deadlineSeconds ${profile.reconcile.deadlineSeconds} s), over Lambda's ${limitSeconds} s: lower reconcile.deadlineSeconds or shorten the phases`,
    );
  }
  const window = limitSeconds - CONTINUATION_MARGIN_MS / 1000 - agent;
  const needed = Math.min(MIN_RECONCILE_SLICE_MS / 1000, profile.reconcile.deadlineSeconds);
  if (agent <= limitSeconds && window < needed) {
    problems.push(
      `the controller would have ${Math.max(0, Math.floor(window))} s to reconcile after its agents (${Math.ceil(agent)} s) and before the ${CONTINUATION_MARGIN_MS / 1000} s it keeps to hand over, under the ${needed} s it needs: raise timeoutSeconds to at least ${Math.ceil(agent + CONTINUATION_MARGIN_MS / 1000 + needed)} or shorten the phases`,
    );
  }
  return problems;
}
