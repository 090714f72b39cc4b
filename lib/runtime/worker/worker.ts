/**
 * `createWorker`: the SQS batch handler of a pipeline's worker function.
 *
 * Per record: signature (webhook pipelines) -> parse -> idempotency -> handler (or the
 * synthetic path) -> outcome. Failures go back on the queue with a visibility change
 * (Retry-After / full-jitter backoff, never a sleep), or to the DLQ with the
 * `x-dead-letter` context. Returns `{ batchItemFailures }` (ReportBatchItemFailures).
 *
 * The parts: setup.ts (cold start), intake.ts (decode, verify, parse), record.ts (one
 * record), outcome.ts / dead-lettering.ts / redelivery.ts (what a failure leads to),
 * synthetic-faults.ts / synthetic-receipts.ts (the synthetic path), batch.ts (the batch).
 */
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { withInvocationDeadline } from "../invocation";
import { batchResponse, processBatch } from "./batch";
import type { Invocation, WorkerDeps } from "./deps";
import { BOOKKEEPING_RESERVE_MS, idempotentRunner } from "./persistence";
import { workerDeps } from "./setup";
import type { CreateWorkerOptions, WorkerHandlers } from "./types";

export { SyntheticPoisonError } from "./synthetic-faults";

/** The Lambda handler createWorker returns. */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Creates the worker's Lambda handler. The contract is parsed here, once, at cold start:
 * a bad environment throws a ContractError naming every bad variable.
 */
export function createWorker(handlers: WorkerHandlers, options: CreateWorkerOptions = {}): SqsBatchHandler {
  const deps = workerDeps(handlers, options);
  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const invocation = startInvocation(deps, context);
    const records = event?.Records ?? [];
    // Downstream calls (Downstream, GenesysClient): none starts in the last timeoutMarginMs, and
    // one in flight is cut just before the invocation would end.
    const left = invocation.remaining();
    const run = () => processBatch(deps, invocation, records);
    try {
      await (Number.isFinite(left)
        ? withInvocationDeadline({ deadlineMs: Date.now() + left, startMarginMs: deps.timeoutMarginMs }, run)
        : run());
    } finally {
      deps.metrics.publishStoredMetrics();
    }
    return batchResponse(records, invocation.failures);
  };
}

/** The state one invocation's records share, and the idempotency store's budget set for it. */
function startInvocation(deps: WorkerDeps, context: Context | undefined): Invocation {
  const remaining = () =>
    typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY;
  // Bookkeeping of work already done may use all but the last moments of the invocation
  // (not timeoutMarginMs, which keeps new records from starting): giving up earlier would
  // repeat the work on redelivery.
  const completionBudgetMs = () => remaining() - BOOKKEEPING_RESERVE_MS;
  deps.persistenceStore.completionBudgetMs = completionBudgetMs;
  return {
    requestId: context?.awsRequestId ?? "",
    invokedMs: Date.now(),
    remaining,
    completionBudgetMs,
    idempotent: idempotentRunner(deps.persistenceStore, deps.contract.idempotencyTtlSeconds, context),
    failures: new Set<string>(),
    delays: new Map<string, number>(),
    syntheticFaultErrors: new WeakSet<Error>(),
  };
}
