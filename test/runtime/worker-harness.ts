/**
 * Test bench for the worker: real local servers on 127.0.0.1 (local-aws-sqs, dynalite,
 * the Secrets Manager server, the fake Genesys), the pipeline's queues and tables, and a
 * poller that turns received messages into Lambda SQS events (as the event source mapping).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { SIGNATURE_HEADER, sign, SYNTHETIC_KEY, type SyntheticMarker } from "cdktf-genesys-consumer/runtime";
import type { WorkerContractInput } from "../../lib/runtime/contract";
import { startFakeGenesys, type FakeGenesys, type FakeGenesysOptions } from "../../lib/local/fake-genesys";
import { startSecretsServer, type SecretsServer } from "../../lib/local/secrets-server";
import { toSqsRecord } from "../../lib/local/sqs-records";
import { createIdempotencyTable, createReceiptsTable, LOCAL_AWS, startDynamo, startSqs } from "../helpers/local-servers";

export const SECRET = "a-webhook-secret-of-32-characters";
export const REGION = LOCAL_AWS.region;

export interface Bench {
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  secretsManager: SecretsManagerClient;
  secrets: SecretsServer;
  genesys: FakeGenesys;
  endpoints: { sqs: string; dynamodb: string; secretsManager: string };
  close(): Promise<void>;
}

export async function startBench(genesysOptions: FakeGenesysOptions = {}): Promise<Bench> {
  const [sqsServer, dynamoServer, secrets, genesys] = await Promise.all([
    startSqs(),
    startDynamo(),
    startSecretsServer({
      secrets: { "webhook-secret": SECRET, "genesys-credentials": JSON.stringify({ clientId: "client", clientSecret: "s3cret" }) },
    }),
    startFakeGenesys({ clientId: "client", clientSecret: "s3cret", ...genesysOptions }),
  ]);
  const sqs = sqsServer.client();
  const dynamodb = dynamoServer.client();
  const secretsManager = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: secrets.endpoint });
  return {
    sqs,
    dynamodb,
    secretsManager,
    secrets,
    genesys,
    endpoints: { sqs: sqsServer.endpoint, dynamodb: dynamoServer.endpoint, secretsManager: secrets.endpoint },
    async close() {
      sqs.destroy();
      dynamodb.destroy();
      secretsManager.destroy();
      await Promise.all([sqsServer.close(), dynamoServer.close(), secrets.close(), genesys.close()]);
    },
  };
}

export interface Pipeline {
  /** The worker's settings (absent optional ones take the contract's defaults in createWorker). */
  contract: WorkerContractInput;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  quarantineUrl: string;
}

let tableSeq = 0;

/** Creates a fresh pipeline (queues with redrive, tables) with a unique prefix. */
export async function createPipeline(bench: Bench, overrides: Partial<WorkerContractInput> = {}): Promise<Pipeline> {
  const id = `p${Date.now().toString(36)}${(tableSeq++).toString(36)}`;
  const fifo = overrides.fifo === true;
  const suffix = fifo ? ".fifo" : "";
  const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: "true" } : {};
  const arnOf = async (url: string) =>
    (await bench.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes?.QueueArn as string;
  const dlqUrl = (await bench.sqs.send(new CreateQueueCommand({ QueueName: `${id}-dlq${suffix}`, Attributes: fifoAttributes })))
    .QueueUrl as string;
  const quarantineUrl = (
    await bench.sqs.send(new CreateQueueCommand({ QueueName: `${id}-quarantine${suffix}`, Attributes: fifoAttributes }))
  ).QueueUrl as string;
  const maxReceiveCount = overrides.maxReceiveCount ?? 3;
  const queueUrl = (
    await bench.sqs.send(
      new CreateQueueCommand({
        QueueName: `${id}-main${suffix}`,
        Attributes: {
          ...fifoAttributes,
          VisibilityTimeout: "30",
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlqUrl), maxReceiveCount }),
        },
      }),
    )
  ).QueueUrl as string;
  const queueArn = await arnOf(queueUrl);
  const idempotencyTable = `${id}-idempotency`;
  const receiptsTable = `${id}-receipts`;
  await createIdempotencyTable(bench.dynamodb, idempotencyTable);

  await createReceiptsTable(bench.dynamodb, receiptsTable);

  const contract: WorkerContractInput = {
    ingressKind: "webhook",
    queueUrl,
    queueArn,
    dlqUrl,
    quarantineQueueUrl: quarantineUrl,
    maxReceiveCount,
    signatureSecretArn: bench.secrets.arnOf("webhook-secret"),
    idempotencyTable,
    receiptsTable,
    downstreamRatePerSecond: 100,
    downstreamBurst: 100,
    backoffBaseSeconds: 1,
    backoffMaxSeconds: 60,
    genesysRegion: "eu-west-1",
    genesysCredentialsSecretArn: bench.secrets.arnOf("genesys-credentials"),
    genesysApiBaseUrl: bench.genesys.endpoint,
    genesysLoginBaseUrl: bench.genesys.endpoint,
    ...overrides,
  };
  return { contract, queueUrl, queueArn, dlqUrl, quarantineUrl };
}

/** Quiet Powertools logger and metrics for tests (no stdout noise). */
export function quietObservability(): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName: "test", logLevel: "SILENT" });
  const metrics = new Metrics({ namespace: "Test", serviceName: "test" });
  // EMF goes to stdout in Lambda; keep the test output readable.
  (metrics as unknown as { console: { log(): void } }).console = { log() {} };
  return { logger, metrics };
}

/** A Genesys outbound NormalizedMessage (the reference example, with a fresh id). */
export function outboundMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = randomUUID().replace(/-/g, "");
  return {
    id,
    channel: {
      id: "73cb7fb7-c2db-4996-88f3-0a83a4fea1da",
      platform: "Open",
      type: "Private",
      messageId: id,
      to: { id: "customer-42@acme-chat", idType: "Opaque" },
      from: { id: "73cb7fb7-c2db-4996-88f3-0a83a4fea1da", idType: "Opaque", nickname: "Acme Support" },
      time: new Date().toISOString(),
    },
    type: "Text",
    text: "Hi Ana, your order shipped today.",
    direction: "Outbound",
    originatingEntity: "Human",
    content: [],
    ...overrides,
  };
}

export function syntheticMessage(marker: SyntheticMarker, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return outboundMessage({ [SYNTHETIC_KEY]: marker, ...overrides });
}

/** Sends a body as the ingress would: the raw body plus the signature attribute (unless `signature` is null). */
export async function enqueue(
  bench: Bench,
  pipeline: Pipeline,
  body: unknown,
  options: { signature?: string | null; groupId?: string; secret?: string } = {},
): Promise<string> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const signature = options.signature === undefined ? sign(raw, options.secret ?? SECRET) : options.signature;
  const out = await bench.sqs.send(
    new SendMessageCommand({
      QueueUrl: pipeline.queueUrl,
      MessageBody: raw,
      MessageAttributes: {
        ...(signature !== null ? { [SIGNATURE_HEADER]: { DataType: "String", StringValue: signature } } : {}),
        "x-request-id": { DataType: "String", StringValue: "req-1" },
      },
      ...(options.groupId ? { MessageGroupId: options.groupId, MessageDeduplicationId: randomUUID() } : {}),
    }),
  );
  return out.MessageId as string;
}

/** Receives up to `max` messages (all attributes), as the event source mapping does. */
export async function receive(bench: Bench, queueUrl: string, max = 10): Promise<Message[]> {
  const out = await bench.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      AttributeNames: ["All"],
      MessageAttributeNames: ["All"],
      WaitTimeSeconds: 0,
    }),
  );
  return out.Messages ?? [];
}

export function lambdaContext(remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "worker",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:worker",
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/worker",
    logStreamName: "stream",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Receives one batch and invokes the handler with it; then, as the event source mapping does
 * with ReportBatchItemFailures, deletes the messages not reported as failures (on a FIFO queue
 * an undeleted message would hold its group). Returns the messages and the answer.
 */
export async function deliver(
  bench: Bench,
  pipeline: Pipeline,
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  max = 10,
): Promise<{ messages: Message[]; response: SQSBatchResponse; event: SQSEvent }> {
  const messages = await receive(bench, pipeline.queueUrl, max);
  const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, pipeline.queueArn, REGION)) };
  const response = await handler(event, lambdaContext());
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of messages) {
    if (!failed.has(m.MessageId as string))
      await bench.sqs.send(new DeleteMessageCommand({ QueueUrl: pipeline.queueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
  return { messages, response, event };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
