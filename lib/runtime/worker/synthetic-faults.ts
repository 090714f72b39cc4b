/**
 * What a synthetic message does instead of a real handler: its simulated work, then the fault
 * its marker injects on this attempt (throttle, transient, poison), then the optional
 * `handleSynthetic`.
 */
import { RetryableError, ThrottledError } from "../errors";
import type { NormalizedMessage } from "../normalized-message";
import { faultFor, type SyntheticMarker } from "../synthetic";
import { sleep } from "./persistence";
import type { WorkerContext, WorkerHandlers } from "./types";

/** A synthetic poison fault: fails every attempt, so the message is exhausted. */
export class SyntheticPoisonError extends Error {
  override readonly name = "SyntheticPoisonError";
}

/**
 * Runs a synthetic message: sleeps its `workMs` (on every attempt), throws the fault its
 * marker sets for `ctx.attempt` (each thrown error is added to `injected`, so a retry can be
 * told apart from one caused by anything else), then calls `handlers.handleSynthetic`.
 */
export async function runSynthetic(
  handlers: WorkerHandlers,
  message: NormalizedMessage,
  marker: SyntheticMarker,
  ctx: WorkerContext,
  injected: WeakSet<Error>,
): Promise<void> {
  if (marker.workMs) await sleep(marker.workMs); // simulated work, spent on every attempt
  const fault = faultFor(marker, ctx.attempt);
  const inject = (error: Error) => {
    injected.add(error);
    return error;
  };
  switch (fault.action) {
    case "throttle":
      throw inject(
        new ThrottledError(`synthetic throttle fault (Retry-After ${fault.retryAfterSeconds} s)`, 429, {
          retryAfterSeconds: fault.retryAfterSeconds,
        }),
      );
    case "transient":
      throw inject(new RetryableError("synthetic transient fault"));
    case "poison":
      throw inject(new SyntheticPoisonError("synthetic poison fault: fails on every attempt"));
  }
  if (handlers.handleSynthetic) await handlers.handleSynthetic(message, ctx);
}
