/**
 * The cost model: billable quantities per webhook for three patterns, priced per million
 * webhooks, plus fixed monthly costs amortized at a stated volume.
 *
 * - ours: the demo stack (API Gateway REST -> SQS -> Lambda worker with idempotency, alarms).
 *   Code-path requests come from the counts (bench/cost/count.ts); batch-dependent ones
 *   (receives, invocations, the event source mapping's deletes) and durations from assumptions.
 * - sync: API Gateway REST straight to a Lambda that calls the downstream synchronously (no
 *   queue, no idempotency, no alarms).
 * - constructs: AWS Solutions Constructs aws-apigateway-sqs + aws-sqs-lambda with their defaults.
 */
import { PRICES, type PriceKey } from "./prices";
import type { Scenario, ScenarioCount } from "./count";
import { accessLogLineBytes, STANDARD_FIELDS_ACCESS_LOG_FORMAT, type StackFacts } from "./stack";

export const PATTERNS = ["ours", "sync", "constructs"] as const;
export type Pattern = (typeof PATTERNS)[number];
export const PATTERN_NAMES: Record<Pattern, string> = {
  ours: "this pipeline (demo stack)",
  sync: "(a) API Gateway -> Lambda, synchronous",
  constructs: "(b) Solutions Constructs apigateway-sqs + sqs-lambda",
};

/** Every assumption the model uses; each is printed and saved with the results. */
export interface Assumptions {
  readonly volumePerMonth: number;
  /** Records per invocation at steady state (batch fullness). */
  readonly batchFill: number;
  readonly faultMix: Readonly<Record<Exclude<Scenario, "happy" | "synthetic">, number>>;
  readonly invocationOverheadMs: number;
  readonly downstreamMs: number;
  readonly dynamoRoundTripMs: number;
  readonly throttleRetryAfterSeconds: number;
  readonly platformLogBytesPerInvocation: number;
  readonly constructsExecutionLogBytesPerRequest: number;
  readonly constructsMaxReceiveCount: number;
  readonly constructsLambdaMemoryMb: number;
  readonly constructsTracesPerInvocation: number;
  readonly syncLambdaMemoryMb: number;
  readonly genesysRetriesOn5xx: number;
  readonly idlePollers: number;
  readonly warmWorkerInstances: number;
  readonly coldStartsPerMonth: number;
  readonly kmsDataKeyReuseSeconds: number;
  readonly idempotencyItemBytes: number;
  readonly spikeMessagesPerNight: number;
  readonly spikeGeneratorSecondsPerNight: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  volumePerMonth: 1_000_000,
  batchFill: 1,
  faultMix: { throttled: 0.01, transient: 0.01, poison: 0.002 },
  invocationOverheadMs: 10,
  downstreamMs: 120,
  dynamoRoundTripMs: 6,
  throttleRetryAfterSeconds: 2,
  platformLogBytesPerInvocation: 600,
  constructsExecutionLogBytesPerRequest: 1500,
  constructsMaxReceiveCount: 15,
  constructsLambdaMemoryMb: 128,
  constructsTracesPerInvocation: 1,
  syncLambdaMemoryMb: 512,
  genesysRetriesOn5xx: 5,
  idlePollers: 5,
  warmWorkerInstances: 1,
  coldStartsPerMonth: 360,
  kmsDataKeyReuseSeconds: 300,
  idempotencyItemBytes: 400,
  spikeMessagesPerNight: 2700,
  spikeGeneratorSecondsPerNight: 240,
};

/** Words for each assumption, for the table and the JSON. */
export const ASSUMPTION_WORDS: Record<keyof Assumptions, string> = {
  volumePerMonth: "webhooks a month the fixed costs are spread over (--volume=N)",
  batchFill:
    "records per worker invocation at steady state (--fill=N); the demo's batching window is 0 s, so at ~0.4 webhook/s a batch holds one record",
  faultMix: "share of webhooks per fault: the default spike profile's mix (lib/runtime/loadgen/profile.ts defaultSpikeProfile)",
  invocationOverheadMs: "billed milliseconds per invocation besides the records (runtime, parsing, signature, EMF flush)",
  downstreamMs: "milliseconds of the one downstream call per delivery (the demo's Genesys receipt)",
  dynamoRoundTripMs: "milliseconds per DynamoDB request on a record's path (the counted requests run one after another)",
  throttleRetryAfterSeconds: "Retry-After of the throttled delivery; the synchronous pattern waits it out inside the function",
  platformLogBytesPerInvocation: "bytes of Lambda's own log events per invocation (platform start and report records)",
  constructsExecutionLogBytesPerRequest:
    "bytes of API Gateway execution logs per request at logging level INFO (the Solutions Constructs default)",
  constructsMaxReceiveCount:
    "Solutions Constructs default maxReceiveCount (core/lib/sqs-defaults.ts defaultMaxReceiveCount); a poison message is then moved by SQS's redrive, which is not a billed request; with no ReportBatchItemFailures a failed record fails its whole batch (no difference at batch fill 1)",
  constructsLambdaMemoryMb: "memory of the aws-sqs-lambda function (their template sets none: Lambda's default 128 MB)",
  constructsTracesPerInvocation:
    "X-Ray traces an active-traced invocation records besides the API Gateway request's (SQS to Lambda links traces rather than continuing them); both sampled by the default rule (1 a second, then 5 %)",
  syncLambdaMemoryMb: "memory of the synchronous function (the same as the demo worker)",
  genesysRetriesOn5xx: "retries Genesys makes of a webhook answered 5xx (then the message is lost)",
  idlePollers: "event source mapping pollers long-polling an idle queue (one 20 s ReceiveMessage each at a time)",
  warmWorkerInstances: "worker instances kept warm at this volume (each reloads the signing secret every 300 s)",
  coldStartsPerMonth: "worker cold starts a month (each reads the signing secret twice and the Genesys credentials once)",
  kmsDataKeyReuseSeconds: "SQS data-key reuse period with SSE-KMS (the default 300 s): one KMS request per principal per period",
  idempotencyItemBytes: "bytes of one idempotency item (key, status, expiry, result)",
  spikeMessagesPerNight: "synthetic messages of the demo's nightly spike (the default profile: about 2,700)",
  spikeGeneratorSecondsPerNight: "billed seconds of the spike generator function per night (run and reconciliation)",
};

/** Billable quantities per webhook, by price. */
export type Quantities = Partial<Record<PriceKey, number>>;

/** The service each price belongs to, for the breakdown. */
export const SERVICE_OF: Record<PriceKey, string> = {
  apiGatewayRestRequest: "API Gateway",
  sqsStandardRequest: "SQS",
  lambdaRequest: "Lambda",
  lambdaArmGbSecond: "Lambda",
  lambdaX86GbSecond: "Lambda",
  dynamoWru: "DynamoDB",
  dynamoRru: "DynamoDB",
  dynamoStorageGbMonth: "DynamoDB",
  dynamoPitrGbMonth: "DynamoDB",
  secretsManagerSecretMonth: "Secrets Manager",
  secretsManagerCall: "Secrets Manager",
  logsIngestGb: "CloudWatch",
  customMetricMonth: "CloudWatch",
  alarmMonth: "CloudWatch",
  dashboardMonth: "CloudWatch",
  kmsKeyMonth: "KMS",
  kmsRequest: "KMS",
  xrayTraceRecorded: "X-Ray",
};
export const SERVICES = ["API Gateway", "SQS", "Lambda", "DynamoDB", "Secrets Manager", "CloudWatch", "X-Ray", "KMS"] as const;

const KIB64 = 65_536;
const GB = 1e9;
const MONTH_SECONDS = 30 * 86_400;

function add(q: Quantities, key: PriceKey, value: number): void {
  q[key] = (q[key] ?? 0) + value;
}

/** Sizes of one webhook as SQS bills it and as the logs record it. */
export interface MessageSizes {
  /** Our ingress's SendMessage payload (base64 body and attributes), bytes. */
  readonly oursPayloadBytes: number;
  /** The Solutions Constructs default template's payload (the raw body), bytes. */
  readonly rawBodyBytes: number;
}

/** Requests for one SQS call carrying `payloadBytes` (each 64 KiB chunk is a request). */
export function sqsChunks(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / KIB64));
}

function weights(a: Assumptions, withFaults: boolean): [Scenario, number][] {
  if (!withFaults) return [["happy", 1]];
  const { throttled, transient, poison } = a.faultMix;
  return [
    ["happy", 1 - throttled - transient - poison],
    ["throttled", throttled],
    ["transient", transient],
    ["poison", poison],
  ];
}

/** Our pipeline, one scenario: counted code-path requests plus the modelled ingress, polling and compute. */
function oursScenario(c: ScenarioCount, a: Assumptions, facts: StackFacts, sizes: MessageSizes): Quantities {
  const q: Quantities = {};
  const fill = a.batchFill;
  const invocations = c.deliveries / fill;
  add(q, "apiGatewayRestRequest", 1);
  add(q, "sqsStandardRequest", sqsChunks(sizes.oursPayloadBytes)); // the ingress's SendMessage
  add(q, "sqsStandardRequest", invocations * sqsChunks(fill * sizes.oursPayloadBytes)); // the mapping's receives
  add(q, "sqsStandardRequest", (c.deliveries - c.failedDeliveries) / fill); // the mapping's DeleteMessageBatch
  for (const [call, n] of Object.entries(c.calls)) {
    if (!call.startsWith("sqs:")) continue;
    add(q, "sqsStandardRequest", call === "sqs:SendMessage" ? n * sqsChunks(c.sendPayloadBytes / Math.max(n, 1e-9)) : n);
  }
  add(q, "dynamoWru", c.wru);
  add(q, "dynamoRru", c.rru);
  add(q, "secretsManagerCall", c.calls["secretsmanager:GetSecretValue"] ?? 0);
  add(q, "lambdaRequest", invocations);
  const dynamoCalls = Object.entries(c.calls)
    .filter(([k]) => k.startsWith("dynamodb:"))
    .reduce((s, [, n]) => s + n, 0);
  const pathMs = a.downstreamMs + (a.dynamoRoundTripMs * dynamoCalls) / c.deliveries;
  // The records of a batch run concurrently (the worker's concurrency 10): an invocation lasts the overhead plus one record's path.
  const gbSeconds = (facts.workerMemoryMb / 1024) * invocations * ((a.invocationOverheadMs + pathMs) / 1000);
  add(q, facts.workerArchitecture === "arm64" ? "lambdaArmGbSecond" : "lambdaX86GbSecond", gbSeconds);
  const logBytes =
    c.deliveries * c.logBytesPerDelivery + invocations * a.platformLogBytesPerInvocation + accessLogLineBytes(facts.accessLogFormat);
  add(q, "logsIngestGb", logBytes / GB);
  return q;
}

/** The synchronous pattern, one scenario (no queue: a failure goes back to Genesys, which retries a 5xx). */
function syncScenario(s: Scenario, happy: ScenarioCount, a: Assumptions, facts: StackFacts): Quantities {
  const q: Quantities = {};
  const requests = s === "transient" ? 2 : s === "poison" ? 1 + a.genesysRetriesOn5xx : 1;
  const waitMs = s === "throttled" ? a.throttleRetryAfterSeconds * 1000 + a.downstreamMs : 0;
  add(q, "apiGatewayRestRequest", requests);
  add(q, "lambdaRequest", requests);
  add(q, "lambdaArmGbSecond", ((a.syncLambdaMemoryMb / 1024) * (requests * (a.invocationOverheadMs + a.downstreamMs) + waitMs)) / 1000);
  const appLogBytes = happy.logBytesPerDelivery - happy.emfBytesPerDelivery; // the handler's own line, no EMF
  const logBytes = requests * (appLogBytes + a.platformLogBytesPerInvocation + accessLogLineBytes(facts.accessLogFormat));
  add(q, "logsIngestGb", logBytes / GB);
  return q;
}

/** X-Ray's default sampling rule (1 request a second, then 5 %) at a steady rate, the share recorded. */
export function xraySampledShare(requestsPerSecond: number): number {
  if (requestsPerSecond <= 0) return 1;
  return (Math.min(requestsPerSecond, 1) + 0.05 * Math.max(0, requestsPerSecond - 1)) / requestsPerSecond;
}

/** The Solutions Constructs pair, one scenario: no partial batch response, retry after the visibility timeout, SQS redrive. */
function constructsScenario(s: Scenario, happy: ScenarioCount, a: Assumptions, sizes: MessageSizes): Quantities {
  const q: Quantities = {};
  const fill = a.batchFill;
  const deliveries = s === "happy" ? 1 : s === "poison" ? a.constructsMaxReceiveCount : 2;
  const invocations = deliveries / fill;
  add(q, "apiGatewayRestRequest", 1);
  add(q, "sqsStandardRequest", sqsChunks(sizes.rawBodyBytes) + invocations * sqsChunks(fill * sizes.rawBodyBytes));
  add(q, "sqsStandardRequest", s === "poison" ? 0 : 1 / fill); // one successful delivery deleted
  add(q, "lambdaRequest", invocations);
  const gbSeconds = (a.constructsLambdaMemoryMb / 1024) * invocations * ((a.invocationOverheadMs + a.downstreamMs) / 1000);
  add(q, "lambdaX86GbSecond", gbSeconds); // their function sets no architecture: x86_64
  const appLogBytes = happy.logBytesPerDelivery - happy.emfBytesPerDelivery;
  const standardAccessLogBytes = accessLogLineBytes(STANDARD_FIELDS_ACCESS_LOG_FORMAT);
  const logBytes =
    deliveries * appLogBytes +
    invocations * a.platformLogBytesPerInvocation +
    standardAccessLogBytes +
    a.constructsExecutionLogBytesPerRequest;
  add(q, "logsIngestGb", logBytes / GB);
  const rate = a.volumePerMonth / MONTH_SECONDS;
  add(q, "xrayTraceRecorded", xraySampledShare(rate) * (1 + a.constructsTracesPerInvocation * invocations));
  return q;
}

/** Per-webhook quantities of a pattern, happy path only or with the default fault mix. */
export function quantities(
  pattern: Pattern,
  counts: Record<Scenario, ScenarioCount>,
  a: Assumptions,
  facts: StackFacts,
  sizes: MessageSizes,
  withFaults: boolean,
): Quantities {
  const total: Quantities = {};
  for (const [s, w] of weights(a, withFaults)) {
    const q =
      pattern === "ours"
        ? oursScenario(counts[s], a, facts, sizes)
        : pattern === "sync"
          ? syncScenario(s, counts.happy, a, facts)
          : constructsScenario(s, counts.happy, a, sizes);
    for (const [k, v] of Object.entries(q)) add(total, k as PriceKey, w * (v as number));
  }
  return total;
}

/** Dollars per million webhooks, by service. */
export function dollarsPerMillion(q: Quantities): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(SERVICES.map((s) => [s, 0]));
  for (const [k, v] of Object.entries(q)) out[SERVICE_OF[k as PriceKey]] += (v as number) * PRICES[k as PriceKey].usd * 1e6;
  return out;
}
