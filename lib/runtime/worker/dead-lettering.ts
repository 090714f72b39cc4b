/**
 * Dead-lettering a record: a copy to the operational DLQ (or, for a synthetic message, the
 * quarantine queue) carrying the `x-dead-letter` context, the synthetic receipt, then the
 * original deleted. Whatever fails leaves the message on the queue (reported failed).
 */
import { DeleteMessageCommand, SendMessageCommand, type SendMessageCommandInput } from "@aws-sdk/client-sqs";
import { DEAD_LETTER_ATTRIBUTE, encodeDeadLetterContext, type DeadLetterReason } from "../dead-letter";
import { forwardedAttributes, recordFirstSentMs } from "./attributes";
import { isSynthetic, type Delivery, type Invocation, type WorkerDeps } from "./deps";
import { WORKER_METRICS } from "./metrics";
import { writeReceipt } from "./synthetic-receipts";

/** What dead-lettering reads of the worker. */
export type DeadLetterDeps = Pick<WorkerDeps, "contract" | "sqs" | "documents" | "count">;

/** Why a delivery is dead-lettered: the reason and the error behind it. */
export interface DeadLetterCause {
  readonly reason: DeadLetterReason;
  readonly error: { readonly name: string; readonly message: string };
}

/**
 * Sends the delivery's message to the DLQ (synthetic and not an invalid signature: the
 * quarantine queue) with its dead-letter context, writes a synthetic message's receipt, and
 * deletes the original. True when the original is gone; false (reported failed, it comes back)
 * when the send or the delete failed.
 */
export async function deadLetter(
  deps: DeadLetterDeps,
  invocation: Pick<Invocation, "requestId" | "completionBudgetMs">,
  delivery: Delivery,
  { reason, error }: DeadLetterCause,
): Promise<boolean> {
  const { record, attempt, log } = delivery;
  const quarantine = isSynthetic(delivery) && reason !== "invalid-signature";
  const copy = deadLetterCopy(deps, invocation, delivery, { reason, error }, quarantine);
  try {
    await deps.sqs.send(new SendMessageCommand(copy));
  } catch (sendError) {
    log.error("dead-lettering failed; the message stays on the queue", { reason, error: sendError as Error });
    deps.count(WORKER_METRICS.batchItemFailures);
    return false;
  }
  deps.count(WORKER_METRICS.deadLettered);
  if (reason === "invalid-signature") deps.count(WORKER_METRICS.invalidSignature);
  log.warn("message dead-lettered", {
    reason,
    error: error.name,
    detail: error.message.slice(0, 300),
    attempts: attempt,
    target: quarantine ? "quarantine" : "dlq",
  });
  if (isSynthetic(delivery)) await writeReceipt(deps, invocation, delivery, { outcome: "dead-lettered", effect: false, reason });
  try {
    await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.contract.queueUrl, ReceiptHandle: record.receiptHandle }));
  } catch (deleteError) {
    // Reported failed: it comes back, and idempotency/redrive prevent a second effect.
    log.error("deleting a dead-lettered message failed; reporting it failed", { error: deleteError as Error });
    deps.count(WORKER_METRICS.batchItemFailures);
    return false;
  }
  return true;
}

/** The copy to send, with its `x-dead-letter` context (FIFO: in the same group, deduplicated by the message id). */
function deadLetterCopy(
  deps: DeadLetterDeps,
  invocation: Pick<Invocation, "requestId">,
  { record, attempt }: Delivery,
  { reason, error }: DeadLetterCause,
  quarantine: boolean,
): SendMessageCommandInput {
  const now = Date.now();
  const context = encodeDeadLetterContext({
    reason,
    error: error.name,
    message: error.message,
    attempts: attempt,
    firstReceiveMs: Number(record.attributes.ApproximateFirstReceiveTimestamp) || now,
    lastReceiveMs: now,
    firstSentMs: recordFirstSentMs(record),
    requestId: invocation.requestId,
    sourceQueueArn: deps.contract.queueArn,
  });
  const attributes = forwardedAttributes(record);
  attributes[DEAD_LETTER_ATTRIBUTE] = { DataType: "String", StringValue: context };
  const groupId = record.attributes.MessageGroupId;
  return {
    QueueUrl: quarantine ? deps.contract.quarantineQueueUrl : deps.contract.dlqUrl,
    MessageBody: record.body,
    MessageAttributes: attributes,
    ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: record.messageId } : {}),
  };
}
