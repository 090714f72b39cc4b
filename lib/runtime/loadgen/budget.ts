/** The spike generator's Lambda budget: constants and the check the construct runs at synth (no AWS SDK). */
import { profileDurationSeconds, type SpikeProfile } from "./profile";

/** Lambda's hard limit, seconds. */
export const LAMBDA_MAX_SECONDS = 900;
/** Default messages per second one agent offers before the controller fans out. */
export const DEFAULT_AGENT_CAPACITY_PER_SECOND = 200;
/** Lead time of the start barrier, so every agent is warm before the first arrival, ms. */
export const START_BARRIER_MS = 5000;

/**
 * Checks that the run fits in Lambda: each agent sends for the profile's duration plus its
 * retry tail, and the controller also waits for the start barrier and the reconciliation
 * deadline. Returns the problems (empty when it fits).
 */
export function lambdaBudgetProblems(profile: SpikeProfile, limitSeconds = LAMBDA_MAX_SECONDS): string[] {
  const traffic = profileDurationSeconds(profile);
  const r = profile.sending.retry;
  const tail = (r.maxAttempts - 1) * Math.max(r.maxRetryAfterSeconds, r.maxDelayMs / 1000) + r.maxAttempts * profile.sending.requestTimeoutSeconds;
  const agent = START_BARRIER_MS / 1000 + traffic + tail;
  const controller = agent + profile.reconcile.deadlineSeconds + 30;
  const problems: string[] = [];
  if (agent > limitSeconds) {
    problems.push(`an agent would need ${Math.ceil(agent)} s (${traffic} s of traffic + ${Math.ceil(tail)} s retry tail), over Lambda's ${limitSeconds} s: shorten the phases or lower sending.retry.maxAttempts / maxRetryAfterSeconds`);
  }
  if (controller > limitSeconds) {
    problems.push(`the controller would need ${Math.ceil(controller)} s (agents + reconcile.deadlineSeconds ${profile.reconcile.deadlineSeconds} s), over Lambda's ${limitSeconds} s: lower reconcile.deadlineSeconds or shorten the phases`);
  }
  return problems;
}
