/**
 * How a message received from SQS becomes a record of a Lambda SQS event, as the event
 * source mapping delivers it. Receive with `AttributeNames: ["All"]` (local-aws-sqs ignores
 * `MessageSystemAttributeNames`) and `MessageAttributeNames: ["All"]`.
 */
import type { Message } from "@aws-sdk/client-sqs";
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from "aws-lambda";

/** Converts one received message into an SQSRecord of `queueArn` in `region`. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  if (!message.MessageId || message.ReceiptHandle === undefined)
    throw new TypeError("toSqsRecord: the message has no MessageId or ReceiptHandle");
  const a = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
    SentTimestamp: a.SentTimestamp ?? String(Date.now()),
    SenderId: a.SenderId ?? "",
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const key of ["SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "AWSTraceHeader", "DeadLetterQueueSourceArn"] as const) {
    if (a[key] !== undefined) (attributes as unknown as Record<string, string>)[key] = a[key] as string;
  }
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: (value.DataType ?? "String") as SQSMessageAttributes[string]["dataType"],
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue !== undefined ? Buffer.from(value.BinaryValue).toString("base64") : undefined,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? "",
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
