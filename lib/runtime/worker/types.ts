import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { WorkerContractInput } from "../contract";
import type { CircuitBreakerOptions, Downstream, DownstreamOptions } from "../genesys/downstream";
import type { GenesysClient } from "../genesys/client";
import type { GenesysEventBridgeEvent, NormalizedMessage } from "../normalized-message";
import type { SyntheticMarker } from "../synthetic";

/** What a handler sees besides the message. */
export interface WorkerContext {
  /**
   * The Genesys Platform API client (rate-limited, Retry-After aware, circuit breaker). Needs
   * the stack to declare the credentials (Worker prop `genesys`); otherwise its first call
   * throws a `GenesysNotConfiguredError` naming that prop. For a synthetic message it is the
   * same client (same budget, same breaker) whose requests are simulated (202, no network)
   * unless the stack opted in with `synthetic: { downstream: "call" | "call-genesys", target }`.
   */
  readonly genesys: GenesysClient;
  /**
   * Wraps any other downstream with the same rules: `ctx.downstream("crm").fetch(url, init)`
   * or `.call(signal => sdk.send(...))`. One wrapper per name and instance: the timeout, the
   * breaker and the invocation deadline always; a rate limit when `downstreams[name]` of
   * {@link CreateWorkerOptions} sets one. For a synthetic message `fetch` is simulated (202, no
   * network) and `call` throws a `SimulatedCallRefusedError` (permanent), unless the stack
   * opted in with `synthetic: { downstream: "call", target }`.
   */
  readonly downstream: (name: string) => Downstream;
  /** A logger carrying the message id (and the run id of a synthetic message). */
  readonly logger: Logger;
  /** The receive count of this delivery, from 1. */
  readonly attempt: number;
  /** The SQS message id. */
  readonly messageId: string;
  /** The Lambda request id of this invocation. */
  readonly requestId: string;
  /** The synthetic marker, undefined for a real message. */
  readonly synthetic?: SyntheticMarker;
  /** The idempotency key of the message. */
  readonly idempotencyKey: string;
}

/** The user's code. Throw RetryableError / PermanentError (or anything: retryable) to fail a message. */
export interface WorkerHandlers {
  /** A real Genesys message (webhook pipelines). Runs at most once to completion per message. */
  handle?(message: NormalizedMessage, ctx: WorkerContext): Promise<void>;
  /**
   * What a synthetic message does instead of `handle`, after its simulated work and fault
   * marker. Its `ctx.genesys` and `ctx.downstream(name).fetch` calls are simulated by default
   * (see {@link WorkerContext.genesys}). Default: nothing beyond the simulated work.
   */
  handleSynthetic?(message: NormalizedMessage, ctx: WorkerContext): Promise<void>;
  /** A Genesys Event Streams event (eventStreams pipelines). */
  handleEvent?(event: GenesysEventBridgeEvent, ctx: WorkerContext): Promise<void>;
}

/**
 * Settings and injected dependencies of {@link createWorker}; every field is optional. (Not the
 * constructs' `WorkerOptions`, which are the props of a pipeline's worker.) Defaults that are
 * not contract settings: `CREATE_WORKER_DEFAULTS` (./setup.ts).
 */
export interface CreateWorkerOptions {
  /** The environment the contract is parsed from. Default process.env. */
  readonly env?: Record<string, string | undefined>;
  /** The contract's settings, given in code (tests); absent optional ones take the contract's defaults. Default: parsed from `env` at creation. */
  readonly contract?: WorkerContractInput;
  /** Default: a client from the standard configuration (honours AWS_ENDPOINT_URL_SQS). */
  readonly sqs?: SQSClient;
  /** Default: a client from the standard configuration (honours AWS_ENDPOINT_URL_DYNAMODB). */
  readonly dynamodb?: DynamoDBClient;
  /** Default: a client from the standard configuration (honours AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  readonly secretsManager?: SecretsManagerClient;
  /** Default: a client built from the contract (region, base URLs, credentials secret, rate). */
  readonly genesys?: GenesysClient;
  /** Default: a Powertools logger, service "genesys-consumer-worker", level from POWERTOOLS_LOG_LEVEL (default INFO). */
  readonly logger?: Logger;
  /** Default: Powertools metrics, namespace from POWERTOOLS_METRICS_NAMESPACE (default "GenesysConsumer"). */
  readonly metrics?: Metrics;
  /** The idempotency key of a message. Default: `channel.id:<party id>:<message id>` (ordering key + id). */
  readonly idempotencyKey?: (message: NormalizedMessage) => string;
  /** The idempotency key of an Event Streams event. Default: the EventBridge event id. */
  readonly eventIdempotencyKey?: (event: GenesysEventBridgeEvent) => string;
  /** Records of a standard queue processed at once, records. Default 10. (FIFO: one at a time per group.) */
  readonly concurrency?: number;
  /** Circuit breaker of the Genesys client and of `ctx.downstream(...)`. Default 5 consecutive failures, 30 s open. */
  readonly breaker?: CircuitBreakerOptions;
  /**
   * Settings of `ctx.downstream(name)`, by name: `ratePerSecond` and `burst` (a per-instance
   * token bucket; divide the downstream's limit by the worker's maximum concurrency),
   * `maxWaitMs`, `timeoutMs`, `breaker`, `isFailure`. A name not listed gets the 10 s timeout
   * and `breaker`, and no rate limit.
   */
  readonly downstreams?: Readonly<Record<string, Omit<DownstreamOptions, "name">>>;
  /** Shortest time between signing-secret reloads caused by a signature miss, seconds. Default 30. */
  readonly secretRefreshMinIntervalSeconds?: number;
  /** Cached signing-secret versions are reloaded when older than this, seconds. Default 300. */
  readonly secretMaxAgeSeconds?: number;
  /** Records not started when less than this remains of the invocation are reported failed untouched, milliseconds. Default 2000. */
  readonly timeoutMarginMs?: number;
  /** Uniform random source in [0, 1) for the backoff jitter. Default Math.random. */
  readonly random?: () => number;
}
