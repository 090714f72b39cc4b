/**
 * The outcome of a failed delivery: a permanent error, or a failure on the last attempt the
 * redrive policy allows, is dead-lettered by the worker itself; anything else goes back on the
 * queue with a delay (a synthetic message then marked retrying).
 */
import { PermanentError } from "../errors";
import { deadLetter } from "./dead-lettering";
import { errorInfo, isSynthetic, type Delivery, type Invocation, type WorkerDeps } from "./deps";
import { retryLater } from "./redelivery";
import { markRetrying } from "./synthetic-receipts";

/**
 * PermanentError: dead-letter; the last allowed attempt: dead-letter (exhausted); otherwise
 * retry later. True when the record may be deleted from the batch (dead-lettered).
 */
export function fail(deps: WorkerDeps, invocation: Invocation, delivery: Delivery, error: unknown): Promise<boolean> {
  if (error instanceof PermanentError) return deadLetter(deps, invocation, delivery, { reason: "permanent", error: errorInfo(error) });
  if (delivery.attempt >= deps.contract.maxReceiveCount)
    return deadLetter(deps, invocation, delivery, { reason: "exhausted", error: errorInfo(error) });
  return retryLater(deps, invocation, delivery, error).then(async (done) => {
    // a synthetic message put back is marked retrying, so the load generator reports it in flight, not lost
    if (isSynthetic(delivery))
      await markRetrying(deps, invocation, delivery, error instanceof Error && invocation.syntheticFaultErrors.has(error));
    return done;
  });
}
