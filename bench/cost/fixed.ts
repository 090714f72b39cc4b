/**
 * Fixed monthly costs of each pattern (what does not follow the number of webhooks), to be
 * amortized at the stated volume: alarms, dashboards, custom metrics, keys, secrets, the idle
 * long polls of the event source mapping, time-based Secrets Manager and KMS requests, the
 * idempotency table's storage and the demo's nightly spike.
 */
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS } from "../../lib/runtime";
import { PRICES, type PriceKey } from "./prices";
import type { Scenario, ScenarioCount } from "./count";
import type { StackFacts } from "./stack";
import { SERVICE_OF, type Assumptions, type Pattern } from "./model";

const MONTH_SECONDS = 30 * 86_400;
const LONG_POLL_SECONDS = 20;
const SECRET_MAX_AGE_SECONDS = 300; // lib/runtime/worker: CREATE_WORKER_DEFAULTS.secretMaxAgeSeconds

export interface FixedLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usdPerMonth: number;
}

function line(item: string, quantity: number, key: PriceKey, unit: string): FixedLine {
  return { service: SERVICE_OF[key], item, quantity, unit, usdPerMonth: quantity * PRICES[key].usd };
}

/** Custom metrics the worker emits at steady state (counted from its EMF output), with or without faults. */
export function emittedMetrics(counts: Record<Scenario, ScenarioCount>, withFaults: boolean): string[] {
  const scenarios: Scenario[] = withFaults ? ["happy", "throttled", "transient", "poison"] : ["happy"];
  return [...new Set(scenarios.flatMap((s) => counts[s].metrics))].sort();
}

function idlePolls(a: Assumptions): FixedLine {
  const receives = (a.idlePollers * MONTH_SECONDS) / LONG_POLL_SECONDS;
  return line("event source mapping: idle long polls (upper bound)", receives, "sqsStandardRequest", "ReceiveMessage");
}

/** Our fixed monthly costs; `spikeUsdPerMessage` prices one synthetic message of the nightly spike. */
function oursFixed(
  counts: Record<Scenario, ScenarioCount>,
  a: Assumptions,
  facts: StackFacts,
  withFaults: boolean,
  spikeUsdPerMessage: number,
): FixedLine[] {
  const secretCalls = a.warmWorkerInstances * 2 * (MONTH_SECONDS / SECRET_MAX_AGE_SECONDS) + a.coldStartsPerMonth * 3;
  const storedGb = ((a.volumePerMonth * DEFAULT_IDEMPOTENCY_TTL_SECONDS) / MONTH_SECONDS) * (a.idempotencyItemBytes / 1e9);
  const spikeMessages = 30 * a.spikeMessagesPerNight;
  const generatorGbSeconds = 30 * ((facts.spikeMemoryMb ?? 1024) / 1024) * a.spikeGeneratorSecondsPerNight;
  const spikeUsd = spikeMessages * spikeUsdPerMessage + generatorGbSeconds * PRICES.lambdaArmGbSecond.usd + 30 * PRICES.lambdaRequest.usd;
  return [
    line("alarms (synthesized stack)", facts.alarms, "alarmMonth", "alarm"),
    line("dashboard", facts.dashboards, "dashboardMonth", "dashboard"),
    line("custom metrics (EMF, counted)", emittedMetrics(counts, withFaults).length, "customMetricMonth", "metric"),
    line("customer managed key (alarm topic)", facts.customerManagedKeys, "kmsKeyMonth", "key"),
    line("secrets (signing, Genesys credentials)", facts.secrets, "secretsManagerSecretMonth", "secret"),
    line("signing-secret reloads and cold-start reads", secretCalls, "secretsManagerCall", "call"),
    idlePolls(a),
    line("idempotency items kept 24 h", storedGb, "dynamoStorageGbMonth", "GB-month"),
    line("point-in-time recovery of them", storedGb, "dynamoPitrGbMonth", "GB-month"),
    {
      service: "nightly spike",
      item: `nightly synthetic spike: ${spikeMessages} messages a month through the pipeline, and the generator`,
      quantity: spikeMessages,
      unit: "synthetic message",
      usdPerMonth: spikeUsd,
    },
  ];
}

/** Fixed monthly costs of a pattern. */
export function fixedLines(
  pattern: Pattern,
  counts: Record<Scenario, ScenarioCount>,
  a: Assumptions,
  facts: StackFacts,
  withFaults: boolean,
  spikeUsdPerMessage: number,
): FixedLine[] {
  if (pattern === "ours") return oursFixed(counts, a, facts, withFaults, spikeUsdPerMessage);
  if (pattern === "sync") return [];
  // SSE-KMS with the AWS managed key aws/sqs: no key fee; one GenerateDataKey/Decrypt per principal
  // (the API Gateway role sending, the mapping receiving) per data-key reuse period.
  const kmsRequests = 2 * (MONTH_SECONDS / a.kmsDataKeyReuseSeconds);
  return [idlePolls(a), line("SSE-KMS data-key requests (aws/sqs)", kmsRequests, "kmsRequest", "request")];
}
