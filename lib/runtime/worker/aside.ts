/**
 * A signature miss never holds a FIFO message group.
 *
 * A miss the worker cannot settle yet (the signing secret was reloaded moments ago, so it may
 * not reload again: see `RotatingSecret`) is "unverified": the message may be forged, or
 * signed with a secret rotated in since the last reload. On a standard queue it is put back
 * with a visibility delay. On a FIFO queue a put-back message holds its group (SQS returns no
 * other message of a group while one is in flight), and the group id comes from the unverified
 * body: a forged message could hold a conversation. So on FIFO it is moved aside: re-sent to
 * the same queue under a message group of its own (`unverified:<message id>`), carrying its
 * first-delivery time, and the original is deleted; the messages behind it in its group go on
 * at once. The copy, alone in its group, is checked again after the next reload (put back with
 * a delay while that is not allowed, which holds nobody): dead-lettered if forged, processed
 * if genuine (out of its conversation's order: the price of not trusting an unverified group).
 */
import { DeleteMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SQSRecord } from "aws-lambda";
import { FIRST_SENT_ATTRIBUTE } from "../dead-letter";
import { RetryableError } from "../errors";
import { forwardedAttributes, recordFirstSentMs } from "./attributes";

/**
 * Prefix of the message group of a message moved aside. The ingress never sets a group id
 * with ':' (it URL-encodes the ordering key, or uses the request id), so none collides.
 */
export const ASIDE_GROUP_PREFIX = "unverified:";

/** A signature miss that cannot be settled before the next secret reload: retryable after `retryAfterSeconds`. */
export class UnverifiedSignatureError extends RetryableError {}

/** The message group of `messageId` moved aside (SQS allows 128 characters; a message id has 36). */
export function asideGroupId(messageId: string): string {
  return `${ASIDE_GROUP_PREFIX}${messageId}`;
}

/** What {@link moveAside} needs. */
export interface MoveAsideInput {
  readonly sqs: SQSClient;
  /** The FIFO queue the record came from. */
  readonly queueUrl: string;
  readonly record: SQSRecord;
  readonly log: Logger;
}

/**
 * Moves an unverified FIFO record out of its message group: sends a copy (body, attributes,
 * first-delivery time; deduplication id `aside-<message id>`, so a repeat after a failed
 * delete is dropped by SQS) under {@link asideGroupId}, then deletes the original. A copy SQS
 * refuses with the time (a message at the queue's size limit has no room for the attribute) is
 * sent without it: then judged on the copy's own SentTimestamp, moments later. True when the
 * original is gone; false when the record is not in a conversation's group (standard queue, or
 * already aside) or a call failed: the caller puts it back instead.
 */
export async function moveAside({ sqs, queueUrl, record, log }: MoveAsideInput): Promise<boolean> {
  const groupId = record.attributes?.MessageGroupId;
  if (!groupId || groupId.startsWith(ASIDE_GROUP_PREFIX)) return false;
  const attributes = forwardedAttributes(record);
  const firstSent = recordFirstSentMs(record);
  const send = (withFirstSent: boolean) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: record.body,
        MessageAttributes: withFirstSent
          ? { ...attributes, [FIRST_SENT_ATTRIBUTE]: { DataType: "String", StringValue: String(firstSent) } }
          : attributes,
        MessageGroupId: asideGroupId(record.messageId),
        MessageDeduplicationId: `aside-${record.messageId}`,
      }),
    );
  try {
    await send(firstSent !== undefined).catch((error: Error) => {
      if (firstSent === undefined) throw error;
      log.debug("the copy with its first-delivery time was refused; sending it without", { error });
      return send(false);
    });
  } catch (error) {
    log.warn("moving an unverified FIFO message out of its group failed; it is put back and holds the group until checked", {
      error: error as Error,
    });
    return false;
  }
  try {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }));
  } catch (error) {
    log.warn("deleting an unverified FIFO message moved out of its group failed; it is put back (its copy is deduplicated)", {
      error: error as Error,
    });
    return false;
  }
  log.debug("unverified FIFO message moved out of its message group; checked again after the next secret reload", {
    group: asideGroupId(record.messageId),
  });
  return true;
}
