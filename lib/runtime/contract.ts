/**
 * The contract between the constructs and the code that runs in Lambda: every setting
 * a construct passes to a function, declared once. The construct writes the environment
 * with {@link workerEnvironment} / {@link loadgenEnvironment} (values may be Terraform
 * tokens, so nothing is validated at synth); the runtime parses it once at cold start
 * with {@link parseWorkerContract} / {@link parseLoadgenContract}, which fail with an
 * error naming every missing or bad variable.
 *
 * Conventions: one prefix (`GCX_`), durations in seconds, rates per second, unit in the name.
 */
import { z } from "zod";
import { LAMBDA_MAX_BATCHING_WINDOW_SECONDS, LAMBDA_MAX_TIMEOUT_SECONDS, SQS_MAX_VISIBILITY_SECONDS } from "./aws-limits";

export const CONTRACT_PREFIX = "GCX_";

export const INGRESS_KINDS = ["webhook", "eventStreams"] as const;
export type IngressKind = (typeof INGRESS_KINDS)[number];

/**
 * What a synthetic message's downstream calls do (`GCX_SYNTHETIC_DOWNSTREAM`):
 * - `simulate`: every call goes through the rate limit, the breaker and the timeout and is
 *   answered 202 without a network call (`Downstream.call(fn)`, which cannot be simulated, is refused);
 * - `call`: every call is made for real, like a real message's;
 * - `call-genesys`: the Genesys client's calls are made for real, other downstreams simulated.
 */
export const SYNTHETIC_DOWNSTREAM_MODES = ["simulate", "call", "call-genesys"] as const;
export type SyntheticDownstreamMode = (typeof SYNTHETIC_DOWNSTREAM_MODES)[number];

const str = z.string().min(1);
const url = z.string().url();
const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const numFrom = (min: number, max: number) => z.coerce.number().min(min).max(max);
const bool = z.enum(["true", "false"]).transform((v) => v === "true");

/** One variable: its environment name, its schema, and what it means. */
export interface ContractVariable<S extends z.ZodTypeAny, R extends boolean = boolean> {
  readonly env: string;
  readonly schema: S;
  readonly required: R;
  readonly doc: string;
  /** What parsing gives the setting when the environment lacks it; without one an absent setting stays absent. */
  readonly default?: z.output<S>;
}
/** An optional variable with a default: after parsing it is always present. */
export type DefaultedContractVariable<S extends z.ZodTypeAny> = ContractVariable<S, false> & { readonly default: z.output<S> };

function v<S extends z.ZodTypeAny, R extends boolean>(env: string, schema: S, required: R, doc: string): ContractVariable<S, R> {
  return { env: CONTRACT_PREFIX + env, schema, required, doc };
}
/**
 * An optional variable that parses to `value` when absent. `doc` receives the default as
 * text, so the explanation shows the number without restating it.
 */
function withDefault<S extends z.ZodTypeAny>(
  env: string,
  schema: S,
  value: z.output<S>,
  doc: (value: string) => string,
): DefaultedContractVariable<S> {
  return { env: CONTRACT_PREFIX + env, schema, required: false, doc: doc(String(value)), default: value };
}

/** The worker function's settings. */
export const WORKER_CONTRACT = {
  ingressKind: v(
    "INGRESS_KIND",
    z.enum(INGRESS_KINDS),
    true,
    "webhook (signed HTTP) or eventStreams (EventBridge); never guessed from a message",
  ),
  queueUrl: v("QUEUE_URL", url, true, "URL of the queue the worker consumes"),
  queueArn: v("QUEUE_ARN", str, true, "ARN of that queue (the dead-letter context names it as the redrive destination)"),
  dlqUrl: v("DLQ_URL", url, true, "URL of the operational dead-letter queue"),
  quarantineQueueUrl: v("QUARANTINE_QUEUE_URL", url, true, "URL of the synthetic quarantine queue (synthetic dead letters)"),
  fifo: withDefault("FIFO", bool, false, (d) => `true when the queues are FIFO (default ${d})`),
  maxReceiveCount: v(
    "MAX_RECEIVE_COUNT",
    intFrom(1, 1000),
    true,
    "the redrive policy's maxReceiveCount: the worker dead-letters on that attempt itself",
  ),
  signatureSecretArn: v(
    "SIGNATURE_SECRET_ARN",
    str,
    false,
    "ARN of the Secrets Manager secret holding the raw webhook signing secret (required for webhook pipelines)",
  ),
  idempotencyTable: v("IDEMPOTENCY_TABLE", str, true, "name of the idempotency table"),
  idempotencyTtlSeconds: withDefault(
    "IDEMPOTENCY_TTL_SECONDS",
    intFrom(60, 31_536_000),
    86_400,
    (d) => `how long a processed message id is remembered, seconds (default ${d})`,
  ),
  replayWindowSeconds: withDefault(
    "REPLAY_WINDOW_SECONDS",
    intFrom(0, 31_536_000),
    900,
    (d) =>
      `webhook pipelines: how much older than the time SQS first received it a message's signed channel.time may be, seconds (default ${d}; 0 turns the check off)`,
  ),
  receiptsTable: v("RECEIPTS_TABLE", str, false, "name of the synthetic receipts table (required to process synthetic messages)"),
  receiptTtlSeconds: withDefault(
    "RECEIPT_TTL_SECONDS",
    intFrom(60, 31_536_000),
    604_800,
    (d) => `how long receipts are kept, seconds (default ${d})`,
  ),
  downstreamRatePerSecond: withDefault(
    "DOWNSTREAM_RATE_PER_SECOND",
    numFrom(0.001, 100_000),
    1,
    (d) => `per-instance downstream request rate, requests per second (default ${d})`,
  ),
  downstreamBurst: withDefault(
    "DOWNSTREAM_BURST",
    intFrom(1, 100_000),
    1,
    (d) => `per-instance token-bucket burst, requests (default ${d})`,
  ),
  backoffBaseSeconds: withDefault(
    "BACKOFF_BASE_SECONDS",
    intFrom(0, SQS_MAX_VISIBILITY_SECONDS),
    2,
    (d) => `base of the full-jitter exponential backoff, seconds (default ${d})`,
  ),
  backoffMaxSeconds: withDefault(
    "BACKOFF_MAX_SECONDS",
    intFrom(0, SQS_MAX_VISIBILITY_SECONDS),
    900,
    (d) => `cap of any redelivery delay, seconds (default ${d}; SQS allows ${SQS_MAX_VISIBILITY_SECONDS})`,
  ),
  genesysRegion: withDefault(
    "GENESYS_REGION",
    str,
    "us-east-1",
    (d) => `Genesys Cloud region as the provider names it, e.g. eu-west-1 (default ${d})`,
  ),
  genesysCredentialsSecretArn: v(
    "GENESYS_CREDENTIALS_SECRET_ARN",
    str,
    false,
    "ARN of a secret holding the Genesys OAuth client credentials as JSON {clientId, clientSecret}",
  ),
  genesysApiBaseUrl: v("GENESYS_API_BASE_URL", url, false, "override of https://api.<region domain> (a local fake downstream)"),
  genesysLoginBaseUrl: v("GENESYS_LOGIN_BASE_URL", url, false, "override of https://login.<region domain> (a local fake downstream)"),
  // The default, simulate: the nightly spike calls no real downstream.
  syntheticDownstream: withDefault(
    "SYNTHETIC_DOWNSTREAM",
    z.enum(SYNTHETIC_DOWNSTREAM_MODES),
    "simulate",
    (d) =>
      `what the downstream calls of a synthetic message do: ${d} (default: through the rate limit and timeout, refused while the breaker is open but never counted by it, answered 202 without a network call), call (every downstream for real) or call-genesys (the Genesys client for real, other downstreams simulated)`,
  ),
  syntheticDownstreamTarget: v(
    "SYNTHETIC_DOWNSTREAM_TARGET",
    str,
    false,
    "what synthetic messages call for real, as the team names it (e.g. Genesys sandbox org acme-test); required unless SYNTHETIC_DOWNSTREAM is simulate; in the worker's logs",
  ),
} as const;

/** The default of `GCX_SYNTHETIC_DOWNSTREAM` (the contract's). */
export const DEFAULT_SYNTHETIC_DOWNSTREAM: SyntheticDownstreamMode = WORKER_CONTRACT.syntheticDownstream.default;

/**
 * What a worker's handler uses, beyond what every worker needs: `genesys` (it calls
 * `ctx.genesys`), `synthetic` (it receives the synthetic spike's messages). Synth cannot see
 * what a handler calls, so the stack declares it (the Worker prop `genesys`).
 */
export type WorkerCapability = "genesys" | "synthetic";

/** The settings each capability needs, and how a stack provides them. */
export const WORKER_CAPABILITY_SETTINGS: Readonly<Record<WorkerCapability, readonly { readonly env: string; readonly fix: string }[]>> = {
  genesys: [
    {
      env: CONTRACT_PREFIX + "GENESYS_CREDENTIALS_SECRET_ARN",
      fix: 'declare the Genesys credentials on the worker: genesys: { createCredentialsSecret: true } (then put {"clientId","clientSecret"} in the created secret) or genesys: { credentialsSecretArn: "<ARN>" }, on the Worker construct or on ConsumerPipeline\'s worker',
    },
  ],
  synthetic: [
    {
      env: CONTRACT_PREFIX + "RECEIPTS_TABLE",
      fix: "keep the pipeline's receipts table (tables.receipts) or give tables.existing.receipts",
    },
  ],
};

/**
 * The settings missing from a worker's environment for what its handler uses: every required
 * contract variable, the signing secret of a webhook worker, and each capability's settings.
 * Values are only checked for presence (at synth they are Terraform references). An empty
 * list when nothing is missing; each entry names the variable and the fix.
 */
export function missingWorkerSettings(
  env: Readonly<Record<string, string | undefined>>,
  capabilities: readonly WorkerCapability[],
): string[] {
  const present = (name: string) => env[name] !== undefined && env[name] !== "";
  const missing: string[] = [];
  for (const variable of Object.values(WORKER_CONTRACT)) {
    if (variable.required && !present(variable.env)) missing.push(`${variable.env} (${variable.doc})`);
  }
  if (env[WORKER_CONTRACT.ingressKind.env] !== "eventStreams" && !present(WORKER_CONTRACT.signatureSecretArn.env)) {
    missing.push(`${WORKER_CONTRACT.signatureSecretArn.env} (required when ${WORKER_CONTRACT.ingressKind.env}=webhook)`);
  }
  const mode = env[WORKER_CONTRACT.syntheticDownstream.env] ?? WORKER_CONTRACT.syntheticDownstream.default;
  if (mode !== "simulate" && !present(WORKER_CONTRACT.syntheticDownstreamTarget.env)) {
    missing.push(`${WORKER_CONTRACT.syntheticDownstreamTarget.env} (required when ${WORKER_CONTRACT.syntheticDownstream.env}=${mode})`);
  }
  for (const capability of new Set(capabilities)) {
    for (const setting of WORKER_CAPABILITY_SETTINGS[capability]) {
      if (!present(setting.env)) missing.push(`${setting.env} (the handler uses ${capability}: ${setting.fix})`);
    }
  }
  return missing;
}

/** The load-generator function's settings. */
export const LOADGEN_CONTRACT = {
  targetUrl: v("TARGET_URL", url, true, "the ingress URL the generator sends to"),
  signatureSecretArn: v("SIGNATURE_SECRET_ARN", str, true, "ARN of the secret the generator signs with"),
  apiKeySecretArn: v(
    "API_KEY_SECRET_ARN",
    str,
    false,
    "ARN of the secret holding the ingress's current edge API key (sent in x-api-key; read at the start of a run and again after a 403); without it no key is sent",
  ),
  receiptsTable: v("RECEIPTS_TABLE", str, false, "receipts table to reconcile against (without it only the ingress side is reported)"),
  dlqUrl: v("DLQ_URL", url, false, "operational DLQ, peeked for messages of the run (unexpected)"),
  quarantineQueueUrl: v("QUARANTINE_QUEUE_URL", url, false, "synthetic quarantine queue, drained of the run's messages"),
  queueUrl: v(
    "QUEUE_URL",
    url,
    false,
    "the ingress queue the worker consumes; its redrive policy is checked against the DLQ (without it the check is skipped)",
  ),
  workerMaxReceiveCount: v(
    "WORKER_MAX_RECEIVE_COUNT",
    intFrom(1, 1000),
    false,
    "the worker's maxReceiveCount; the queue's redrive policy must not be lower (without it not checked)",
  ),
  // the pipeline's retry settings: the reconciliation deadline derives from them with WORKER_MAX_RECEIVE_COUNT (lib/runtime/loadgen/deadline.ts)
  // Absent means "as the worker's default" (the deadline applies it), not a value of its own.
  workerBackoffBaseSeconds: v(
    "WORKER_BACKOFF_BASE_SECONDS",
    intFrom(0, SQS_MAX_VISIBILITY_SECONDS),
    false,
    `the worker's backoff base, seconds (default: the worker's ${WORKER_CONTRACT.backoffBaseSeconds.default})`,
  ),
  workerBackoffMaxSeconds: v(
    "WORKER_BACKOFF_MAX_SECONDS",
    intFrom(0, SQS_MAX_VISIBILITY_SECONDS),
    false,
    `the worker's backoff cap, seconds (default: the worker's ${WORKER_CONTRACT.backoffMaxSeconds.default})`,
  ),
  workerTimeoutSeconds: v(
    "WORKER_TIMEOUT_SECONDS",
    intFrom(1, LAMBDA_MAX_TIMEOUT_SECONDS),
    false,
    "the worker function's timeout, seconds: caps one attempt's processing in the derived deadline (default: no cap)",
  ),
  workerBatchingWindowSeconds: v(
    "WORKER_BATCHING_WINDOW_SECONDS",
    intFrom(0, LAMBDA_MAX_BATCHING_WINDOW_SECONDS),
    false,
    "the worker's event source batching window, seconds (default 0)",
  ),
  queueVisibilityTimeoutSeconds: v(
    "QUEUE_VISIBILITY_TIMEOUT_SECONDS",
    intFrom(0, SQS_MAX_VISIBILITY_SECONDS),
    false,
    "the ingress queue's visibility timeout, seconds (reported with the derived deadline)",
  ),
  profile: v("PROFILE", str, true, "the default profile, JSON"),
  agentCapacityPerSecond: withDefault(
    "AGENT_CAPACITY_PER_SECOND",
    numFrom(1, 100_000),
    200,
    (d) => `messages per second one agent invocation offers before the controller fans out (default ${d})`,
  ),
  functionName: v("FUNCTION_NAME", str, false, "this function's own name, for fan-out invocations (default: AWS_LAMBDA_FUNCTION_NAME)"),
  metricsNamespace: withDefault(
    "METRICS_NAMESPACE",
    str,
    "GenesysConsumer/Spike",
    (d) => `CloudWatch namespace of the verdict metrics (default ${d})`,
  ),
  runName: v("RUN_NAME", str, false, "a name for the run in reports and metrics (default: the function name)"),
  reportsBucket: v(
    "REPORTS_BUCKET",
    str,
    false,
    "S3 bucket keeping each run's JSON and HTML report, the history index and the trend page (without it the report is only logged)",
  ),
  reportsPrefix: withDefault(
    "REPORTS_PREFIX",
    z.string(),
    "spike-reports/",
    (d) => `key prefix of the reports in that bucket, ending with / or empty (default ${d})`,
  ),
  historyLength: withDefault("HISTORY_LENGTH", intFrom(1, 1000), 90, (d) => `runs the history index and trend page keep (default ${d})`),
  // the report's backpressure charts, read from CloudWatch after the run (lib/runtime/loadgen/backpressure.ts)
  queueName: v(
    "QUEUE_NAME",
    str,
    false,
    "the ingress queue's name (AWS/SQS QueueName): with it the generator reads the run's backpressure metrics from CloudWatch (without it the report has no backpressure block)",
  ),
  dlqName: v("DLQ_NAME", str, false, "the operational DLQ's name, for the dead-letter series (default: none)"),
  quarantineQueueName: v(
    "QUARANTINE_QUEUE_NAME",
    str,
    false,
    "the quarantine queue's name, added to the dead-letter series (default: none)",
  ),
  workerFunctionName: v(
    "WORKER_FUNCTION_NAME",
    str,
    false,
    "the worker function's name (AWS/Lambda FunctionName), for the concurrency series (default: none)",
  ),
  eventSourceMappingUuid: v(
    "EVENT_SOURCE_MAPPING_UUID",
    str,
    false,
    "the worker's event source mapping's UUID, for the events-polled series (default: none)",
  ),
  workerMetricsNamespace: v(
    "WORKER_METRICS_NAMESPACE",
    str,
    false,
    "the worker's EMF namespace, for the downstream calls and 429s (default GenesysConsumer)",
  ),
} as const;

export type ContractDefinition = Record<string, ContractVariable<z.ZodTypeAny>>;
/** True for a variable that is always present after parsing: required, or with a default. */
export type IsAlwaysPresent<V> = V extends { readonly required: true } ? true : V extends { readonly default: unknown } ? true : false;
/** The settings as parsed: required and defaulted ones present, the others optional. */
export type ParsedContract<C extends ContractDefinition> = {
  [K in keyof C as IsAlwaysPresent<C[K]> extends true ? K : never]: z.output<C[K]["schema"]>;
} & {
  [K in keyof C as IsAlwaysPresent<C[K]> extends true ? never : K]?: z.output<C[K]["schema"]>;
};
/** The settings before defaults are filled in: only required ones present. */
export type ContractInput<C extends ContractDefinition> = {
  [K in keyof C as C[K]["required"] extends true ? K : never]: z.output<C[K]["schema"]>;
} & {
  [K in keyof C as C[K]["required"] extends true ? never : K]?: z.output<C[K]["schema"]>;
};
export type ContractEnvironment<C extends ContractDefinition> = { [K in keyof C]?: string | number | boolean };

/** The worker's settings as parsed, every default filled in. */
export type WorkerContract = ParsedContract<typeof WORKER_CONTRACT>;
/** The worker's settings before defaults are filled in (an absent optional setting takes the contract's default). */
export type WorkerContractInput = ContractInput<typeof WORKER_CONTRACT>;
/** The load generator's settings as parsed, every default filled in. */
export type LoadgenContract = ParsedContract<typeof LOADGEN_CONTRACT>;

/** Thrown at cold start when the environment does not satisfy the contract. */
export class ContractError extends Error {
  override readonly name = "ContractError";
  constructor(readonly problems: string[]) {
    super(`invalid function environment:\n  - ${problems.join("\n  - ")}`);
  }
}

function parse<C extends ContractDefinition>(contract: C, env: Record<string, string | undefined>): ParsedContract<C> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, variable] of Object.entries(contract)) {
    const raw = env[variable.env];
    if (raw === undefined || raw === "") {
      if (variable.required) problems.push(`${variable.env} is missing (${variable.doc})`);
      else if (variable.default !== undefined) out[key] = variable.default;
      continue;
    }
    const result = variable.schema.safeParse(raw);
    if (result.success) out[key] = result.data;
    else
      problems.push(
        `${variable.env}=${JSON.stringify(raw.slice(0, 200))} is invalid: ${result.error.issues.map((i) => i.message).join(", ")} (${variable.doc})`,
      );
  }
  if (problems.length) throw new ContractError(problems);
  return out as ParsedContract<C>;
}

function write<C extends ContractDefinition>(contract: C, values: ContractEnvironment<C>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const variable = contract[key];
    if (!variable) throw new Error(`unknown contract setting "${key}"`);
    env[variable.env] = String(value);
  }
  return env;
}

/** Parses the worker's environment; throws a {@link ContractError} naming every bad variable. */
export function parseWorkerContract(env: Record<string, string | undefined> = process.env): WorkerContract {
  const parsed = parse(WORKER_CONTRACT, env);
  if (parsed.ingressKind === "webhook" && !parsed.signatureSecretArn) {
    throw new ContractError([
      `${WORKER_CONTRACT.signatureSecretArn.env} is missing (required when ${WORKER_CONTRACT.ingressKind.env}=webhook)`,
    ]);
  }
  const mode = parsed.syntheticDownstream;
  if (mode !== "simulate" && !parsed.syntheticDownstreamTarget) {
    throw new ContractError([
      `${WORKER_CONTRACT.syntheticDownstreamTarget.env} is missing (required when ${WORKER_CONTRACT.syntheticDownstream.env}=${mode}: name what synthetic messages call for real)`,
    ]);
  }
  return parsed;
}

/**
 * The worker's settings with every absent optional setting given the contract's default, as
 * {@link parseWorkerContract} would (settings already given, including 0 and false, are kept).
 * For a contract built in code rather than parsed; nothing is validated.
 */
export function withWorkerDefaults(settings: WorkerContractInput): WorkerContract {
  return fillDefaults(WORKER_CONTRACT, settings) as WorkerContract;
}

/** `values` with each of `contract`'s defaults filled in where the value is undefined. */
function fillDefaults<C extends ContractDefinition>(contract: C, values: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const [key, variable] of Object.entries(contract)) {
    if (out[key] === undefined && variable.default !== undefined) out[key] = variable.default;
  }
  return out;
}

/** Parses the load generator's environment; throws a {@link ContractError} naming every bad variable. */
export function parseLoadgenContract(env: Record<string, string | undefined> = process.env): LoadgenContract {
  return parse(LOADGEN_CONTRACT, env);
}

/** The environment a construct gives the worker function (values may be Terraform tokens). */
export function workerEnvironment(values: ContractEnvironment<typeof WORKER_CONTRACT>): Record<string, string> {
  return write(WORKER_CONTRACT, values);
}

/** The environment a construct gives the load-generator function. */
export function loadgenEnvironment(values: ContractEnvironment<typeof LOADGEN_CONTRACT>): Record<string, string> {
  return write(LOADGEN_CONTRACT, values);
}
