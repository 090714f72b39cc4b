/**
 * Child of the bundle benchmark: per-message CPU overhead of the worker runtime
 * (createWorker: signature check, parsing, Powertools idempotency, outcome bookkeeping,
 * metrics) against a bare handler that only parses each record and calls the same user
 * function. No I/O: the SQS, DynamoDB and Secrets Manager clients are real SDK v3 clients
 * whose HTTP handler answers in memory, so request building and parsing still run.
 *
 * argv[2]: JSON { batches, batchSize }. Prints one JSON line: microseconds per message.
 */
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createWorker } from "../../lib/runtime/worker";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";

const SECRET = "bench-signing-secret";
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };

/** An SDK HTTP handler answering every call in memory (JSON protocols). */
function memoryHandler(answer: (target: string) => unknown) {
  return {
    handle: async (request: { headers: Record<string, string> }) => {
      const target = request.headers["x-amz-target"] ?? "";
      return {
        response: {
          statusCode: 200,
          headers: { "content-type": "application/x-amz-json-1.0" },
          body: Buffer.from(JSON.stringify(answer(target))),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

const env = {
  GCX_INGRESS_KIND: "webhook",
  GCX_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/bench",
  GCX_QUEUE_ARN: "arn:aws:sqs:us-east-1:123456789012:bench",
  GCX_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/bench-dlq",
  GCX_QUARANTINE_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/bench-quarantine",
  GCX_MAX_RECEIVE_COUNT: "10",
  GCX_SIGNATURE_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench",
  GCX_IDEMPOTENCY_TABLE: "bench-idempotency",
  GCX_RECEIPTS_TABLE: "bench-receipts",
};

function record(i: number): SQSRecord {
  const body = JSON.stringify({
    id: `m${i}`,
    channel: {
      id: "integration-1",
      platform: "Open",
      type: "Private",
      messageId: `m${i}`,
      to: { id: `customer-${i % 50}` },
      from: { id: "integration-1" },
      time: new Date().toISOString(),
    },
    type: "Text",
    text: "your order has shipped and will arrive tomorrow",
    direction: "Outbound",
  });
  return {
    messageId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    receiptHandle: `rh-${i}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(Date.now()),
      SenderId: "bench",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {
      [SIGNATURE_HEADER]: { dataType: "String", stringValue: sign(body, SECRET), stringListValues: [], binaryListValues: [] },
    },
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: env.GCX_QUEUE_ARN,
    awsRegion: "us-east-1",
  };
}

function context(): Context {
  return { awsRequestId: "bench", functionName: "bench", getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
}

async function main(): Promise<void> {
  const { batches, batchSize } = JSON.parse(process.argv[2]) as { batches: number; batchSize: number };
  const user = async (_message: unknown) => undefined;
  const worker = createWorker(
    { handle: user },
    {
      env,
      sqs: new SQSClient({ region: "us-east-1", credentials, requestHandler: memoryHandler(() => ({})) as never }),
      dynamodb: new DynamoDBClient({ region: "us-east-1", credentials, requestHandler: memoryHandler(() => ({})) as never }),
      secretsManager: new SecretsManagerClient({
        region: "us-east-1",
        credentials,
        requestHandler: memoryHandler(() => ({
          ARN: env.GCX_SIGNATURE_SECRET_ARN,
          Name: "bench",
          SecretString: SECRET,
          VersionId: "v1",
          VersionStages: ["AWSCURRENT"],
        })) as never,
      }),
    },
  );
  const bare = async (event: SQSEvent) => {
    for (const r of event.Records) await user(JSON.parse(r.body));
    return { batchItemFailures: [] };
  };
  let seq = 0;
  const events = (n: number): SQSEvent[] =>
    Array.from({ length: n }, () => ({ Records: Array.from({ length: batchSize }, () => record(seq++)) }));
  const time = async (fn: (e: SQSEvent) => Promise<{ batchItemFailures: unknown[] }>, list: SQSEvent[]) => {
    const started = process.cpuUsage();
    const t0 = performance.now();
    let failures = 0;
    for (const e of list) failures += (await fn(e)).batchItemFailures.length;
    const cpu = process.cpuUsage(started);
    return {
      wallUs: ((performance.now() - t0) * 1000) / (list.length * batchSize),
      cpuUs: (cpu.user + cpu.system) / (list.length * batchSize),
      failures,
    };
  };
  // warm up both (JIT, secret cache)
  await time((e) => worker(e, context()), events(20));
  await time(bare, events(20));
  const w = await time((e) => worker(e, context()), events(batches));
  const b = await time(bare, events(batches));
  process.stdout.write(JSON.stringify({ worker: w, bare: b, messages: batches * batchSize }) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
