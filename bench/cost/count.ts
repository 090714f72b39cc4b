/**
 * Counts the code-path AWS requests of the worker per message, by running `createWorker` (the
 * demo worker's handler) on the local stand-ins for N messages of each scenario and dividing by N.
 *
 * The driver plays the ingress (one SendMessage per webhook, as API Gateway's template sends it:
 * the body base64-encoded, the signature as a message attribute) and the event source mapping
 * (receive, invoke, delete what was not reported failed). Those calls go through an uncounted
 * client: they depend on batch fullness and are modelled (bench/cost/model.ts). A record put
 * back for a retry is made visible again at once instead of after its delay, so a run takes
 * seconds; that changes no request the worker makes.
 */
import { randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import {
  createWorker,
  RetryableError,
  sign,
  SIGNATURE_HEADER,
  SYNTHETIC_KEY,
  ThrottledError,
  type NormalizedMessage,
  type WorkerContext,
} from "../../lib/runtime";
import { toSqsRecord } from "../../lib/local/sqs-records";
import { acknowledge } from "../../examples/basic/acknowledge";
import { outboundMessage } from "../../test/runtime/worker-harness";
import { createCostPipeline, SIGNING_SECRET, type CostBench, type CostPipeline, type CountedCall } from "./harness";

/** The scenarios counted: a message's path through the worker. */
export const SCENARIOS = ["happy", "throttled", "transient", "poison", "synthetic"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SCENARIO_WORDS: Record<Scenario, string> = {
  happy: "real message, handled on the first delivery",
  throttled: "real message, downstream 429 (Retry-After 2 s) on the first delivery, then handled",
  transient: "real message, a retryable failure on the first delivery, then handled",
  poison: "real message failing every delivery: dead-lettered (exhausted) on attempt maxReceiveCount",
  synthetic: "synthetic message of the nightly spike (no fault): handled, receipt written",
};

/** Per-message averages of one scenario. */
export interface ScenarioCount {
  readonly scenario: Scenario;
  readonly messages: number;
  /** Deliveries (receives of the message) per message. */
  readonly deliveries: number;
  /** Deliveries the worker reported as batch item failures, per message. */
  readonly failedDeliveries: number;
  /** Worker requests per message, by "service:Action". */
  readonly calls: Record<string, number>;
  /** Worker requests over the `messages` messages, by "service:Action" (integers: what a test asserts). */
  readonly totals: Record<string, number>;
  /** DynamoDB write request units over the `messages` messages. */
  readonly totalWru: number;
  /** DynamoDB write request units per message (standard writes; failed conditional writes counted as 1 WRU each). */
  readonly wru: number;
  /** DynamoDB read request units per message. */
  readonly rru: number;
  /** Of those, units not reported by the stand-in and taken as 1 (a failed conditional write), per message. */
  readonly assumedUnits: number;
  /** Payload bytes of the worker's own SendMessage calls (dead letters), per message. */
  readonly sendPayloadBytes: number;
  /** Bytes the worker printed per delivery (log lines and EMF), and of those the EMF blobs. */
  readonly logBytesPerDelivery: number;
  readonly emfBytesPerDelivery: number;
  readonly logEventsPerDelivery: number;
  /** Custom metrics (namespace, name, dimensions) the worker emitted in this scenario. */
  readonly metrics: string[];
}

/** The webhook body of the reference Genesys outbound message (the worker tests' own). */
export const referenceMessage = outboundMessage;

/** What API Gateway's request template sends to SQS for a webhook body (lib/constructs/ingress-template.ts). */
export function ingressSendInput(queueUrl: string, raw: string) {
  return {
    QueueUrl: queueUrl,
    MessageBody: Buffer.from(raw, "utf8").toString("base64"),
    MessageAttributes: {
      "x-body-encoding": { DataType: "String", StringValue: "base64" },
      [SIGNATURE_HEADER]: { DataType: "String", StringValue: sign(raw, SIGNING_SECRET) },
    },
  };
}

/** The handler of a scenario: the demo's, with the scenario's failure in front (what ctx.genesys throws on a 429, say). */
function scenarioHandler(scenario: Scenario) {
  return async (message: NormalizedMessage, ctx: WorkerContext): Promise<void> => {
    if (message.text === WARM_UP_TEXT) return acknowledge(message, ctx);
    if (scenario === "throttled" && ctx.attempt === 1)
      throw new ThrottledError("Genesys: 429 Too Many Requests (Retry-After 2 s)", 429, { retryAfterSeconds: 2 });
    if (scenario === "transient" && ctx.attempt === 1) throw new RetryableError("Genesys: 503 Service Unavailable");
    if (scenario === "poison") throw new RetryableError("Genesys: 500 Internal Server Error");
    await acknowledge(message, ctx);
  };
}

function lambdaContext(): Context {
  const deadline = Date.now() + 30_000; // the worker function's timeout in the demo stack
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

/** What the worker prints while `fn` runs (Powertools writes JSON log lines and EMF blobs to stdout, warnings and errors to stderr; Lambda ingests both). */
async function capturePrinted<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  let text = "";
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      return true;
    }) as typeof stream.write;
  }
  try {
    const result = await fn();
    return { result, lines: text.split("\n").filter((l) => l.trim() !== "") };
  } finally {
    streams.forEach((s, i) => (s.write = originals[i]));
  }
}

interface Printed {
  logBytes: number;
  emfBytes: number;
  events: number;
  metrics: Set<string>;
}

function tally(printed: Printed, lines: string[]): void {
  for (const line of lines) {
    const bytes = Buffer.byteLength(line);
    printed.logBytes += bytes;
    printed.events++;
    if (!line.includes('"_aws"')) continue;
    printed.emfBytes += bytes;
    const emf = JSON.parse(line) as {
      _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    };
    for (const directive of emf._aws.CloudWatchMetrics)
      for (const m of directive.Metrics) printed.metrics.add(`${directive.Namespace}/${m.Name} [${directive.Dimensions.flat().join(",")}]`);
  }
}

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Receives, invokes and settles batches (as the event source mapping) until the queue is empty. */
async function drain(bench: CostBench, pipeline: CostPipeline, handler: Handler, batchSize: number, printed: Printed) {
  let deliveries = 0;
  let failed = 0;
  for (;;) {
    const out = await bench.driver.send(
      new ReceiveMessageCommand({
        QueueUrl: pipeline.queueUrl,
        MaxNumberOfMessages: batchSize,
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
        WaitTimeSeconds: 0,
      }),
    );
    const messages: Message[] = out.Messages ?? [];
    if (!messages.length) return { deliveries, failed };
    const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, pipeline.queueArn, "us-east-1")) };
    const { result, lines } = await capturePrinted(() => handler(event, lambdaContext()));
    tally(printed, lines);
    deliveries += messages.length;
    const failures = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    failed += failures.size;
    for (const m of messages) {
      const settle = failures.has(m.MessageId as string)
        ? new ChangeMessageVisibilityCommand({ QueueUrl: pipeline.queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })
        : new DeleteMessageCommand({ QueueUrl: pipeline.queueUrl, ReceiptHandle: m.ReceiptHandle });
      await bench.driver.send(settle as DeleteMessageCommand).catch(() => undefined); // a dead letter is already deleted
    }
  }
}

/** The text of the warm-up message: handled whatever the scenario. */
const WARM_UP_TEXT = "warm-up";

function bodyOf(scenario: Scenario, seq: number, warmUp = false): string {
  const marker = { runId: "cost-bench", seq, plannedSendMs: Date.now() };
  const extra = warmUp ? { text: WARM_UP_TEXT } : {};
  return JSON.stringify(referenceMessage(scenario === "synthetic" ? { ...extra, [SYNTHETIC_KEY]: marker } : extra));
}

function perMessage(calls: CountedCall[], n: number) {
  const totals: Record<string, number> = {};
  let wru = 0;
  let rru = 0;
  let assumed = 0;
  let sendBytes = 0;
  for (const c of calls) {
    const key = `${c.service}:${c.action}`;
    totals[key] = (totals[key] ?? 0) + 1;
    sendBytes += c.payloadBytes ?? 0;
    if (c.service !== "dynamodb") continue;
    const units = c.capacityUnits ?? 1;
    if (c.capacityUnits === undefined) assumed++;
    if (/^(Get|Query|Scan|BatchGet)/.test(c.action)) rru += units;
    else wru += units;
  }
  const byAction = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / n]));
  return { totals, byAction, totalWru: wru, wru: wru / n, rru: rru / n, assumed: assumed / n, sendBytes: sendBytes / n };
}

/**
 * Counts one scenario: a fresh pipeline and worker instance, one message of the same kind to
 * warm it up (the cold start's secret loads: signing secret, Genesys credentials), then `n` messages, each sent, delivered and settled.
 */
export async function countScenario(bench: CostBench, scenario: Scenario, n: number, batchSize = 1): Promise<ScenarioCount> {
  const pipeline = await createCostPipeline(bench);
  // The cold start's log line is printed at creation: captured (and left out of the per-delivery bytes).
  const { result: handler } = await capturePrinted(async () =>
    createWorker(
      { handle: scenarioHandler(scenario), handleSynthetic: scenarioHandler(scenario) },
      { env: pipeline.env, sqs: bench.sqs, dynamodb: bench.dynamodb, secretsManager: bench.secretsManager },
    ),
  );
  const warm: Printed = { logBytes: 0, emfBytes: 0, events: 0, metrics: new Set() };
  await bench.driver.send(new SendMessageCommand(ingressSendInput(pipeline.queueUrl, bodyOf(scenario, 0, true))));
  await drain(bench, pipeline, handler, 1, warm);
  bench.log.reset();
  const printed: Printed = { logBytes: 0, emfBytes: 0, events: 0, metrics: new Set() };
  for (let i = 1; i <= n; i++) await bench.driver.send(new SendMessageCommand(ingressSendInput(pipeline.queueUrl, bodyOf(scenario, i))));
  const { deliveries, failed } = await drain(bench, pipeline, handler, batchSize, printed);
  const counted = perMessage(bench.log.calls, n);
  bench.log.reset();
  return {
    scenario,
    messages: n,
    deliveries: deliveries / n,
    failedDeliveries: failed / n,
    calls: counted.byAction,
    totals: counted.totals,
    totalWru: counted.totalWru,
    wru: counted.wru,
    rru: counted.rru,
    assumedUnits: counted.assumed,
    sendPayloadBytes: counted.sendBytes,
    logBytesPerDelivery: printed.logBytes / deliveries,
    emfBytesPerDelivery: printed.emfBytes / deliveries,
    logEventsPerDelivery: printed.events / deliveries,
    metrics: [...printed.metrics].sort(),
  };
}
