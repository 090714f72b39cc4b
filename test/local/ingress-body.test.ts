/**
 * The ingress and the size budget end to end on 127.0.0.1, standard and FIFO: a synthesized
 * stack (QueueWithDlq, WebhookIngress, PipelineAlarms at their defaults) run by the emulator's
 * REST API against the real local SQS server (which counts attributes and refuses characters
 * as SQS does), and the worker on what the ingress enqueued. At the exact limits: the largest
 * body the budget allows is accepted and can be dead-lettered with its context; one byte more
 * is answered 413, enqueues nothing, and is counted by the metric its alarm watches.
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SQSBatchResponse } from "aws-lambda";
import { PipelineAlarms, QueueWithDlq, WebhookIngress } from "../../lib";
import { buildRestApi, startRestApi, type RestApiServer } from "../../lib/local/api-gateway";
import { evaluateAlarms } from "../../lib/local/alarms";
import { MetricStore } from "../../lib/local/metrics";
import { LOCAL_ACCOUNT_ID, StackResolver } from "../../lib/local/resolver";
import { startSecretsServer, type SecretsServer } from "../../lib/local/secrets-server";
import { createQueues, LOCAL_CREDENTIALS, startSqsServer, type LocalEndpoint, type LocalQueue } from "../../lib/local/services";
import { loadStack, ofType } from "../../lib/local/stack";
import { toSqsRecord } from "../../lib/local/sqs-records";
import { describeDeadLetter } from "../../lib/ops/dlq";
import {
  createWorker,
  DEAD_LETTER_ATTRIBUTE,
  DEFAULT_MAX_INGRESS_BODY_BYTES,
  decodeMessageBody,
  MAX_QUEUE_MESSAGE_BYTES,
  maxIngressBodyBytes,
  parseDeadLetterContext,
  SIGNATURE_HEADER,
  sign,
  type NormalizedMessage,
  type WorkerContract,
} from "../../lib/runtime";
import { createIdempotencyTable, startDynamo, type LocalServer } from "../helpers/local-servers";
import { lambdaContext, quietObservability } from "../runtime/worker-harness";

jest.setTimeout(120_000);

const REGION = "eu-west-1";
const SECRET = "ingress-body-test-secret-0123456789";

/** The stack: default queues (main at the budget's maximum), the ingress, the alarms. */
function synthStack(outdir: string, fifo: boolean): string {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "ingress");
  new AwsProvider(stack, "aws", { region: REGION });
  const queues = new QueueWithDlq(stack, "queue", { fifo });
  const ingress = new WebhookIngress(stack, "ingress", { queue: { arn: queues.queue.arn, name: queues.queue.name }, fifo });
  new PipelineAlarms(stack, "alarms", {
    queue: { name: queues.queue.name },
    dlq: { name: queues.dlq.name, url: queues.dlq.url },
    functionName: "worker",
    ingress: { apiName: ingress.apiName, stageName: ingress.stageName, bodyTooLargeMetric: ingress.bodyTooLargeMetric },
  });
  app.synth();
  return join(outdir, "stacks", "ingress");
}

/** A Genesys-shaped outbound message whose body is exactly `bytes` UTF-8 bytes. */
function bodyOfBytes(id: string, bytes: number): string {
  const base = JSON.stringify({
    id,
    channel: { id: "c-1", to: { id: `customer-${id}` }, time: new Date().toISOString() },
    type: "Text",
    text: "",
    direction: "Outbound",
  });
  const body = base.replace('"text":""', `"text":"${"x".repeat(bytes - Buffer.byteLength(base))}"`);
  if (Buffer.byteLength(body) !== bytes) throw new Error("size arithmetic");
  return body;
}

const message = (id: string, text: string) =>
  JSON.stringify({
    id,
    channel: { id: "c-1", to: { id: `customer-${id}` }, time: new Date().toISOString() },
    type: "Text",
    text,
    direction: "Outbound",
  });

describe.each([
  ["standard", false],
  ["FIFO", true],
])("the %s ingress and the size budget, on 127.0.0.1", (_kind, fifo) => {
  let outdir: string;
  let sqsServer: LocalEndpoint;
  let dynamo: LocalServer & { client(): import("@aws-sdk/client-dynamodb").DynamoDBClient };
  let secrets: SecretsServer;
  let sqs: SQSClient;
  let secretsManager: SecretsManagerClient;
  let api: RestApiServer;
  let resolver: StackResolver;
  let metrics: MetricStore;
  let url: string;
  let queue: LocalQueue;
  let dlq: LocalQueue;
  let contract: WorkerContract;
  /** The largest body the synthesized main queue takes from the ingress (the budget's, at the defaults). */
  let largestBody: number;
  const handled: NormalizedMessage[] = [];

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "gcx-ingress-body-"));
    const stackDir = synthStack(outdir, fifo);
    [sqsServer, dynamo, secrets] = await Promise.all([
      startSqsServer(REGION, LOCAL_ACCOUNT_ID),
      startDynamo(),
      startSecretsServer({ secrets: { "webhook-secret": SECRET } }),
    ]);
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const stack = loadStack(stackDir);
    const apiItem = ofType(stack, "aws_api_gateway_rest_api")[0];
    resolver = new StackResolver(stack, {
      region: REGION,
      accountId: LOCAL_ACCOUNT_ID,
      sqsEndpoint: sqsServer.endpoint,
      apiEndpoints: { [apiItem.address]: endpoint },
      orgId: "o",
    });
    const queues = await createQueues(resolver, sqsServer.endpoint, REGION);
    queue = queues.find((q) => q.attributes.RedrivePolicy)!;
    dlq = queues.find((q) => q.arn === JSON.parse(queue.attributes.RedrivePolicy).deadLetterTargetArn)!;
    const quarantine = queues.find((q) => q !== queue && q !== dlq)!;
    largestBody = maxIngressBodyBytes(Number(queue.attributes.MaximumMessageSize));
    metrics = new MetricStore();
    api = await startRestApi({
      model: buildRestApi(resolver, apiItem),
      sqsEndpoint: sqsServer.endpoint,
      region: REGION,
      accountId: LOCAL_ACCOUNT_ID,
      server,
      metrics,
    });
    url = `${String(resolver.attribute(ofType(stack, "aws_api_gateway_stage")[0], "invoke_url"))}/webhook`;
    sqs = new SQSClient({ region: REGION, endpoint: sqsServer.endpoint, credentials: LOCAL_CREDENTIALS });
    secretsManager = new SecretsManagerClient({ region: REGION, endpoint: secrets.endpoint, credentials: LOCAL_CREDENTIALS });
    const idempotencyTable = `ingress-body-${fifo ? "fifo" : "std"}`;
    await createIdempotencyTable(dynamo.client(), idempotencyTable);
    contract = {
      ingressKind: "webhook",
      queueUrl: queue.url,
      queueArn: queue.arn,
      dlqUrl: dlq.url,
      quarantineQueueUrl: quarantine.url,
      maxReceiveCount: 10,
      signatureSecretArn: secrets.arnOf("webhook-secret"),
      idempotencyTable,
      fifo,
    } as WorkerContract;
  });

  afterAll(async () => {
    sqs?.destroy();
    secretsManager?.destroy();
    await api?.close();
    await Promise.all([sqsServer?.close(), dynamo?.close(), secrets?.close()]);
    rmSync(outdir, { recursive: true, force: true });
  });

  const post = (body: string, headers: Record<string, string> = {}, query = "") =>
    fetch(`${url}${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: sign(body, SECRET), ...headers },
      body,
    });

  const receiveAll = async (queueUrl: string): Promise<Message[]> => {
    const out: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
        }),
      );
      if (!Messages.length) return out;
      out.push(...Messages);
    }
  };

  /** Runs the worker over everything on the main queue; returns its answers. */
  const drainWithWorker = async (): Promise<SQSBatchResponse[]> => {
    const { logger, metrics: workerMetrics } = quietObservability();
    const handler = createWorker(
      { handle: async (m) => void handled.push(m) },
      { contract, sqs, dynamodb: dynamo.client(), secretsManager, logger, metrics: workerMetrics },
    );
    const answers: SQSBatchResponse[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
          WaitTimeSeconds: 0,
        }),
      );
      if (!Messages.length) return answers;
      answers.push(await handler({ Records: Messages.map((m) => toSqsRecord(m, queue.arn, REGION)) }, lambdaContext()));
    }
  };

  it(`accepts the largest body the budget allows (${DEFAULT_MAX_INGRESS_BODY_BYTES} bytes) and refuses one byte more with 413, enqueued nowhere, counted and alarmed`, async () => {
    expect(largestBody).toBe(DEFAULT_MAX_INGRESS_BODY_BYTES);
    const startMs = Date.now();
    const largest = bodyOfBytes("largest", largestBody);
    const accepted = await post(largest, {}, "");
    expect(accepted.status).toBe(200);
    const before = api.stats.enqueued;
    const tooLarge = await post(bodyOfBytes("too-large", largestBody + 1));
    expect([tooLarge.status, await tooLarge.json()]).toEqual([
      413,
      { message: "the webhook body is larger than this pipeline accepts", requestId: tooLarge.headers.get("x-amzn-requestid") },
    ]);
    expect(api.stats.enqueued).toBe(before);

    const stored = await receiveAll(queue.url);
    expect(stored).toHaveLength(1);
    expect(decodeMessageBody(stored[0].Body, stored[0].MessageAttributes).text).toBe(largest);
    // what SQS counted: body + attributes, exactly at or under the main queue's maximum
    const attributeBytes = Object.entries(stored[0].MessageAttributes ?? {}).reduce(
      (sum, [name, v]) => sum + Buffer.byteLength(name) + Buffer.byteLength(v.DataType ?? "") + Buffer.byteLength(v.StringValue ?? ""),
      0,
    );
    const queueMax = Number(queue.attributes.MaximumMessageSize);
    expect(queueMax).toBe(MAX_QUEUE_MESSAGE_BYTES);
    expect(Buffer.byteLength(stored[0].Body!) + attributeBytes).toBeLessThanOrEqual(queueMax);
    expect(Buffer.byteLength(stored[0].Body!) + attributeBytes).toBeGreaterThan(queueMax - 4);

    const apiId = String(resolver.attribute(ofType(resolver.stack, "aws_api_gateway_rest_api")[0], "id"));
    expect(metrics.query("GenesysConsumer/Ingress", "BodyTooLarge", { ApiId: apiId, Stage: "v1" }).map((p) => p.value)).toEqual([1]);
    const alarm = evaluateAlarms(resolver, metrics, startMs, Date.now()).find((a) => a.alarmName.includes("ingress-body-too-large"));
    expect(alarm?.state).toBe("would-fire");
  });

  it("dead-letters the largest accepted message with its context (the DLQ holds it, never SQS's redrive without context)", async () => {
    const largest = bodyOfBytes("forged-largest", largestBody);
    const forged = await post(largest, { [SIGNATURE_HEADER]: sign(largest, "not-the-secret") });
    expect(forged.status).toBe(200);
    const answers = await drainWithWorker();
    expect(answers.flatMap((a) => a.batchItemFailures)).toEqual([]);
    const letters = await receiveAll(dlq.url);
    const letter = letters.find((m) => decodeMessageBody(m.Body, m.MessageAttributes).text === largest)!;
    expect(parseDeadLetterContext(letter.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)).toMatchObject({
      reason: "invalid-signature",
      attempts: 1,
    });
    expect(describeDeadLetter(letter)).toMatchObject({ reason: "invalid-signature", bodyBytes: largestBody, bodyEncoding: "base64" });
  });

  it("reads the signature from the header, never from a query parameter of the same name", async () => {
    const body = message("query-param", "genuine");
    const res = await post(body, {}, `?${SIGNATURE_HEADER}=${encodeURIComponent(sign(body, "forger"))}&X-Hub-Signature-256=`);
    expect(res.status).toBe(200);
    handled.length = 0;
    await drainWithWorker();
    expect(handled.map((m) => m.text)).toEqual(["genuine"]);
    expect((await receiveAll(dlq.url)).filter((m) => decodeMessageBody(m.Body, m.MessageAttributes).text === body)).toEqual([]);
  });

  it("carries a body with U+FFFE and U+FFFF (which SQS refuses as text) byte for byte: the signature verifies", async () => {
    const body = message("nonchar", "a\uFFFEb\uFFFFc\u0001");
    expect((await post(body)).status).toBe(200);
    handled.length = 0;
    await drainWithWorker();
    expect(handled.map((m) => m.text)).toEqual(["a\uFFFEb\uFFFFc\u0001"]);
  });

  it("accepts a signed body that is not JSON, or JSON with a BOM, and the worker dead-letters it malformed", async () => {
    const bodies = ["plain text, signed", `\uFEFF${message("bom", "with a byte order mark")}`];
    const requestIds: string[] = [];
    for (const body of bodies) {
      const res = await post(body);
      expect(res.status).toBe(200);
      requestIds.push(res.headers.get("x-amzn-requestid")!);
    }
    if (fifo) {
      const enqueued = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
          VisibilityTimeout: 0,
        }),
      );
      expect((enqueued.Messages ?? []).map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(
        requestIds.map((id) => `unordered:${id}`).sort(),
      );
    }
    await drainWithWorker();
    const letters = (await receiveAll(dlq.url)).map((m) => [
      decodeMessageBody(m.Body, m.MessageAttributes).text,
      parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)?.reason,
    ]);
    for (const body of bodies) expect(letters).toContainEqual([body, "malformed"]);
  });
});
