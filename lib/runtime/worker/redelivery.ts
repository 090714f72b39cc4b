/**
 * Putting a record back on the queue: a visibility change (never a sleep) by the downstream's
 * Retry-After or full-jitter backoff, within what SQS allows, and the same delay for the
 * FIFO records held back behind a failed one.
 */
import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { IdempotencyAlreadyInProgressError } from "@aws-lambda-powertools/idempotency";
import type { SQSRecord } from "aws-lambda";
import { LAMBDA_MAX_BATCHING_WINDOW_SECONDS } from "../aws-limits";
import { redeliveryDelaySeconds, SQS_MAX_VISIBILITY_SECONDS } from "../backoff";
import { CircuitOpenError, RetryableError, ThrottledError } from "../errors";
import { GenesysNotConfiguredError } from "../genesys/client";
import { errorInfo, type Delivery, type Invocation, type WorkerDeps } from "./deps";
import { WORKER_METRICS } from "./metrics";

/**
 * How long before the invocation SQS may have handed out its records, seconds: the event
 * source mapping's longest batching window plus a minute of polling and queueing.
 */
const RECEIVE_BEFORE_INVOCATION_SECONDS = LAMBDA_MAX_BATCHING_WINDOW_SECONDS + 60;

/** What redelivery reads of the worker. */
export type RedeliveryDeps = Pick<WorkerDeps, "contract" | "sqs" | "logger" | "count" | "random">;

/**
 * The delay of a failed delivery, seconds: the error's Retry-After or full-jitter backoff,
 * capped by `GCX_BACKOFF_MAX_SECONDS` and by what is left of the message's 12 h visibility
 * limit, which SQS counts from the receive, not from this call (the receive was at most a
 * batching window before the invocation); beyond it SQS refuses the change and the queue's
 * much shorter timeout applies instead.
 */
export function redeliveryDelay(deps: Pick<WorkerDeps, "contract" | "random">, invokedMs: number, attempt: number, error: unknown): number {
  const leftSeconds = SQS_MAX_VISIBILITY_SECONDS - RECEIVE_BEFORE_INVOCATION_SECONDS - Math.ceil((Date.now() - invokedMs) / 1000);
  return redeliveryDelaySeconds({
    attempt,
    baseSeconds: deps.contract.backoffBaseSeconds,
    maxSeconds: Math.min(deps.contract.backoffMaxSeconds, leftSeconds),
    retryAfterSeconds: error instanceof RetryableError ? error.retryAfterSeconds : undefined,
    random: deps.random,
  });
}

/** The log level of a put-back: expected retries (downstream trouble, a concurrent duplicate) are debug, the rest warn. */
function retryLogLevel(error: unknown): "debug" | "warn" {
  return (error instanceof RetryableError && !(error instanceof GenesysNotConfiguredError)) ||
    error instanceof IdempotencyAlreadyInProgressError
    ? "debug"
    : "warn";
}

/**
 * Puts a failed delivery back on the queue with its delay (recorded in `invocation.delays`)
 * and counts why. Always false: the record is reported failed. A failed visibility change
 * is logged; the message still comes back, after the queue's own visibility timeout.
 */
export async function retryLater(
  deps: RedeliveryDeps,
  invocation: Pick<Invocation, "invokedMs" | "delays">,
  { record, attempt, log }: Delivery,
  error: unknown,
): Promise<boolean> {
  const delay = redeliveryDelay(deps, invocation.invokedMs, attempt, error);
  invocation.delays.set(record.messageId, delay);
  deps.count(WORKER_METRICS.retried);
  if (error instanceof ThrottledError) deps.count(WORKER_METRICS.throttled);
  if (error instanceof CircuitOpenError) deps.count(WORKER_METRICS.circuitOpen);
  log[retryLogLevel(error)]("message put back on the queue", { attempt, delaySeconds: delay, error: errorInfo(error) });
  try {
    await changeVisibility(deps, record, delay);
  } catch (visibilityError) {
    // It still comes back, after the queue's own visibility timeout.
    log.warn("changing the visibility failed; the queue's visibility timeout applies", { error: visibilityError as Error });
  }
  return false;
}

/**
 * Holds back FIFO records behind a failed one of their group: each is reported failed,
 * untouched, and comes back after `delaySeconds` (the failed one's delay), so the group keeps
 * its order. A failed visibility change is logged.
 */
export async function holdBack(
  deps: RedeliveryDeps,
  invocation: Pick<Invocation, "failures">,
  rest: readonly SQSRecord[],
  delaySeconds: number,
): Promise<void> {
  await Promise.all(
    rest.map(async (record) => {
      invocation.failures.add(record.messageId);
      await changeVisibility(deps, record, delaySeconds).catch((error: Error) =>
        deps.logger.warn("changing the visibility of a held-back FIFO message failed", { messageId: record.messageId, error }),
      );
    }),
  );
}

/** Makes the record visible again after `seconds`. */
function changeVisibility(deps: Pick<WorkerDeps, "contract" | "sqs">, record: SQSRecord, seconds: number): Promise<unknown> {
  return deps.sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: deps.contract.queueUrl,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}
