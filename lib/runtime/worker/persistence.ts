/**
 * The idempotency bookkeeping of the worker: Powertools' DynamoDB persistence with completion
 * writes retried within the invocation's time, the per-invocation idempotent runner, and the
 * retry helper the synthetic receipt writes share with it.
 */
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { Context } from "aws-lambda";

/** Time kept at the invocation's end for answering the batch, after the bookkeeping, milliseconds. */
export const BOOKKEEPING_RESERVE_MS = 500;

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries a bookkeeping write (a completion record, a receipt) with full-jitter backoff while
 * a try can still finish within `budgetMs()`: a new try starts only when a second (for the
 * write) is left after its wait. These writes follow work already done, so giving up early
 * would repeat or hide that work.
 */
export async function retryWithinBudget<T>(write: () => Promise<T>, budgetMs: () => number): Promise<T> {
  let delayMs = 100;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      const waitMs = Math.random() * delayMs;
      if (budgetMs() < waitMs + 1000) throw error;
      await sleep(waitMs);
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }
}

/**
 * Powertools' DynamoDB persistence, with one change: when recording a completed message fails
 * (the idempotency table briefly unreachable), the write is retried with backoff for as long
 * as the invocation has time, instead of failing at once. The side effect has already
 * happened; a failed completion would leave the record in progress, and the redelivery after
 * it expires would run the handler again. Bounded by the invocation's remaining time, so it
 * never turns into a timeout; what cannot be recorded in time fails as before (at-least-once).
 */
export class CompletionRetryingPersistenceLayer extends DynamoDBPersistenceLayer {
  /** Milliseconds this invocation may still spend; set per invocation. */
  completionBudgetMs: () => number = () => 0;

  protected override async _updateRecord(record: Parameters<DynamoDBPersistenceLayer["_updateRecord"]>[0]): Promise<void> {
    return retryWithinBudget(() => super._updateRecord(record), this.completionBudgetMs);
  }
}

/** What the handler's work reports when it ran (what the idempotency record keeps). */
export interface WorkDone {
  readonly doneMs: number;
}

/** Runs `work` at most once to completion per key; a completed key returns the stored result without running it. */
export type IdempotentRun = (key: { key: string }, work: () => Promise<WorkDone>) => Promise<WorkDone>;

/**
 * The idempotent runner of one invocation. Built per invocation because the in-progress
 * record expires with the invocation (from its Lambda context), so a crash does not block
 * the redelivery.
 */
export function idempotentRunner(
  persistenceStore: CompletionRetryingPersistenceLayer,
  expiresAfterSeconds: number,
  context: Context | undefined,
): IdempotentRun {
  return makeIdempotent(async (_key: { key: string }, work: () => Promise<WorkDone>) => work(), {
    persistenceStore,
    keyPrefix: "message",
    config: new IdempotencyConfig({
      expiresAfterSeconds,
      lambdaContext: typeof context?.getRemainingTimeInMillis === "function" ? context : undefined,
    }),
  });
}
