/**
 * Operating a dead-letter queue: inspect (peek without consuming), redrive (all through
 * SQS's message move task, or a filtered subset one by one, send before delete) and purge.
 *
 * Each function takes an SQS client (see `createSqsClient` in ../queues) and a queue given by
 * URL, ARN or name. Errors are the operator-facing errors of ../errors. One module per job:
 *
 * - ./classify: why a dead letter is there, read from one message (no SQS call);
 * - ./scan: paging through a queue without consuming it;
 * - ./inspect: listing the dead letters;
 * - ./redrive-policy: the invalid-signature guard and where dead letters go;
 * - ./redrive-selected: one by one; ./redrive-all: all through a move task;
 * - ./purge: deleting every message, behind a guard.
 */
export {
  EVENTBRIDGE_DELIVERY_FAILED,
  EVENTBRIDGE_DLQ_ATTRIBUTES,
  INSPECT_REASONS,
  REASON_LABELS,
  REDRIVEN_BY_SQS,
  UNREADABLE_CONTEXT,
  countByReason,
  describeDeadLetter,
  isEventBridgeDeadLetter,
  orderingKeyOf,
  type DeadLetter,
  type InspectReason,
} from "./classify";
export type { ScanStop } from "./scan";
export { MAX_SCAN_BUDGET_SECONDS, inspectDlq, type InspectOptions, type InspectResult } from "./inspect";
export { INVALID_SIGNATURE_REFUSAL } from "./redrive-policy";
export {
  redriveDeduplicationId,
  redriveSelected,
  type MovedMessage,
  type RedriveSelectedOptions,
  type RedriveSelectedResult,
} from "./redrive-selected";
export { redriveAll, type MoveTaskProgress, type RedriveAllOptions, type RedriveAllResult } from "./redrive-all";
export { purgeDlq, type PurgeOptions, type PurgeResult } from "./purge";
export type { DeadLetterReason } from "../../runtime/dead-letter";
