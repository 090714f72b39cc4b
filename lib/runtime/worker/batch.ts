/**
 * A batch: records processed with bounded concurrency (FIFO: in order within each message
 * group, the rest of a group held back behind a failure), none started within the timeout
 * margin, and the partial batch response (ReportBatchItemFailures) in the batch's order.
 */
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import type { Invocation, WorkerDeps } from "./deps";
import { WORKER_METRICS } from "./metrics";
import { processRecord } from "./record";
import { holdBack } from "./redelivery";

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}

/** The records by message group, each group in the batch's order. */
export function groupByMessageGroup(records: readonly SQSRecord[]): SQSRecord[][] {
  const groups = new Map<string, SQSRecord[]>();
  for (const r of records) {
    const g = r.attributes.MessageGroupId ?? "";
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  return [...groups.values()];
}

/** True when the batch is from a FIFO queue: the contract says so, or a record carries a message group. */
export function isFifoBatch(deps: Pick<WorkerDeps, "contract">, records: readonly SQSRecord[]): boolean {
  return deps.contract.fifo || records.some((r) => r.attributes?.MessageGroupId);
}

/** The partial batch response: the failed records, in the batch's order (FIFO: Lambda stops at the first failure it finds). */
export function batchResponse(records: readonly SQSRecord[], failures: ReadonlySet<string>): SQSBatchResponse {
  return { batchItemFailures: records.filter((r) => failures.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}

/**
 * Processes one record unless the invocation is within its timeout margin (then it is
 * reported failed untouched, and comes back after the visibility timeout). An unexpected
 * error fails the record, never the batch. True when the record may be deleted.
 */
async function guarded(deps: WorkerDeps, invocation: Invocation, record: SQSRecord): Promise<boolean> {
  if (invocation.remaining() < deps.timeoutMarginMs) {
    invocation.failures.add(record.messageId); // not started: it comes back after the visibility timeout
    deps.count(WORKER_METRICS.batchItemFailures);
    return false;
  }
  let ok: boolean;
  try {
    ok = await processRecord(deps, invocation, record);
  } catch (error) {
    deps.logger.error("unexpected error while processing a record", { messageId: record.messageId, error: error as Error });
    ok = false;
  }
  if (!ok) invocation.failures.add(record.messageId);
  return ok;
}

/** Processes a FIFO group in order; after a failure the rest of the group comes back with it, behind it, in order. */
async function processGroup(deps: WorkerDeps, invocation: Invocation, group: readonly SQSRecord[]): Promise<void> {
  for (let i = 0; i < group.length; i++) {
    if (!(await guarded(deps, invocation, group[i]))) {
      await holdBack(deps, invocation, group.slice(i + 1), invocation.delays.get(group[i].messageId) ?? 0);
      return;
    }
  }
}

/** Processes the batch's records (FIFO: group by group, in order), recording failures in `invocation.failures`. */
export async function processBatch(deps: WorkerDeps, invocation: Invocation, records: readonly SQSRecord[]): Promise<void> {
  if (isFifoBatch(deps, records)) {
    await pool(groupByMessageGroup(records), deps.concurrency, (group) => processGroup(deps, invocation, group));
  } else {
    await pool(records, deps.concurrency, (record) => guarded(deps, invocation, record));
  }
}
