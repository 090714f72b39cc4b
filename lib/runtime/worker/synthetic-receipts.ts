/**
 * The synthetic receipts the worker writes for the load generator (the receipts table): the
 * outcome of a synthetic message (processed or dead-lettered), and a "retrying" mark when one
 * is put back, so the generator reports it in flight rather than lost.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { receiptUpdate, retryingMarkUpdate } from "../tables";
import type { Invocation, SyntheticDelivery, WorkerDeps } from "./deps";
import { retryWithinBudget } from "./persistence";

/** What the receipt writes read of the worker. */
export type ReceiptDeps = Pick<WorkerDeps, "contract" | "documents">;

/** A synthetic outcome to record. */
export interface ReceiptOutcome {
  readonly outcome: "processed" | "dead-lettered";
  /** True when the synthetic effect ran in this delivery. */
  readonly effect: boolean;
  /** The dead-letter reason. */
  readonly reason?: string;
}

/**
 * Writes the receipt of a synthetic delivery. Retried within the
 * invocation's bookkeeping budget: a dead-lettered synthetic message is deleted right after,
 * and without its receipt the generator would count it lost. True when written (or when there
 * is no receipts table to write to), false when the write failed.
 */
export async function writeReceipt(
  deps: ReceiptDeps,
  invocation: Pick<Invocation, "completionBudgetMs">,
  delivery: SyntheticDelivery,
  { outcome, effect, reason }: ReceiptOutcome,
): Promise<boolean> {
  const { record, marker, attempt, log } = delivery;
  const table = deps.contract.receiptsTable;
  if (!table) {
    log.warn("synthetic message without GCX_RECEIPTS_TABLE: no receipt written");
    return true;
  }
  const now = Date.now();
  // One input for every try: its writeId makes a retry of a write that committed (reply
  // lost to a timeout or a cut connection) a conditional no-op, not a second delivery.
  const update = receiptUpdate(table, {
    runId: marker.runId,
    seq: marker.seq,
    outcome,
    attempts: attempt,
    firstReceiveMs: Number(record.attributes.ApproximateFirstReceiveTimestamp) || now,
    doneMs: now,
    effect,
    reason,
    ttl: Math.floor(now / 1000) + deps.contract.receiptTtlSeconds,
  });
  try {
    await retryWithinBudget(async () => {
      try {
        await deps.documents.send(new UpdateCommand(update));
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
        log.debug("receipt write already applied by an earlier try");
      }
    }, invocation.completionBudgetMs);
    return true;
  } catch (error) {
    log.error("writing the synthetic receipt failed", { error: error as Error });
    return false;
  }
}

/**
 * Marks a synthetic message put back for a retry on its receipt item (attempt n of
 * maxReceiveCount, when the next one is due), so the load generator reports it "in flight"
 * rather than lost at its deadline. Best effort: one write, never fails the record.
 */
export async function markRetrying(
  deps: ReceiptDeps,
  invocation: Pick<Invocation, "delays">,
  delivery: SyntheticDelivery,
  faultInjected: boolean,
): Promise<void> {
  const { record, marker, attempt, log } = delivery;
  if (!deps.contract.receiptsTable) return;
  const now = Date.now();
  try {
    await deps.documents.send(
      new UpdateCommand(
        retryingMarkUpdate(deps.contract.receiptsTable, {
          runId: marker.runId,
          seq: marker.seq,
          attempt,
          maxAttempts: deps.contract.maxReceiveCount,
          firstReceiveMs: Number(record.attributes.ApproximateFirstReceiveTimestamp) || now,
          nextAttemptAtMs: now + (invocation.delays.get(record.messageId) ?? 0) * 1000,
          faultInjected,
          ttl: Math.floor(now / 1000) + deps.contract.receiptTtlSeconds,
        }),
      ),
    );
  } catch (error) {
    // ConditionalCheckFailed: an outcome or a later attempt is already recorded
    if ((error as Error).name !== "ConditionalCheckFailedException")
      log.debug("marking a synthetic message retrying failed", { error: error as Error });
  }
}
