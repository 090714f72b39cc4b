/**
 * Fixtures of the DLQ operation tests: a source queue with a redrive policy and its DLQ on
 * local-aws-sqs, dead letters as the worker writes them (body + original attributes +
 * `x-dead-letter`), and dead letters moved by SQS's own redrive (no context).
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { DEAD_LETTER_ATTRIBUTE, encodeDeadLetterContext, type DeadLetterReason } from "../../lib/runtime/dead-letter";
import { SIGNATURE_HEADER, sign } from "../../lib/runtime/signature";
import { SYNTHETIC_KEY } from "../../lib/runtime/synthetic";

export const SECRET = "test-signing-secret";
export const CHANNEL = "73cb7fb7-c2db-4996-88f3-0a83a4fea1da";

export interface Pipeline {
  readonly source: { url: string; arn: string };
  readonly dlq: { url: string; arn: string };
}

let counter = 0;
/** A unique queue-name prefix per call, so tests sharing one server never collide. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const out = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return out.Attributes!.QueueArn!;
}

/** A source queue whose redrive policy (maxReceiveCount 1) targets a DLQ. */
export async function createPipeline(client: SQSClient, prefix: string, options: { fifo?: boolean } = {}): Promise<Pipeline> {
  const suffix = options.fifo ? ".fifo" : "";
  const fifoAttrs = options.fifo ? { FifoQueue: "true" } : {};
  const base = uniqueName(prefix);
  const dlqUrl = (await client.send(new CreateQueueCommand({ QueueName: `${base}-dlq${suffix}`, Attributes: fifoAttrs }))).QueueUrl!;
  const dlqArn = await arnOf(client, dlqUrl);
  const sourceUrl = (
    await client.send(
      new CreateQueueCommand({
        QueueName: `${base}-src${suffix}`,
        Attributes: {
          ...fifoAttrs,
          VisibilityTimeout: "30",
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
        },
      }),
    )
  ).QueueUrl!;
  return { source: { url: sourceUrl, arn: await arnOf(client, sourceUrl) }, dlq: { url: dlqUrl, arn: dlqArn } };
}

/** A second source queue whose redrive policy targets the pipeline's DLQ (the DLQ then has two sources). */
export async function addSourceQueue(client: SQSClient, pipeline: Pipeline, prefix: string): Promise<string> {
  const out = await client.send(
    new CreateQueueCommand({
      QueueName: uniqueName(prefix),
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: pipeline.dlq.arn, maxReceiveCount: 1 }) },
    }),
  );
  return out.QueueUrl!;
}

/** An outbound NormalizedMessage body (optionally synthetic), as Genesys posts it. */
export function normalizedBody(n: number, options: { synthetic?: { runId: string; seq: number } } = {}): string {
  return JSON.stringify({
    id: `msg-${n}`,
    channel: {
      id: CHANNEL,
      platform: "Open",
      type: "Private",
      messageId: `msg-${n}`,
      to: { id: `customer-${n % 3}@acme-chat`, idType: "Opaque" },
      from: { id: CHANNEL, idType: "Opaque" },
      time: "2025-03-14T09:26:53.589Z",
    },
    type: "Text",
    text: `hello ${n}`,
    direction: "Outbound",
    ...(options.synthetic
      ? { [SYNTHETIC_KEY]: { runId: options.synthetic.runId, seq: options.synthetic.seq, plannedSendMs: 1_700_000_000_000 } }
      : {}),
  });
}

/** The attributes the ingress sets: the signature header. */
export function ingressAttributes(body: string): Record<string, MessageAttributeValue> {
  return { [SIGNATURE_HEADER]: { DataType: "String", StringValue: sign(body, SECRET) } };
}

const ERROR_OF: Record<DeadLetterReason, { error: string; message: string; attempts: number }> = {
  "invalid-signature": { error: "InvalidSignatureError", message: "X-Hub-Signature-256 does not match", attempts: 1 },
  malformed: { error: "MalformedMessageError", message: "body is not a NormalizedMessage", attempts: 1 },
  permanent: { error: "PermanentError", message: "customer not found", attempts: 2 },
  exhausted: { error: "RetryableError", message: "downstream answered 503", attempts: 5 },
  stale: {
    error: "StaleSignedTimeError",
    message: "the signed channel.time is 3600 s older than the time SQS first received the message",
    attempts: 1,
  },
};

/** Puts one dead letter into the DLQ as the worker does: original body and attributes plus the context. Returns its DLQ message id. */
export async function putDeadLetter(
  client: SQSClient,
  pipeline: Pipeline,
  reason: DeadLetterReason,
  body: string,
  options: { sourceQueueArn?: string; groupId?: string; rawContext?: string } = {},
): Promise<string> {
  const e = ERROR_OF[reason];
  const context =
    options.rawContext ??
    encodeDeadLetterContext({
      reason,
      error: e.error,
      message: e.message,
      attempts: e.attempts,
      firstReceiveMs: 1_700_000_000_000,
      lastReceiveMs: 1_700_000_060_000,
      requestId: "req-1",
      sourceQueueArn: options.sourceQueueArn ?? pipeline.source.arn,
    });
  const out = await client.send(
    new SendMessageCommand({
      QueueUrl: pipeline.dlq.url,
      MessageBody: body,
      MessageAttributes: { ...ingressAttributes(body), [DEAD_LETTER_ATTRIBUTE]: { DataType: "String", StringValue: context } },
      ...(options.groupId ? { MessageGroupId: options.groupId, MessageDeduplicationId: `dl-${body.length}-${Math.random()}` } : {}),
    }),
  );
  return out.MessageId!;
}

/** Sends a message to the source and receives it past maxReceiveCount (1), so SQS's own redrive moves it to the DLQ without a context. */
export async function putSqsRedriven(client: SQSClient, pipeline: Pipeline, body: string): Promise<void> {
  await client.send(
    new SendMessageCommand({ QueueUrl: pipeline.source.url, MessageBody: body, MessageAttributes: ingressAttributes(body) }),
  );
  // First receive: count 1 (a worker that crashes); visibility 0 so it is visible at once.
  const first = await client.send(new ReceiveMessageCommand({ QueueUrl: pipeline.source.url, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
  if (first.Messages?.length !== 1) throw new Error("putSqsRedriven: the message was not received");
  // Second receive: past maxReceiveCount, SQS moves it to the DLQ instead of delivering it.
  const second = await client.send(new ReceiveMessageCommand({ QueueUrl: pipeline.source.url, WaitTimeSeconds: 0 }));
  if (second.Messages?.length) throw new Error("putSqsRedriven: the message was delivered again instead of dead-lettered");
}

/** Receives everything visible in a queue (and keeps it hidden for 60 s), as a worker would: all attributes. */
export async function receiveAll(client: SQSClient, url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    if (!out.Messages?.length) return all;
    all.push(...out.Messages);
  }
}

/** ApproximateNumberOfMessages (local-aws-sqs counts in-flight messages in it too; AWS counts visible ones only). */
/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function approximateCount(client: SQSClient, url: string): Promise<number> {
  const a = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] })))
    .Attributes!;
  return Number(a.ApproximateNumberOfMessages);
}

/** A Genesys Event Streams event as EventBridge delivers it to the pipeline's queue (and to the DLQ when it cannot). */
export function eventStreamsBody(n: number): string {
  return JSON.stringify({
    version: "0",
    id: `6a7e8feb-b491-4cf7-a9f1-bf3703467${String(n).padStart(3, "0")}`,
    "detail-type": "v2.detail.events.conversation.{id}.customer.start",
    source: "aws.partner/genesys.com/cloud/org-1/orders",
    account: "123456789012",
    time: "2025-03-14T09:26:53Z",
    region: "eu-west-1",
    resources: [],
    detail: {
      topicName: `v2.detail.events.conversation.c-${n}.customer.start`,
      version: "2",
      eventBody: { conversationId: `c-${n}` },
      metadata: { CorrelationId: `corr-${n}` },
    },
  });
}

/**
 * Puts an event into the DLQ as EventBridge does when it cannot deliver it to the rule's target
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html): the event as the body,
 * and the RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE (and, after retries,
 * EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS) attributes. Returns its DLQ message id.
 */
export async function putEventBridgeDeadLetter(
  client: SQSClient,
  pipeline: Pipeline,
  body: string,
  options: { targetArn?: string; errorCode?: string; errorMessage?: string; retries?: number } = {},
): Promise<string> {
  const s = (value: string): MessageAttributeValue => ({ DataType: "String", StringValue: value });
  const out = await client.send(
    new SendMessageCommand({
      QueueUrl: pipeline.dlq.url,
      MessageBody: body,
      MessageAttributes: {
        RULE_ARN: s("arn:aws:events:eu-west-1:123456789012:rule/aws.partner/genesys.com/cloud/org-1/orders/orders-events-rule"),
        TARGET_ARN: s(options.targetArn ?? pipeline.source.arn),
        ERROR_CODE: s(options.errorCode ?? "SQS_PERMISSIONS_ERROR"),
        ERROR_MESSAGE: s(
          options.errorMessage ?? "User: events.amazonaws.com is not authorized to perform: kms:GenerateDataKey on the queue's key",
        ),
        ...(options.retries !== undefined
          ? { EXHAUSTED_RETRY_CONDITION: s("MaximumRetryAttemptsExhausted"), RETRY_ATTEMPTS: s(String(options.retries)) }
          : {}),
      },
    }),
  );
  return out.MessageId!;
}
