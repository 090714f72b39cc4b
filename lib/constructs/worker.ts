/**
 * The worker: a Lambda function bundled from the user's entry file, its log group, a
 * least-privilege role, and the SQS event source mapping (batch size, batching window,
 * maximum concurrency, partial batch responses). Its environment is written only through
 * the shared contract (`workerEnvironment`).
 */
import { Construct } from "constructs";
import { Annotations, Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import {
  CONTRACT_PREFIX,
  DEFAULT_SYNTHETIC_DOWNSTREAM,
  IngressKind,
  SYNTHETIC_DOWNSTREAM_MODES,
  workerEnvironment,
} from "../runtime/contract";
import { DEFAULT_REPLAY_WINDOW_SECONDS, MIN_REPLAY_WINDOW_SECONDS, SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS } from "../runtime/replay-window";
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS } from "../runtime/tables";
import { LAMBDA_MAX_BATCHING_WINDOW_SECONDS, LAMBDA_MAX_TIMEOUT_SECONDS, LAMBDA_MEMORY_MB } from "../runtime/aws-limits";
import { BundleProps, BundledFunction, bundleFunction } from "./bundle";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { DEFAULT_LOG_RETENTION_DAYS, checkLogRetention } from "./log-retention";
import { NAME_LIMITS, physicalName } from "./naming";
import { PolicyStatement, assumeRolePolicy, policyDocument } from "./policy";
import { TableRef } from "./pipeline-tables";
import { GenesysCredentialsSecret, GenesysCredentialsSecretRef } from "./pipeline-secrets";
import { INVOKES_PER_PROVISIONED_POLLER, PROVISIONED_POLLERS_RANGE } from "../runtime/aws-limits";

/** Worker defaults, one place. */
export const WORKER_DEFAULTS = {
  handler: "handler",
  runtime: "nodejs22.x",
  memorySizeMb: 512,
  timeoutSeconds: 30,
  architecture: "arm64",
  tracing: "PassThrough",
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  batchSize: 10,
  batchingWindowSeconds: 0,
  maxConcurrency: 5,
  downstreamRequestsPerMinute: 300,
} as const;

/** The SQS event source mapping's limits. */
export const MAX_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;

export { INVOKES_PER_PROVISIONED_POLLER, PROVISIONED_POLLERS_RANGE };

/** The event source mapping's provisioned mode: how many dedicated event pollers Lambda keeps. */
export interface ProvisionedPollers {
  /** Pollers kept at all times, even on an idle queue (billed). 2..200. @default 2 (AWS's) */
  readonly minimum?: number;
  /** Pollers the mapping may scale up to. 2..10,000, at least `minimum`. @default 200 (AWS's) */
  readonly maximum?: number;
}

/** The worker settings a user gives (also the `worker` option of `ConsumerPipeline`). */
export interface WorkerOptions {
  /** The handler's entry file (TypeScript or JavaScript), absolute or relative to the working directory. */
  readonly entry: string;
  /**
   * Name of the handler export in the entry file.
   * @default "handler"
   */
  readonly handler?: string;
  /**
   * Lambda runtime.
   * @default "nodejs22.x"
   */
  readonly runtime?: string;
  /**
   * Memory, MB (128..10240); CPU scales with it.
   * @default 512
   */
  readonly memorySizeMb?: number;
  /**
   * Function timeout, seconds (1..900). The queue's visibility timeout is derived from it
   * (6 x this + the batching window).
   * @default 30
   */
  readonly timeoutSeconds?: number;
  /**
   * Instruction set.
   * @default "arm64"
   */
  readonly architecture?: "arm64" | "x86_64";
  /**
   * Reserved concurrency, instances. When set it must be at least `maxConcurrency`; with
   * `provisionedPollers` it is the cap on instances (and the downstream budget's divisor).
   * @default none (the account's unreserved pool)
   */
  readonly reservedConcurrency?: number;
  /**
   * Subnets and security groups to run in (the role then gets AWSLambdaVPCAccessExecutionRole).
   * @default none (no VPC)
   */
  readonly vpc?: { readonly subnetIds: string[]; readonly securityGroupIds: string[] };
  /**
   * X-Ray tracing mode (`Active` also attaches AWSXRayDaemonWriteAccess).
   * @default "PassThrough"
   */
  readonly tracing?: "Active" | "PassThrough";
  /**
   * Retention of the function's log group, days (a value CloudWatch Logs accepts).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * ARN of a customer-managed KMS key encrypting the log group.
   * @default none (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: string;
  /**
   * Messages per invocation (1..10000; at most 10 on FIFO queues; above 10 needs a batching
   * window). The event source mapping also stops a batch at Lambda's 6 MB payload limit.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source mapping gathers a batch, seconds (0..300; not on FIFO queues).
   * @default 0
   */
  readonly batchingWindowSeconds?: number;
  /**
   * Most concurrent invocations the event source mapping starts, instances (2..1000).
   * This is where the pace is set: the downstream budget is shared among these instances.
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Provisioned mode for the SQS event source mapping (`provisioned_poller_config`, AWS
   * 2025-11): Lambda keeps `minimum` dedicated pollers ready and scales them up to `maximum`,
   * which starts invocations faster in a spike than standard mode (5 concurrent invocations,
   * then up to 300 more a minute). Billed per poller, `minimum` always. AWS does not combine it
   * with the mapping's maximum concurrency, so `maxConcurrency` must not be set with it; cap the
   * instances with `reservedConcurrency` instead. The downstream budget is then split among
   * `reservedConcurrency` instances, or, without it, `maximum x 10` (the most invocations the
   * pollers drive). The local emulator does not reproduce provisioned pollers.
   * @default none (standard mode, capped by `maxConcurrency`)
   */
  readonly provisionedPollers?: ProvisionedPollers;
  /**
   * The downstream request budget of the whole pipeline, requests per minute (Genesys
   * Platform API: 300 per client-credentials token by default). Each instance gets
   * `downstreamRequestsPerMinute / 60 / maxConcurrency` requests per second.
   * @default 300
   */
  readonly downstreamRequestsPerMinute?: number;
  /**
   * Per-instance token-bucket burst, requests.
   * @default the runtime's default, see `GCX_DOWNSTREAM_BURST` in the contract (lib/runtime/contract.ts)
   */
  readonly downstreamBurst?: number;
  /** Base of the full-jitter backoff, seconds. @default the runtime's default, see `GCX_BACKOFF_BASE_SECONDS` in the contract */
  readonly backoffBaseSeconds?: number;
  /** Cap of any redelivery delay, seconds. @default the runtime's default, see `GCX_BACKOFF_MAX_SECONDS` in the contract */
  readonly backoffMaxSeconds?: number;
  /**
   * How long a processed message id is remembered, seconds.
   * @default the runtime's default, see `GCX_IDEMPOTENCY_TTL_SECONDS` in the contract
   */
  readonly idempotencyTtlSeconds?: number;
  /**
   * Webhook pipelines: how much older than the time SQS first received it (`SentTimestamp`,
   * carried across redrives) a message's signed `channel.time` may be, seconds; an older one is
   * dead-lettered with reason `stale`, so a replay is refused even after its idempotency record
   * expired. 0 turns the check off. Otherwise 300 (Genesys' ~85 s of retries, with room) up to
   * `idempotencyTtlSeconds` - 300, so a replay inside the window still meets its idempotency record.
   * @default the runtime's default, see `GCX_REPLAY_WINDOW_SECONDS` in the contract
   */
  readonly replayWindowSeconds?: number;
  /** How long synthetic receipts are kept, seconds. @default the runtime's default, see `GCX_RECEIPT_TTL_SECONDS` in the contract */
  readonly receiptTtlSeconds?: number;
  /**
   * Extra environment variables for the handler's own settings. Names starting with
   * `GCX_` are reserved for the contract. Never put secret values here: pass an ARN.
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Bundling options (external modules, define, minify). @default esbuild defaults of {@link bundleFunction} */
  readonly bundling?: Omit<BundleProps, "entry">;
  /**
   * What the handler uses of Genesys. Synth cannot see what a handler calls, so a worker whose
   * handler calls `ctx.genesys` declares its OAuth client credentials here:
   * `{ createCredentialsSecret: true }` creates an empty secret the team fills after deploy
   * (no value in Terraform state), `{ credentialsSecretArn }` uses an existing one. Either way
   * the worker gets `GCX_GENESYS_CREDENTIALS_SECRET_ARN` and secretsmanager:GetSecretValue on
   * it (kms:Decrypt on `kmsKeyArn`). The Genesys region and base URLs are the pipeline's
   * `genesys` option.
   * @default none: the worker has no Genesys credentials, and each `ctx.genesys` call fails
   * (retryable, then dead-lettered `exhausted`) with an error naming this prop
   */
  readonly genesys?: WorkerGenesysOptions;
  /**
   * What the downstream calls of the synthetic spike's messages do. `{ downstream: "simulate" }`:
   * `ctx.genesys` and `ctx.downstream(name).fetch` go through the rate limit, the breaker and
   * the timeout and are answered 202 without a network call (`.call(fn)` is refused), so the
   * nightly spike touches no real system. `{ downstream: "call", target }` makes every call for
   * real, `{ downstream: "call-genesys", target }` only the Genesys client's; `target` names
   * what is called (e.g. "Genesys sandbox org acme-test"), for the worker's logs.
   * @default { downstream: "simulate" }
   */
  readonly synthetic?: WorkerSyntheticOptions;
  /**
   * An existing IAM role for the function instead of a created one (e.g. a role your
   * platform team provisions with a permissions boundary). It must trust
   * `lambda.amazonaws.com`.
   * @default a role created here, with exactly the permissions the worker needs
   */
  readonly existingRole?: ExistingRole;
}

/** A worker's Genesys credentials: a secret created here for the team to fill, or an existing one. */
export type WorkerGenesysOptions =
  | {
      /** Create an empty secret for `{"clientId","clientSecret"}`; put the value after deploy. */
      readonly createCredentialsSecret: true;
      readonly credentialsSecretArn?: undefined;
      /** Customer KMS key of the created secret. @default the pipeline's `secrets.kmsKeyArn`, else aws/secretsmanager */
      readonly kmsKeyArn?: string;
    }
  | {
      /** ARN of an existing secret holding `{"clientId","clientSecret"}` as JSON. */
      readonly credentialsSecretArn: string;
      readonly createCredentialsSecret?: undefined;
      /** Customer KMS key the existing secret is encrypted with (the worker gets kms:Decrypt). @default none (aws/secretsmanager) */
      readonly kmsKeyArn?: string;
    };

/** What synthetic messages' downstream calls do (see `WorkerOptions.synthetic`). */
export type WorkerSyntheticOptions =
  | { readonly downstream: "simulate"; readonly target?: undefined }
  | {
      readonly downstream: "call" | "call-genesys";
      /** What synthetic messages call for real, e.g. "Genesys sandbox org acme-test" (logged by the worker). */
      readonly target: string;
    };

/** An existing IAM role given to the worker. */
export interface ExistingRole {
  /** The role's ARN. */
  readonly arn: string;
  /**
   * The role's name. Needed to attach the policies when the ARN is a Terraform reference.
   * @default the last part of a literal ARN
   */
  readonly name?: string;
  /**
   * Attach the worker's least-privilege inline policy (and the VPC or X-Ray managed policies
   * when those are on) to the role. With `false` nothing is attached: the role must already
   * allow what `Worker.policyDocument` lists (synth notes it).
   * @default true
   */
  readonly attachPolicies?: boolean;
}

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

/** The name of a role from its literal ARN (`arn:aws:iam::<account>:role/<path>/<name>`), if it is one. */
export function roleNameFromArn(arn: string): string | undefined {
  return IAM_ROLE_ARN.exec(arn)?.[1];
}

/** Settings of the Genesys Cloud API the worker calls (written to the contract). */
export interface GenesysApiOptions {
  /** Genesys Cloud region as the provider names it, e.g. `eu-west-1`. @default the runtime's default, see `GCX_GENESYS_REGION` in the contract */
  readonly region?: string;
  /** Override of `https://api.<region domain>` (a local fake downstream). @default none */
  readonly apiBaseUrl?: string;
  /** Override of `https://login.<region domain>` (a local fake downstream). @default none */
  readonly loginBaseUrl?: string;
}

/** The queues a worker consumes and dead-letters to (a `QueueWithDlq` fits). */
export interface WorkerQueues {
  readonly queue: { readonly arn: string; readonly url: string };
  readonly dlq: { readonly arn: string; readonly url: string };
  readonly quarantineQueue: { readonly arn: string; readonly url: string };
  readonly maxReceiveCount: number;
  readonly fifo: boolean;
  /** The customer KMS key of the queues, if any. */
  readonly kmsKeyArn?: string;
}

export interface WorkerProps extends WorkerOptions {
  /** The queues (a `QueueWithDlq`). */
  readonly queues: WorkerQueues;
  /** The pipeline's ingress kind, written to the contract. @default "webhook" */
  readonly ingressKind?: IngressKind;
  /** ARN of the webhook signing secret (required for the webhook kind). */
  readonly signingSecretArn?: string;
  /** Genesys API settings (region, base URLs). @default none */
  readonly genesysApi?: GenesysApiOptions;
  /** The idempotency table, and the receipts table if any. */
  readonly tables: { readonly idempotency: TableRef; readonly receipts?: TableRef };
  /** Customer KMS keys of the tables and secrets, if any (the role may use them). @default none */
  readonly kmsKeyArns?: readonly string[];
  /** Prepended to the function and role names. @default none */
  readonly namePrefix?: string;
  /** Tags on every resource. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The per-instance downstream rate, requests per second. */
export function perInstanceRatePerSecond(requestsPerMinute: number, maxConcurrency: number): number {
  return Math.round((requestsPerMinute / 60 / maxConcurrency) * 10_000) / 10_000;
}

function range(problems: Problems, prop: string, value: number | undefined, min: number, max: number, unit: string, why = ""): void {
  if (!isLiteralNumber(value)) return;
  if (value < min || value > max || !Number.isInteger(value)) {
    problems.add(prop, `${value} is outside ${min}..${max}; set an integer from ${min} to ${max} ${unit}${why}.`);
  }
}

/**
 * The replay window is 0 (off) or from {@link MIN_REPLAY_WINDOW_SECONDS} to the idempotency TTL
 * less the signed time's clock-skew allowance: a replay the window accepts (signed at most that
 * allowance after the first delivery, replayed at most the window after it) then always finds
 * the first delivery's idempotency record. Checked for the window in effect, the runtime's
 * default included, so a short `idempotencyTtlSeconds` alone is refused too. Webhook workers only.
 */
function checkReplayWindow(problems: Problems, p: (name: string) => string, props: WorkerOptions, ingressKind: IngressKind): void {
  if (ingressKind === "eventStreams") {
    if (props.replayWindowSeconds !== undefined) {
      problems.add(
        p("replayWindowSeconds"),
        "applies to webhook pipelines only (an Event Streams event carries no signed time); remove it.",
      );
    }
    return;
  }
  const window = props.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  if (!isLiteralNumber(window) || window === 0) return;
  const ttl = props.idempotencyTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
  const max = isLiteralNumber(ttl) ? ttl - SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS : Number.POSITIVE_INFINITY;
  if (Number.isInteger(window) && window >= MIN_REPLAY_WINDOW_SECONDS && window <= max) return;
  const given = props.replayWindowSeconds === undefined ? `the default replay window (${window} s)` : `${window}`;
  const why = `idempotencyTtlSeconds ${ttl} less the ${SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS} s clock-skew allowance, so a replay the window accepts still meets its idempotency record`;
  const fix =
    max < MIN_REPLAY_WINDOW_SECONDS
      ? `set replayWindowSeconds to 0 (off), or idempotencyTtlSeconds to at least ${MIN_REPLAY_WINDOW_SECONDS + SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS}`
      : `set 0 (off) or an integer from ${MIN_REPLAY_WINDOW_SECONDS} (Genesys retries a webhook for about 85 s) to ${max} seconds`;
  problems.add(p("replayWindowSeconds"), `${given} is not a replay window; ${fix} (${why}).`);
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

/** The `genesys` declaration (one form) and the `synthetic` option (a target exactly when calls are real). */
/**
 * Provisioned pollers: each bound in AWS's range for SQS, minimum at most maximum, and never
 * together with `maxConcurrency` (AWS: provisioned mode and maximum concurrency are mutually
 * exclusive on an SQS event source mapping).
 */
function checkProvisionedPollers(problems: Problems, p: (name: string) => string, props: WorkerOptions): void {
  const pollers = props.provisionedPollers;
  if (!pollers) return;
  if (props.maxConcurrency !== undefined) {
    problems.add(
      [p("provisionedPollers"), p("maxConcurrency")],
      "cannot be combined: AWS's provisioned mode (provisioned_poller_config) and the mapping's maximum concurrency (scaling_config.maximum_concurrency) are mutually exclusive; remove maxConcurrency and cap the instances with reservedConcurrency, or remove provisionedPollers.",
    );
  }
  const { minimum: min, maximum: max } = PROVISIONED_POLLERS_RANGE;
  range(problems, p("provisionedPollers.minimum"), pollers.minimum, min.min, min.max, "pollers", " (AWS's range for SQS)");
  range(problems, p("provisionedPollers.maximum"), pollers.maximum, max.min, max.max, "pollers", " (AWS's range for SQS)");
  const lo = pollers.minimum ?? min.default;
  const hi = pollers.maximum ?? max.default;
  if (isLiteralNumber(lo) && isLiteralNumber(hi) && lo > hi) {
    problems.add(
      [p("provisionedPollers.minimum"), p("provisionedPollers.maximum")],
      `the minimum (${lo}) is above the maximum (${hi}); set minimum at most maximum.`,
    );
  }
}

/**
 * The most instances the event source mapping runs at once, among which the downstream budget
 * is split: `maxConcurrency` in standard mode; with provisioned pollers `reservedConcurrency`,
 * or without it the most invocations the maximum pollers drive.
 */
export function workerInstances(props: WorkerOptions): number {
  if (!props.provisionedPollers) return props.maxConcurrency ?? WORKER_DEFAULTS.maxConcurrency;
  if (props.reservedConcurrency !== undefined) return props.reservedConcurrency;
  return (props.provisionedPollers.maximum ?? PROVISIONED_POLLERS_RANGE.maximum.default) * INVOKES_PER_PROVISIONED_POLLER;
}

function checkGenesysAndSynthetic(problems: Problems, p: (name: string) => string, props: WorkerOptions): void {
  const genesys = props.genesys as { createCredentialsSecret?: unknown; credentialsSecretArn?: unknown } | undefined;
  if (genesys !== undefined) {
    const create = genesys.createCredentialsSecret;
    const arn = genesys.credentialsSecretArn;
    if (create !== undefined && arn !== undefined) {
      problems.add(
        p("genesys"),
        "sets both createCredentialsSecret and credentialsSecretArn; keep one: createCredentialsSecret: true for a secret created here, or credentialsSecretArn for an existing one.",
      );
    } else if (create === undefined && arn === undefined) {
      problems.add(
        p("genesys"),
        'declares nothing; set { createCredentialsSecret: true } or { credentialsSecretArn: "<ARN>" }, or remove genesys if the handler never calls ctx.genesys.',
      );
    } else if (create !== undefined && create !== true) {
      problems.add(
        p("genesys.createCredentialsSecret"),
        `${JSON.stringify(create)} is not allowed; set true, or remove genesys if the handler never calls ctx.genesys.`,
      );
    } else if (arn !== undefined && (typeof arn !== "string" || (!Token.isUnresolved(arn) && !SECRET_ARN.test(arn)))) {
      problems.add(
        p("genesys.credentialsSecretArn"),
        `${JSON.stringify(arn)} is not a Secrets Manager secret ARN; use arn:aws:secretsmanager:<region>:<account>:secret:<name>, or createCredentialsSecret: true.`,
      );
    }
  }
  const synthetic = props.synthetic as { downstream?: unknown; target?: unknown } | undefined;
  if (synthetic !== undefined) {
    const mode = synthetic.downstream;
    const target = synthetic.target;
    if (!(SYNTHETIC_DOWNSTREAM_MODES as readonly unknown[]).includes(mode)) {
      problems.add(
        p("synthetic.downstream"),
        `${JSON.stringify(mode)} is not a mode; use "simulate" (the default), "call" or "call-genesys".`,
      );
    } else if (mode === "simulate" && target !== undefined) {
      problems.add(
        p("synthetic.target"),
        'names what synthetic messages call for real, but downstream is "simulate"; remove it, or set downstream "call" or "call-genesys".',
      );
    } else if (mode !== "simulate" && (typeof target !== "string" || target.trim() === "")) {
      problems.add(
        p("synthetic.target"),
        `is required with downstream "${mode}": name what the nightly spike calls for real (e.g. "Genesys sandbox org acme-test"), or use downstream "simulate".`,
      );
    }
  }
}

/**
 * Every problem with worker props. `fifo` and `maxMessageSizeBytes` come from the queue;
 * `queuePrefix` names the queue props in messages.
 */
export function validateWorkerProps(
  props: WorkerOptions,
  queue: { fifo?: boolean; maxMessageSizeBytes?: number; ingressKind?: IngressKind },
  prefix?: string,
  queuePrefix?: string,
): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  const fifoProp = prefixed(queuePrefix, "fifo");
  if (!props.entry) problems.add(p("entry"), "is required; set the path of the handler's entry file.");
  range(problems, p("timeoutSeconds"), props.timeoutSeconds, 1, LAMBDA_MAX_TIMEOUT_SECONDS, "seconds");
  range(problems, p("memorySizeMb"), props.memorySizeMb, LAMBDA_MEMORY_MB.min, LAMBDA_MEMORY_MB.max, "MB");
  range(
    problems,
    p("maxConcurrency"),
    props.maxConcurrency,
    MAX_CONCURRENCY_RANGE.min,
    MAX_CONCURRENCY_RANGE.max,
    "instances",
    " (the event source mapping's scaling_config limit)",
  );
  range(problems, p("batchingWindowSeconds"), props.batchingWindowSeconds, 0, LAMBDA_MAX_BATCHING_WINDOW_SECONDS, "seconds");
  range(problems, p("batchSize"), props.batchSize, 1, 10_000, "messages");
  checkLogRetention(problems, p("logRetentionDays"), props.logRetentionDays);
  checkReplayWindow(problems, p, props, queue.ingressKind ?? "webhook");
  const batchSize = props.batchSize ?? WORKER_DEFAULTS.batchSize;
  const window = props.batchingWindowSeconds ?? WORKER_DEFAULTS.batchingWindowSeconds;
  if (queue.fifo) {
    if (isLiteralNumber(window) && window > 0) {
      problems.add(
        p("batchingWindowSeconds"),
        `${window} s is not allowed with ${fifoProp}: true (FIFO event sources take no batching window); remove it or use a standard queue.`,
      );
    }
    if (isLiteralNumber(batchSize) && batchSize > 10) {
      problems.add(p("batchSize"), `${batchSize} is over 10, the largest batch on a FIFO queue; set at most 10.`);
    }
  } else if (isLiteralNumber(batchSize) && batchSize > 10 && isLiteralNumber(window) && window < 1) {
    problems.add(
      p("batchSize"),
      `${batchSize} is over 10 without a batching window; set batchingWindowSeconds to at least 1 or batchSize to at most 10.`,
    );
  }
  const maxConcurrency = props.maxConcurrency ?? WORKER_DEFAULTS.maxConcurrency;
  checkProvisionedPollers(problems, p, props);
  if (isLiteralNumber(props.reservedConcurrency)) {
    if (props.reservedConcurrency < 0 || !Number.isInteger(props.reservedConcurrency)) {
      problems.add(p("reservedConcurrency"), `${props.reservedConcurrency} is not an instance count; set a positive integer or remove it.`);
    } else if (!props.provisionedPollers && isLiteralNumber(maxConcurrency) && props.reservedConcurrency < maxConcurrency) {
      problems.add(
        p("reservedConcurrency"),
        `${props.reservedConcurrency} is below maxConcurrency (${maxConcurrency}), so the function would be throttled; set at least ${maxConcurrency} or lower maxConcurrency.`,
      );
    }
  }
  if (isLiteralNumber(props.downstreamRequestsPerMinute) && !(props.downstreamRequestsPerMinute > 0)) {
    problems.add(
      p("downstreamRequestsPerMinute"),
      `${props.downstreamRequestsPerMinute} leaves no downstream budget; set a positive number of requests per minute (Genesys default: 300).`,
    );
  }
  for (const name of Object.keys(props.environment ?? {})) {
    if (name.startsWith(CONTRACT_PREFIX)) {
      problems.add(
        p(`environment.${name}`),
        `names starting with ${CONTRACT_PREFIX} are reserved for the construct's contract; rename it.`,
      );
    }
  }
  checkGenesysAndSynthetic(problems, p, props);
  if (props.vpc && (!props.vpc.subnetIds.length || !props.vpc.securityGroupIds.length)) {
    problems.add(p("vpc"), "needs at least one subnet id and one security group id; set both or remove vpc.");
  }
  const role = props.existingRole;
  if (role) {
    if (!role.arn) problems.add(p("existingRole.arn"), "is required; give the ARN of the role the function runs as.");
    else if (!Token.isUnresolved(role.arn) && !roleNameFromArn(role.arn)) {
      problems.add(p("existingRole.arn"), `"${role.arn}" is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>.`);
    } else if (Token.isUnresolved(role.arn) && role.attachPolicies !== false && !role.name) {
      problems.add(
        p("existingRole.name"),
        "is required when existingRole.arn is a Terraform reference and the policies are attached; give the role's name (e.g. DataAwsIamRole.name), or attachPolicies: false.",
      );
    }
    if (role.name !== undefined && !Token.isUnresolved(role.name) && !/^[\w+=,.@-]{1,64}$/.test(role.name)) {
      problems.add(p("existingRole.name"), `"${role.name}" is not an IAM role name; use up to 64 letters, digits and +=,.@_-.`);
    }
  }
  return [...problems.items];
}

/** The worker Lambda, its role, log group and event source mapping. */
export class Worker extends Construct {
  readonly function: LambdaFunction;
  /** The role created here, unless `existingRole` was given. */
  readonly role?: IamRole;
  /** The ARN of the role the function runs as (created or existing). */
  readonly roleArn: string;
  /** The least-privilege inline policy, unless an existing role's policies are not attached. */
  readonly rolePolicy?: IamRolePolicy;
  /** The least-privilege policy the function needs, as an IAM policy document (JSON). */
  readonly policyDocument: string;
  /** The AWS managed policies the function needs (VPC access, X-Ray), by ARN. */
  readonly managedPolicyArns: readonly string[];
  readonly logGroup: CloudwatchLogGroup;
  readonly eventSourceMapping: LambdaEventSourceMapping;
  readonly bundle: BundledFunction;
  /** The function name (a literal). */
  readonly functionName: string;
  readonly timeoutSeconds: number;
  /** The most instances the mapping runs at once, which share the downstream budget (see `workerInstances`). */
  readonly maxConcurrency: number;
  readonly batchingWindowSeconds: number;
  /** The per-instance downstream rate written to the environment, requests per second. */
  readonly downstreamRatePerSecond: number;
  /** The Genesys credentials secret the function reads, when `genesys` declares one (created here with `createCredentialsSecret`). */
  readonly genesysCredentialsSecret?: GenesysCredentialsSecretRef;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    this.validate(props);

    this.timeoutSeconds = props.timeoutSeconds ?? WORKER_DEFAULTS.timeoutSeconds;
    this.maxConcurrency = workerInstances(props);
    this.batchingWindowSeconds = props.batchingWindowSeconds ?? WORKER_DEFAULTS.batchingWindowSeconds;
    const budget = props.downstreamRequestsPerMinute ?? WORKER_DEFAULTS.downstreamRequestsPerMinute;
    this.downstreamRatePerSecond = perInstanceRatePerSecond(budget, this.maxConcurrency);
    const tags = props.tags ? { ...props.tags } : undefined;

    this.functionName = physicalName(this, { prefix: props.namePrefix, suffix: "fn", maxLength: NAME_LIMITS.lambdaFunction });
    this.bundle = bundleFunction(this, "code", { ...(props.bundling ?? {}), entry: props.entry });
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionDays ?? WORKER_DEFAULTS.logRetentionDays,
      kmsKeyId: props.logKmsKeyArn,
      tags,
    });

    const role = this.createRole(props, tags);
    this.role = role.role;
    this.roleArn = role.arn;
    this.genesysCredentialsSecret = this.genesysCredentials(props, tags);
    this.policyDocument = policyDocument(workerPolicyStatements(props, this.logGroup, this.genesysCredentialsSecret));
    const managed = managedPolicies(props);
    this.managedPolicyArns = managed.map(([, arn]) => arn);
    const permissions = this.attachPolicies(role.name, managed);
    this.rolePolicy = permissions.rolePolicy;

    this.function = this.createFunction(props, permissions.dependencies, tags);
    this.eventSourceMapping = this.createEventSourceMapping(props, tags);
  }

  /** Checks the props; throws one `ValidationError` listing every problem. */
  private validate(props: WorkerProps): void {
    const problems = new Problems();
    problems.addAll(validateWorkerProps(props, { fifo: props.queues.fifo, ingressKind: props.ingressKind }));
    if ((props.ingressKind ?? "webhook") === "webhook" && !props.signingSecretArn) {
      problems.add("signingSecretArn", "is required for a webhook worker; pass the ARN of the signing secret.");
    }
    problems.throwIfAny(this.node.path, "Worker");
  }

  /**
   * The role the function runs as: created here, or the existing one. `name` is the role name
   * the policies are attached to, undefined when an existing role's policies are not attached.
   */
  private createRole(props: WorkerProps, tags: Record<string, string> | undefined): { role?: IamRole; arn: string; name?: string } {
    if (props.existingRole) {
      const attach = props.existingRole.attachPolicies !== false;
      return {
        arn: props.existingRole.arn,
        name: attach ? (props.existingRole.name ?? roleNameFromArn(props.existingRole.arn)) : undefined,
      };
    }
    const role = new IamRole(this, "role", {
      name: physicalName(this, {
        prefix: props.namePrefix,
        suffix: "role",
        maxLength: NAME_LIMITS.iamRole,
        allowed: /[A-Za-z0-9_+=,.@-]/,
      }),
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
      tags,
    });
    return { role, arn: role.arn, name: role.id }; // an aws_iam_role's id is its name
  }

  /** The Genesys credentials secret `genesys` declares: created here (empty, for the team to fill), or the existing one. */
  private genesysCredentials(props: WorkerProps, tags: Record<string, string> | undefined): GenesysCredentialsSecretRef | undefined {
    if (props.genesys?.createCredentialsSecret) {
      return new GenesysCredentialsSecret(this, "genesys-credentials", {
        namePrefix: props.namePrefix,
        tags,
        kmsKeyArn: props.genesys.kmsKeyArn,
      });
    }
    if (props.genesys?.credentialsSecretArn) return { arn: props.genesys.credentialsSecretArn };
    return undefined;
  }

  /**
   * Attaches the least-privilege inline policy and the managed policies to the role named
   * `roleName`; with no role name (an existing role, `attachPolicies: false`) notes at synth
   * what the role must allow. Returns the inline policy and what the function depends on.
   */
  private attachPolicies(
    roleName: string | undefined,
    managed: ReadonlyArray<readonly [string, string]>,
  ): { rolePolicy?: IamRolePolicy; dependencies: Array<IamRolePolicy | IamRolePolicyAttachment> } {
    if (roleName === undefined) {
      Annotations.of(this).addInfo(
        `existingRole.attachPolicies is false: the role ${this.roleArn} must allow ${this.policyDocument}${managed.length ? ` and have ${this.managedPolicyArns.join(", ")} attached` : ""}.`,
      );
      return { dependencies: [] };
    }
    // An existing role may serve several workers: their inline policies need distinct names.
    const policyName = this.role ? "worker" : physicalName(this, { suffix: "worker", maxLength: 128, allowed: /[\w+=,.@-]/ });
    const rolePolicy = new IamRolePolicy(this, "policy", { role: roleName, name: policyName, policy: this.policyDocument });
    const attachments = managed.map(([id, policyArn]) => new IamRolePolicyAttachment(this, id, { role: roleName, policyArn }));
    return { rolePolicy, dependencies: [rolePolicy, ...attachments] };
  }

  /** The function, running the bundle with the contract's environment, after its permissions are in place. */
  private createFunction(
    props: WorkerProps,
    permissions: ReadonlyArray<IamRolePolicy | IamRolePolicyAttachment>,
    tags: Record<string, string> | undefined,
  ): LambdaFunction {
    return new LambdaFunction(this, "function", {
      functionName: this.functionName,
      description: `Consumer worker of ${this.node.path}`,
      role: this.roleArn,
      runtime: props.runtime ?? WORKER_DEFAULTS.runtime,
      handler: `index.${props.handler ?? WORKER_DEFAULTS.handler}`,
      filename: this.bundle.asset.path,
      sourceCodeHash: this.bundle.asset.assetHash,
      architectures: [props.architecture ?? WORKER_DEFAULTS.architecture],
      memorySize: props.memorySizeMb ?? WORKER_DEFAULTS.memorySizeMb,
      timeout: this.timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { variables: this.environment(props) },
      tracingConfig: { mode: props.tracing ?? WORKER_DEFAULTS.tracing },
      vpcConfig: props.vpc ? { subnetIds: props.vpc.subnetIds, securityGroupIds: props.vpc.securityGroupIds } : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      dependsOn: permissions.length ? [...permissions] : undefined,
      tags,
    });
  }

  /** The function's environment: the handler's own variables, then the contract's (`workerEnvironment`). */
  private environment(props: WorkerProps): Record<string, string> {
    const q = props.queues;
    return {
      ...(props.environment ?? {}),
      ...workerEnvironment({
        ingressKind: props.ingressKind ?? "webhook",
        queueUrl: q.queue.url,
        queueArn: q.queue.arn,
        dlqUrl: q.dlq.url,
        quarantineQueueUrl: q.quarantineQueue.url,
        fifo: q.fifo,
        maxReceiveCount: q.maxReceiveCount,
        signatureSecretArn: props.signingSecretArn,
        idempotencyTable: props.tables.idempotency.name,
        idempotencyTtlSeconds: props.idempotencyTtlSeconds,
        replayWindowSeconds: props.replayWindowSeconds,
        receiptsTable: props.tables.receipts?.name,
        receiptTtlSeconds: props.receiptTtlSeconds,
        downstreamRatePerSecond: this.downstreamRatePerSecond,
        downstreamBurst: props.downstreamBurst,
        backoffBaseSeconds: props.backoffBaseSeconds,
        backoffMaxSeconds: props.backoffMaxSeconds,
        genesysRegion: props.genesysApi?.region,
        genesysCredentialsSecretArn: this.genesysCredentialsSecret?.arn,
        genesysApiBaseUrl: props.genesysApi?.apiBaseUrl,
        genesysLoginBaseUrl: props.genesysApi?.loginBaseUrl,
        syntheticDownstream: props.synthetic?.downstream ?? DEFAULT_SYNTHETIC_DOWNSTREAM,
        syntheticDownstreamTarget: props.synthetic?.target,
      }),
    };
  }

  /** The SQS event source mapping: batches, batching window, maximum concurrency, partial batch responses. */
  private createEventSourceMapping(props: WorkerProps, tags: Record<string, string> | undefined): LambdaEventSourceMapping {
    const q = props.queues;
    return new LambdaEventSourceMapping(this, "event-source", {
      functionName: this.function.arn,
      eventSourceArn: q.queue.arn,
      batchSize: props.batchSize ?? WORKER_DEFAULTS.batchSize,
      maximumBatchingWindowInSeconds: q.fifo ? undefined : this.batchingWindowSeconds,
      // provisioned mode replaces the maximum concurrency (AWS: mutually exclusive; see PROVISIONED_POLLERS_RANGE)
      ...(props.provisionedPollers
        ? {
            provisionedPollerConfig: {
              minimumPollers: props.provisionedPollers.minimum ?? PROVISIONED_POLLERS_RANGE.minimum.default,
              maximumPollers: props.provisionedPollers.maximum ?? PROVISIONED_POLLERS_RANGE.maximum.default,
            },
          }
        : { scalingConfig: { maximumConcurrency: this.maxConcurrency } }),
      functionResponseTypes: ["ReportBatchItemFailures"],
      // The event source mapping metrics (PolledEventCount, FailedInvokeEventCount, ...; AWS
      // 2024-11), off unless asked for: EventSourceMappingMetricsConfig, Lambda API reference,
      // https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingMetricsConfig.html
      // (valid values EventCount, ErrorCount and KafkaMetrics, the last two for Kafka only).
      // PipelineAlarms alarms on FailedInvokeEventCount and charts them.
      metricsConfig: { metrics: ["EventCount"] },
      // Lambda checks the role's queue permissions when the mapping is created.
      dependsOn: this.rolePolicy ? [this.rolePolicy] : undefined,
      tags,
    });
  }
}

/** The least-privilege statements of the worker's policy: its log group, queues, tables, secrets and keys. */
function workerPolicyStatements(
  props: WorkerProps,
  logGroup: CloudwatchLogGroup,
  genesysCredentialsSecret: GenesysCredentialsSecretRef | undefined,
): PolicyStatement[] {
  const q = props.queues;
  const statements: PolicyStatement[] = [
    { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroup.arn}:*`] },
    {
      Sid: "ConsumeQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
      Resource: q.queue.arn,
    },
    { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: [q.dlq.arn, q.quarantineQueue.arn] },
    // FIFO webhook pipelines: a message whose signature cannot be checked yet is moved out of its group (runtime worker/aside.ts).
    ...(q.fifo && (props.ingressKind ?? "webhook") === "webhook"
      ? [{ Sid: "SetAside", Effect: "Allow" as const, Action: "sqs:SendMessage", Resource: q.queue.arn }]
      : []),
    {
      Sid: "IdempotencyTable",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      Resource: props.tables.idempotency.arn,
    },
  ];
  if (props.tables.receipts) {
    statements.push({
      Sid: "ReceiptsTable",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: props.tables.receipts.arn,
    });
  }
  const secretArns = [props.signingSecretArn, genesysCredentialsSecret?.arn].filter((a): a is string => !!a);
  if (secretArns.length) {
    statements.push({ Sid: "ReadSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArns });
  }
  const keys = [q.kmsKeyArn, ...(props.kmsKeyArns ?? []), props.genesys?.kmsKeyArn].filter((k): k is string => !!k);
  if (keys.length) {
    statements.push({ Sid: "UseKeys", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [...new Set(keys)] });
  }
  return statements;
}

/** The AWS managed policies the worker needs, as [construct id, policy ARN]: VPC access, X-Ray. */
function managedPolicies(props: WorkerProps): Array<[string, string]> {
  const managed: Array<[string, string]> = [];
  if (props.vpc) managed.push(["vpc-access", "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]);
  if (props.tracing === "Active") managed.push(["xray", "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]);
  return managed;
}
