/**
 * DynamoDB layouts shared by the constructs (which create the tables), the worker
 * (which writes them) and the load generator (which reads receipts).
 */
import { randomUUID } from "node:crypto";
import { WORKER_CONTRACT } from "./contract";

/** Idempotency records: Powertools' layout. */
export const IDEMPOTENCY_TABLE = {
  partitionKey: "id",
  ttlAttribute: "expiration",
} as const;

/** How long the worker remembers a processed message by default, seconds: the default of `GCX_IDEMPOTENCY_TTL_SECONDS` in the contract. */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS: number = WORKER_CONTRACT.idempotencyTtlSeconds.default;

/** Synthetic receipts: one item per synthetic message. */
export const RECEIPTS_TABLE = {
  partitionKey: "runId",
  /** Number. */
  sortKey: "seq",
  ttlAttribute: "ttl",
} as const;

export const RECEIPT_OUTCOMES = ["processed", "dead-lettered"] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

/** A receipt as stored. */
export interface Receipt {
  readonly runId: string;
  readonly seq: number;
  /** Deliveries that reached an outcome (ADDed 1 each): more than 1 is a duplicate delivery. */
  readonly deliveries: number;
  /** Times the synthetic work / handleSynthetic ran to completion: more than 1 is a duplicate side effect. */
  readonly effects?: number;
  /** The `writeId` of every write applied: a write retried after its reply was lost is applied once. */
  readonly writes?: ReadonlySet<string>;
  /** Absent while the message is only marked retrying ({@link retryingMarkUpdate}): not resolved yet. */
  readonly outcome?: ReceiptOutcome;
  readonly attempts: number;
  readonly firstReceiveMs: number;
  readonly doneMs: number;
  /** Dead-letter reason, when outcome is dead-lettered. */
  readonly reason?: string;
  readonly ttl: number;
  /** The last receive the worker put back for a retry ({@link retryingMarkUpdate}). */
  readonly retryAttempt?: number;
  /** The worker's maxReceiveCount when it put the message back: "attempt retryAttempt of retryOf". */
  readonly retryOf?: number;
  /** Epoch ms the next attempt is due (put-back time plus its delay). */
  readonly nextAttemptAtMs?: number;
  /**
   * Attempts put back for another reason than the message's own synthetic fault (an idempotency
   * store outage, say): its fault marker, which counts receives, was then not applied as planned.
   */
  readonly otherFailures?: number;
}

/** The worker's mark on a synthetic message it put back on the queue for a retry. */
export interface RetryingMark {
  readonly runId: string;
  readonly seq: number;
  /** The receive that failed (ApproximateReceiveCount), from 1. */
  readonly attempt: number;
  /** The worker's maxReceiveCount. */
  readonly maxAttempts: number;
  readonly firstReceiveMs: number;
  /** Epoch ms the next attempt is due. */
  readonly nextAttemptAtMs: number;
  /** Epoch seconds after which DynamoDB may delete the item. */
  readonly ttl: number;
  /** Whether this attempt failed on the message's own synthetic fault (else `otherFailures` is counted). */
  readonly faultInjected: boolean;
}

/**
 * The UpdateItem input (document-client shape) for a retrying mark: it records the attempt on
 * the receipt's item without an outcome and without counting a delivery, so the load generator
 * reports the message "in flight, attempt n of m" instead of lost when its deadline comes. It
 * applies only while the item has no outcome and a lower attempt (a late mark never hides an
 * outcome): treat ConditionalCheckFailedException as done.
 */
export function retryingMarkUpdate(tableName: string, mark: RetryingMark) {
  return {
    TableName: tableName,
    Key: { [RECEIPTS_TABLE.partitionKey]: mark.runId, [RECEIPTS_TABLE.sortKey]: mark.seq },
    UpdateExpression:
      "SET #retryAttempt = :attempt, #retryOf = :of, #next = :next, #first = if_not_exists(#first, :first), #ttl = if_not_exists(#ttl, :ttl), #other = if_not_exists(#other, :zero) + :other",
    ConditionExpression: "attribute_not_exists(#outcome) AND (attribute_not_exists(#retryAttempt) OR #retryAttempt < :attempt)",
    ExpressionAttributeNames: {
      "#retryAttempt": "retryAttempt",
      "#retryOf": "retryOf",
      "#next": "nextAttemptAtMs",
      "#first": "firstReceiveMs",
      "#ttl": RECEIPTS_TABLE.ttlAttribute,
      "#outcome": "outcome",
      "#other": "otherFailures",
    },
    ExpressionAttributeValues: {
      ":attempt": mark.attempt,
      ":of": mark.maxAttempts,
      ":next": mark.nextAttemptAtMs,
      ":first": mark.firstReceiveMs,
      ":ttl": mark.ttl,
      ":zero": 0,
      ":other": mark.faultInjected ? 0 : 1,
    },
  };
}

export interface ReceiptWrite {
  readonly runId: string;
  readonly seq: number;
  readonly outcome: ReceiptOutcome;
  readonly attempts: number;
  readonly firstReceiveMs: number;
  readonly doneMs: number;
  /** True when the side effect ran in this delivery (not an idempotent replay). */
  readonly effect: boolean;
  readonly reason?: string;
  /** Epoch seconds after which DynamoDB may delete the receipt. */
  readonly ttl: number;
  /**
   * Identifies this write (one per delivery outcome; a random UUID when omitted). The update is
   * conditional on it not having been applied, so sending the same input again (a retry after a
   * timeout or a cut connection, whose first attempt may have committed) fails with
   * ConditionalCheckFailedException instead of counting the delivery twice: treat that as done.
   */
  readonly writeId?: string;
}

/**
 * The UpdateItem input (document-client shape) the worker sends for one receipt. Build it once
 * per outcome and resend that same input on retry: the counters are added at most once per
 * `writeId`.
 */
export function receiptUpdate(tableName: string, write: ReceiptWrite) {
  const writeId = write.writeId ?? randomUUID();
  const names: Record<string, string> = {
    "#deliveries": "deliveries",
    "#effects": "effects",
    "#outcome": "outcome",
    "#attempts": "attempts",
    "#first": "firstReceiveMs",
    "#done": "doneMs",
    "#ttl": RECEIPTS_TABLE.ttlAttribute,
    "#writes": "writes",
  };
  const values: Record<string, unknown> = {
    ":one": 1,
    ":writeId": writeId,
    ":writeSet": new Set([writeId]),
    ":effect": write.effect ? 1 : 0,
    ":outcome": write.outcome,
    ":attempts": write.attempts,
    ":first": write.firstReceiveMs,
    ":done": write.doneMs,
    ":ttl": write.ttl,
  };
  let set = "#outcome = :outcome, #attempts = :attempts, #first = if_not_exists(#first, :first), #done = :done, #ttl = :ttl";
  if (write.reason !== undefined) {
    names["#reason"] = "reason";
    values[":reason"] = write.reason;
    set += ", #reason = :reason";
  }
  return {
    TableName: tableName,
    Key: { [RECEIPTS_TABLE.partitionKey]: write.runId, [RECEIPTS_TABLE.sortKey]: write.seq },
    UpdateExpression: `ADD #deliveries :one, #effects :effect, #writes :writeSet SET ${set}`,
    ConditionExpression: "NOT contains(#writes, :writeId)",
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
