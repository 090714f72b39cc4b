/**
 * The message attributes of a record the worker re-sends (to the DLQ, or out of its FIFO group)
 * and the record's first-delivery time.
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { SQS_MAX_MESSAGE_ATTRIBUTES } from "../aws-limits";
import { DEAD_LETTER_ATTRIBUTE, FIRST_SENT_ATTRIBUTE } from "../dead-letter";
import { firstSentMs } from "../replay-window";

/**
 * The record's message attributes in SendMessage's shape, minus the pipeline's reserved ones
 * (`x-dead-letter`, `x-first-sent-timestamp`: the caller sets the one it needs), at most 9 so
 * that one fits.
 */
export function forwardedAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (name === DEAD_LETTER_ATTRIBUTE || name === FIRST_SENT_ATTRIBUTE) continue;
    if (Object.keys(out).length >= SQS_MAX_MESSAGE_ATTRIBUTES - 1) break;
    out[name] =
      value.binaryValue !== undefined
        ? { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, "base64") }
        : { DataType: value.dataType, StringValue: value.stringValue ?? "" };
  }
  return out;
}

/**
 * When SQS first received the record's message from the ingress, epoch milliseconds: its
 * `SentTimestamp`, or an earlier one carried by a redrive or a move aside (see
 * {@link firstSentMs}). Undefined without any.
 */
export function recordFirstSentMs(record: SQSRecord): number | undefined {
  const attributes = record.messageAttributes ?? {};
  return firstSentMs({
    sentTimestamp: record.attributes?.SentTimestamp,
    firstSentAttribute: attributes[FIRST_SENT_ATTRIBUTE]?.stringValue,
    deadLetterContext: attributes[DEAD_LETTER_ATTRIBUTE]?.stringValue,
  });
}
