/**
 * What `createWorker` does once, at cold start: parse the contract (defaults filled in),
 * check the handlers fit the pipeline, and build the clients, secrets and downstream wrappers
 * every invocation uses ({@link WorkerDeps}).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { parseWorkerContract, withWorkerDefaults, type WorkerContract } from "../contract";
import { defaultIdempotencyKey, type GenesysEventBridgeEvent } from "../normalized-message";
import { IDEMPOTENCY_TABLE } from "../tables";
import type { WorkerDeps } from "./deps";
import { realDownstreams, syntheticDownstreams } from "./downstreams";
import type { WorkerMetricName } from "./metrics";
import { CompletionRetryingPersistenceLayer } from "./persistence";
import { RotatingSecret } from "./secrets";
import type { CreateWorkerOptions, WorkerHandlers } from "./types";

/**
 * The defaults of {@link CreateWorkerOptions} that are not contract settings (those default in
 * the contract, lib/runtime/contract.ts).
 */
export const CREATE_WORKER_DEFAULTS = {
  /** Records of a standard queue processed at once. */
  concurrency: 10,
  /** Records not started when less than this remains of the invocation, milliseconds. */
  timeoutMarginMs: 2000,
  /** Shortest time between signing-secret reloads caused by a signature miss, seconds. */
  secretRefreshMinIntervalSeconds: 30,
  /** Age at which cached signing-secret versions are reloaded, seconds. */
  secretMaxAgeSeconds: 300,
  /** The metrics namespace without POWERTOOLS_METRICS_NAMESPACE. */
  metricsNamespace: "GenesysConsumer",
  /** The Powertools service name of the logger and the metrics. */
  serviceName: "genesys-consumer-worker",
} as const;

/** Throws a TypeError when the pipeline's ingress kind has no handler to run, a RangeError for a bad concurrency. */
function checkHandlers(contract: WorkerContract, handlers: WorkerHandlers, concurrency: number): void {
  if (contract.ingressKind === "webhook" && typeof handlers.handle !== "function") {
    throw new TypeError("createWorker: a webhook pipeline (GCX_INGRESS_KIND=webhook) needs handlers.handle(message, ctx)");
  }
  if (contract.ingressKind === "eventStreams" && typeof handlers.handleEvent !== "function") {
    throw new TypeError("createWorker: an eventStreams pipeline (GCX_INGRESS_KIND=eventStreams) needs handlers.handleEvent(event, ctx)");
  }
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`createWorker: concurrency must be an integer >= 1, got ${concurrency}`);
}

/**
 * Builds a worker instance's dependencies from `options`: the given contract (defaults filled
 * in) or one parsed from the environment, which throws a ContractError naming every bad variable.
 */
export function workerDeps(handlers: WorkerHandlers, options: CreateWorkerOptions): WorkerDeps {
  const contract = options.contract ? withWorkerDefaults(options.contract) : parseWorkerContract(options.env ?? process.env);
  const concurrency = options.concurrency ?? CREATE_WORKER_DEFAULTS.concurrency;
  checkHandlers(contract, handlers, concurrency);

  const sqs = options.sqs ?? new SQSClient({});
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  let secretsManager = options.secretsManager;
  // Created on first use: only webhook pipelines and Genesys credentials need it.
  const secrets = () => (secretsManager ??= new SecretsManagerClient({}));
  const { serviceName } = CREATE_WORKER_DEFAULTS;
  const logger = options.logger ?? new Logger({ serviceName });
  const metrics =
    options.metrics ??
    new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? CREATE_WORKER_DEFAULTS.metricsNamespace, serviceName });
  const count = (name: WorkerMetricName, value = 1) => metrics.addMetric(name, MetricUnit.Count, value);

  const signingSecret =
    contract.ingressKind === "webhook"
      ? new RotatingSecret(secrets(), contract.signatureSecretArn as string, {
          minRefreshIntervalMs: (options.secretRefreshMinIntervalSeconds ?? CREATE_WORKER_DEFAULTS.secretRefreshMinIntervalSeconds) * 1000,
          maxAgeMs: (options.secretMaxAgeSeconds ?? CREATE_WORKER_DEFAULTS.secretMaxAgeSeconds) * 1000,
        })
      : undefined;
  const real = realDownstreams(contract, options, secrets);
  const synthetic = syntheticDownstreams(contract, real, count);
  logger.info("synthetic messages' downstream calls", {
    syntheticDownstream: contract.syntheticDownstream,
    target: synthetic.target ?? "none (simulated, no network call)",
  });

  const persistenceStore = new CompletionRetryingPersistenceLayer({
    tableName: contract.idempotencyTable,
    keyAttr: IDEMPOTENCY_TABLE.partitionKey,
    expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
    awsSdkV3Client: dynamodb,
  });
  return {
    handlers,
    contract,
    sqs,
    documents: DynamoDBDocumentClient.from(dynamodb),
    logger,
    metrics,
    count,
    random: options.random ?? Math.random,
    timeoutMarginMs: options.timeoutMarginMs ?? CREATE_WORKER_DEFAULTS.timeoutMarginMs,
    concurrency,
    signingSecret,
    idempotencyKeyOf: options.idempotencyKey ?? defaultIdempotencyKey,
    eventKeyOf: options.eventIdempotencyKey ?? ((event: GenesysEventBridgeEvent) => event.id),
    persistenceStore,
    real,
    synthetic,
  };
}
