/**
 * The nightly synthetic spike: the load-generator Lambda (controller and agents, one
 * function), an EventBridge Scheduler schedule that starts it, least-privilege IAM, and
 * alarms on a FAIL verdict and on a run that crashed before giving one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Construct } from "constructs";
import { Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { loadgenEnvironment } from "../runtime/contract";
import { LAMBDA_MAX_TIMEOUT_SECONDS, LAMBDA_MEMORY_MB } from "../runtime/aws-limits";
import {
  defaultSpikeProfile,
  parseProfile,
  profileDurationSeconds,
  targetedScenario,
  type SpikeProfile,
  type SpikeProfileInput,
} from "../runtime/loadgen/profile";
import {
  CONTINUATION_MARGIN_MS,
  DEFAULT_AGENT_CAPACITY_PER_SECOND,
  MIN_RECONCILE_SLICE_MS,
  MIN_TIMEOUT_SECONDS,
  START_BARRIER_MS,
  lambdaBudgetProblems,
} from "../runtime/loadgen/budget";
import { deriveReconcileDeadline, pipelineRetryProblems, type PipelineRetrySettings } from "../runtime/loadgen/deadline";
import { DEFAULT_METRICS_NAMESPACE, HEARTBEAT_METRIC, VERDICT_METRIC } from "../runtime/loadgen/metric-names";
import { REPORT_DEFAULTS, ReportBucket, reportsProblems, type SpikeReportsProps } from "./report-bucket";
import { cronFirings, missingRunAlarmShape, parseScheduleExpression, type MissingRunAlarmShape } from "./schedule-expression";
import { BundleProps, BundledFunction, bundleFunction } from "./bundle";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { DEFAULT_LOG_RETENTION_DAYS, checkLogRetention } from "./log-retention";
import { NAME_LIMITS, physicalName } from "./naming";
import { PolicyStatement, assumeRolePolicy, policyDocument } from "./policy";
import { stackAccount, stackPartition, stackRegion } from "./stack-data";
import type { QueueRef } from "./queue-with-dlq";

/** The stack's metrics the generator reads for the report's backpressure charts (lib/runtime/loadgen/backpressure.ts). */
export interface SpikeBackpressureProps {
  /** The ingress queue's name (AWS/SQS `QueueName`): visible, in-flight and delayed depth. */
  readonly queueName: string;
  /** The operational DLQ's name: the dead-letter series. @default none */
  readonly dlqName?: string;
  /** The quarantine queue's name, added to the dead letters. @default none */
  readonly quarantineQueueName?: string;
  /** The worker function's name (AWS/Lambda `FunctionName`): its ConcurrentExecutions. @default none */
  readonly workerFunctionName?: string;
  /** The worker's event source mapping's UUID (AWS/Lambda `EventSourceMappingUUID`): its PolledEventCount. @default none */
  readonly eventSourceMappingUuid?: string;
  /** The worker's EMF namespace (its `syntheticCallsMade`, `syntheticCallsSimulated`, `throttled`). @default "GenesysConsumer" */
  readonly workerMetricsNamespace?: string;
}

/** SpikeGenerator defaults, one place. */
export const SPIKE_GENERATOR_DEFAULTS = {
  scheduleExpression: "cron(0 3 * * ? *)",
  scheduleTimezone: "UTC",
  scheduleEnabled: true,
  agentCapacityPerSecond: DEFAULT_AGENT_CAPACITY_PER_SECOND,
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
  runtime: "nodejs22.x",
  architecture: "arm64",
  memorySizeMb: 1024,
  /** Lambda's limit: the longest run one invocation can give. */
  timeoutSeconds: LAMBDA_MAX_TIMEOUT_SECONDS,
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
} as const;

export interface SpikeGeneratorProps {
  /** The ingress URL the spike is sent to, e.g. `pipeline.ingress.url` (a token is fine). */
  readonly targetUrl: string;
  /** ARN of the Secrets Manager secret holding the raw webhook signing secret. */
  readonly signingSecretArn: string;
  /**
   * ARN of the secret holding the ingress's edge API key in use (e.g. `ingress.apiKey.secretArn`):
   * the generator sends it in `x-api-key`, reads it at the start of each run and again when
   * answered 403, so a key rotated during a run costs a counted retry, not a message.
   * @default none: no key is sent (an ingress with `apiKey` answers every message 403)
   */
  readonly apiKeySecretArn?: string;
  /**
   * The receipts table the worker writes (name for the contract, ARN for IAM).
   * @default none: only the ingress side is reported and the verdict says delivery was not reconciled
   */
  readonly receiptsTable?: { readonly name: string; readonly arn: string };
  /** The operational DLQ, peeked for this run's messages (counted as unexpected). @default none */
  readonly dlq?: QueueRef;
  /** The synthetic quarantine queue, drained of this run's messages. @default none */
  readonly quarantineQueue?: QueueRef;
  /**
   * The ingress queue the worker consumes. The run reads its redrive policy
   * (`sqs:GetQueueAttributes`, granted on this queue and on `dlq`) and the verdict's
   * `redrivePolicy` check fails when it has none, when it targets another queue than
   * `dlq`, or when its maxReceiveCount is below `workerMaxReceiveCount`.
   * @default none (the check is SKIPPED)
   */
  readonly queue?: QueueRef;
  /**
   * The worker's maxReceiveCount (the receive on which it dead-letters a message itself,
   * with its context), receives, 1..1000: the queue's redrive policy must not be lower.
   * @default none (not checked)
   */
  readonly workerMaxReceiveCount?: number;
  /**
   * The retry settings of the pipeline the spike targets (the queue's maxReceiveCount, the
   * worker's backoff base and cap, its timeout and batching window, the queue's visibility
   * timeout; `ConsumerPipeline` fills them in). The run's reconciliation deadline is
   * `max(profile.reconcile.deadlineSeconds, the pipeline's worst retry horizon + processing +
   * margin)` (lib/runtime/loadgen/deadline.ts), and synth refuses a combination whose run
   * would outlast the schedule's shortest gap or the missing-run alarm's margin.
   * @default none: the profile's deadline (poison messages still retrying then count as in flight, a FAIL)
   */
  readonly pipelineRetry?: PipelineRetrySettings;
  /**
   * What the generator reads from CloudWatch after each run for the report's backpressure
   * charts (queue depth, worker concurrency, downstream calls and 429s, dead letters), with
   * `cloudwatch:GetMetricData` granted (on `*`: the action has no resource-level permissions).
   * `ConsumerPipeline` fills it in. See {@link SpikeBackpressureProps}.
   * @default none: not read, the report on AWS has no backpressure block
   */
  readonly backpressure?: SpikeBackpressureProps;
  /**
   * The spike profile: an object, or JSON / YAML text. Validated at synth (a literal) and
   * checked to fit Lambda's 15 minutes.
   * @default defaultSpikeProfile (about 65 s: 10 msg/s baseline, a 10x spike to 100 msg/s, small fault shares)
   */
  readonly profile?: SpikeProfileInput | string;
  /**
   * Messages per second one invocation offers; above it the controller fans out to
   * ceil(peak / capacity) parallel agent invocations.
   * @default 200
   */
  readonly agentCapacityPerSecond?: number;
  /**
   * EventBridge Scheduler expression: `cron(...)`, `rate(...)` or `at(...)`.
   * @default "cron(0 3 * * ? *)" (03:00 every day)
   */
  readonly scheduleExpression?: string;
  /** IANA time zone of the schedule, e.g. `Europe/Paris`. @default "UTC" */
  readonly scheduleTimezone?: string;
  /** Whether the schedule is enabled. @default true */
  readonly scheduleEnabled?: boolean;
  /**
   * Where each run's JSON and HTML report, the history index and the trend page are kept
   * (always: a run's proof is not optional). See {@link SpikeReportsProps}.
   * @default a created bucket (SSE-S3, public access blocked, TLS only, reports expire after 400 days), prefix "spike-reports/", 90 runs of history
   */
  readonly reports?: SpikeReportsProps;
  /**
   * SNS topic ARN notified by the FAIL-verdict and crashed-run alarms (e.g. the pipeline's
   * `alarms.topic.arn`).
   * @default none (the alarms exist, with no action)
   */
  readonly alarmTopicArn?: string;
  /** CloudWatch namespace of the spike metrics (EMF). @default "GenesysConsumer/Spike" */
  readonly metricsNamespace?: string;
  /** The `RunName` dimension of the metrics. @default the function name */
  readonly runName?: string;
  /** Memory, MB (128..10240): CPU, hence sending capacity, scales with it. @default 1024 */
  readonly memorySizeMb?: number;
  /**
   * Function timeout, seconds (120..900: each invocation keeps 60 s to hand a long
   * reconciliation over to the next one, and reconciles at least 60 s first). @default 900
   */
  readonly timeoutSeconds?: number;
  /** Lambda runtime. @default "nodejs22.x" */
  readonly runtime?: string;
  /** Instruction set. @default "arm64" */
  readonly architecture?: "arm64" | "x86_64";
  /** Retention of the function's log group, days. @default 30 */
  readonly logRetentionDays?: number;
  /** Customer-managed KMS keys of the secret, table or queues (the role may decrypt with them). @default none */
  readonly kmsKeyArns?: readonly string[];
  /** Prepended to every physical name. @default none */
  readonly namePrefix?: string;
  /** Tags on every resource. @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /** Bundling options. @default esbuild defaults of {@link bundleFunction} */
  readonly bundling?: Omit<BundleProps, "entry">;
}

/**
 * Added to the schedule's longest gap before the missing-run alarm fires, seconds: the run's
 * own length (up to 15 minutes, more with chained reconciliations) and CloudWatch's hourly
 * period alignment.
 */
export const MISSING_RUN_MARGIN_SECONDS = 3600;

/** The schedule group of the nightly schedule: the account's `default` group (no group is created). */
const SPIKE_SCHEDULE_GROUP = "default";

/**
 * The trust policy of an EventBridge Scheduler execution role, with the confused-deputy keys
 * Scheduler documents ("Confused deputy prevention in EventBridge Scheduler",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html):
 * `aws:SourceAccount` = this account and `aws:SourceArn` = the ARN of the schedule *group*
 * (`arn:<partition>:scheduler:<region>:<account>:schedule-group/<name>`), not of the schedule:
 * the guide's condition is scoped to a schedule group (its history, 2023-09-07: "Changes to
 * execution role and confused deputy prevention", how the execution role applies to a schedule
 * group resource).
 *
 * Only Scheduler gets these keys. The roles API Gateway assumes (the webhook integration role,
 * the account's CloudWatch role) must not have them: API Gateway does not send them when it
 * assumes an integration role, so the AssumeRole would be denied and every webhook answered 500.
 */
function schedulerTrustPolicy(scope: Construct, groupName: string): string {
  const partition = stackPartition(scope).partition;
  const region = stackRegion(scope).region;
  const account = stackAccount(scope).accountId;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: {
            "aws:SourceAccount": account,
            "aws:SourceArn": `arn:${partition}:scheduler:${region}:${account}:schedule-group/${groupName}`,
          },
        },
      },
    ],
  });
}

/** The load-generator entry: the TypeScript source inside this repository, the compiled file in the package. */
export function spikeGeneratorEntry(): string {
  for (const candidate of ["lambda.ts", "lambda.js"]) {
    const file = path.resolve(__dirname, "..", "runtime", "loadgen", candidate);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`the load-generator entry was not found under ${path.resolve(__dirname, "..", "runtime", "loadgen")}`);
}

/**
 * Every problem with SpikeGenerator props but the ones a `ConsumerPipeline` fills in
 * (`targetUrl`, `signingSecretArn`), each naming the prop (prefixed with `prefix`, e.g.
 * `spikeGenerator` for a pipeline's `spikeGenerator.profile`) and the fix. `SpikeGenerator`
 * throws them in a `ValidationError`; `ConsumerPipeline` lists them with its own, before
 * anything is built. To add a check for a new prop, add it in `checkSpikeGeneratorProps`
 * with `problems.add(p("myProp"), "what is wrong; the fix.")`.
 */
export function spikeGeneratorProblems(props: Partial<SpikeGeneratorProps>, prefix?: string): ValidationProblem[] {
  return [...checkSpikeGeneratorProps(props, prefix).problems];
}

/** The problems of {@link spikeGeneratorProblems}, and the parsed profile (undefined for a token or an invalid one). */
function checkSpikeGeneratorProps(
  props: Partial<SpikeGeneratorProps>,
  prefix?: string,
): { problems: readonly ValidationProblem[]; profile?: SpikeProfile } {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  const timeoutSeconds = props.timeoutSeconds ?? SPIKE_GENERATOR_DEFAULTS.timeoutSeconds;
  const max = LAMBDA_MAX_TIMEOUT_SECONDS;
  if (isLiteralNumber(timeoutSeconds) && (timeoutSeconds < 60 || timeoutSeconds > max || !Number.isInteger(timeoutSeconds))) {
    problems.add(
      p("timeoutSeconds"),
      `${timeoutSeconds} is outside 60..${max}; set an integer number of seconds (Lambda's limit is ${max}).`,
    );
  } else if (isLiteralNumber(timeoutSeconds) && timeoutSeconds < MIN_TIMEOUT_SECONDS) {
    problems.add(
      p("timeoutSeconds"),
      `${timeoutSeconds} s leaves no time to reconcile: each invocation keeps ${CONTINUATION_MARGIN_MS / 1000} s to hand a long reconciliation over and needs at least ${MIN_RECONCILE_SLICE_MS / 1000} s to reconcile first; set at least ${MIN_TIMEOUT_SECONDS}.`,
    );
  }
  const memory = props.memorySizeMb ?? SPIKE_GENERATOR_DEFAULTS.memorySizeMb;
  if (isLiteralNumber(memory) && (memory < LAMBDA_MEMORY_MB.min || memory > LAMBDA_MEMORY_MB.max))
    problems.add(p("memorySizeMb"), `${memory} is outside ${LAMBDA_MEMORY_MB.min}..${LAMBDA_MEMORY_MB.max}; set a size in MB.`);
  const capacity = props.agentCapacityPerSecond ?? SPIKE_GENERATOR_DEFAULTS.agentCapacityPerSecond;
  if (isLiteralNumber(capacity) && (capacity < 1 || capacity > 100_000)) {
    problems.add(p("agentCapacityPerSecond"), `${capacity} is outside 1..100000; set messages per second per agent.`);
  }
  if (
    isLiteralNumber(props.workerMaxReceiveCount) &&
    (props.workerMaxReceiveCount < 1 || props.workerMaxReceiveCount > 1000 || !Number.isInteger(props.workerMaxReceiveCount))
  ) {
    problems.add(
      p("workerMaxReceiveCount"),
      `${props.workerMaxReceiveCount} is outside 1..1000; set the worker's maxReceiveCount (an integer number of receives).`,
    );
  }
  checkLogRetention(problems, p("logRetentionDays"), props.logRetentionDays);
  const expression = props.scheduleExpression ?? SPIKE_GENERATOR_DEFAULTS.scheduleExpression;
  if (!Token.isUnresolved(expression) && !/^(cron|rate|at)\(.+\)$/.test(expression)) {
    problems.add(
      p("scheduleExpression"),
      `"${expression}" is not an EventBridge Scheduler expression; use cron(...), rate(...) or at(...).`,
    );
  }
  // reports and the missing-run alarm (derived from the schedule)
  reportsProblems(problems, p("reports"), props.reports);
  if (
    !Token.isUnresolved(expression) &&
    /^(cron|rate|at)\(.+\)$/.test(expression) &&
    (props.scheduleEnabled ?? SPIKE_GENERATOR_DEFAULTS.scheduleEnabled)
  ) {
    try {
      const shape = missingRunAlarmShape(parseScheduleExpression(expression), {
        marginSeconds: MISSING_RUN_MARGIN_SECONDS,
        timezone: props.scheduleTimezone,
      });
      if (shape && "problem" in shape) problems.add(p("scheduleExpression"), shape.problem);
    } catch (error) {
      problems.add(p("scheduleExpression"), `${(error as Error).message}.`);
    }
  }
  let profile: SpikeProfile | undefined;
  const rawProfile = props.profile ?? defaultSpikeProfile;
  if (!(typeof rawProfile === "string" && Token.isUnresolved(rawProfile))) {
    try {
      profile = parseProfile(rawProfile);
      for (const problem of lambdaBudgetProblems(profile, isLiteralNumber(timeoutSeconds) ? timeoutSeconds : max))
        problems.add(p("profile"), `${problem}.`);
      const targeted = targetedScenario(profile);
      if (targeted)
        problems.add(
          p("profile"),
          `scenario "${targeted.name}" is for target "${targeted.target}", but the generator sends to one pipeline: remove the scenarios' \`target\` (several pipelines in one run: \`spike --targets <file>\`).`,
        );
    } catch (error) {
      problems.add(p("profile"), (error as Error).message.replace(/\n\s*/g, " "));
    }
  }
  // the run, with its reconciliation deadline derived from the pipeline, must fit the schedule
  problems.addAll(pipelineRetryScheduleProblems(props, prefix));
  return { problems: problems.items, profile };
}

/**
 * Where the retry settings a {@link pipelineRetryScheduleProblems} problem asks to lower are
 * set: on SpikeGenerator, `pipelineRetry.*`; on a ConsumerPipeline, `queue.maxReceiveCount`
 * and `worker.backoffMaxSeconds`.
 */
export interface RetrySettingNames {
  /** The prop the problem is reported under. */
  readonly path: string;
  readonly maxReceiveCount: string;
  readonly backoffMaxSeconds: string;
}

/** The shortest time between two runs of a schedule, seconds (a cron read over 35 days); undefined for `at(...)` or when unknown. */
function shortestGapSeconds(expression: string): number | undefined {
  const parsed = parseScheduleExpression(expression);
  if (parsed.kind === "rate") return parsed.periodSeconds;
  if (parsed.kind === "at") return undefined;
  const from = Date.UTC(2025, 0, 1);
  const firings = cronFirings(parsed.fields, from, from + 35 * 86_400_000);
  let shortest: number | undefined;
  for (let i = 1; i < firings.length; i++) shortest = Math.min(shortest ?? Infinity, (firings[i] - firings[i - 1]) / 1000);
  return shortest;
}

/**
 * Problems of a run whose reconciliation deadline, derived from `pipelineRetry`, cannot finish:
 * the run (start barrier, traffic, the sender's retry tail, the derived deadline, 30 s of
 * reports) longer than the schedule's shortest gap (runs would overlap and share the receipts'
 * queue), or longer than the missing-run alarm's margin ({@link MISSING_RUN_MARGIN_SECONDS}:
 * the alarm would fire while a run is still reconciling). Each names the setting to lower.
 * Skipped while the profile, the schedule or a setting is a token.
 */
export function pipelineRetryScheduleProblems(
  props: Pick<Partial<SpikeGeneratorProps>, "pipelineRetry" | "profile" | "scheduleExpression" | "scheduleEnabled">,
  prefix?: string,
  names: RetrySettingNames = {
    path: prefixed(prefix, "pipelineRetry"),
    maxReceiveCount: prefixed(prefix, "pipelineRetry.maxReceiveCount"),
    backoffMaxSeconds: prefixed(prefix, "pipelineRetry.backoffMaxSeconds"),
  },
): ValidationProblem[] {
  const problems = new Problems();
  const retry = props.pipelineRetry;
  if (!retry) return [];
  const values = [
    retry.maxReceiveCount,
    retry.backoffBaseSeconds,
    retry.backoffMaxSeconds,
    retry.functionTimeoutSeconds,
    retry.batchingWindowSeconds,
    retry.visibilityTimeoutSeconds,
  ];
  if (values.some((v) => v !== undefined && !isLiteralNumber(v))) return [];
  const settingProblems = pipelineRetryProblems(retry);
  for (const problem of settingProblems) problems.add(names.path, `${problem}.`);
  const rawProfile = props.profile ?? defaultSpikeProfile;
  if (settingProblems.length || (typeof rawProfile === "string" && Token.isUnresolved(rawProfile))) return [...problems.items];
  let profile: SpikeProfile;
  try {
    profile = parseProfile(rawProfile);
  } catch {
    return [...problems.items]; // reported under profile
  }
  const deadline = deriveReconcileDeadline(profile, retry);
  const r = profile.sending.retry;
  // the sender's retry tail, as lambdaBudgetProblems counts it (lib/runtime/loadgen/budget.ts)
  const tail =
    (r.maxAttempts - 1) * Math.max(r.maxRetryAfterSeconds, r.maxDelayMs / 1000) + r.maxAttempts * profile.sending.requestTimeoutSeconds;
  const runSeconds = Math.ceil(START_BARRIER_MS / 1000 + profileDurationSeconds(profile) + tail + deadline.deadlineSeconds + 30);
  const lower = `lower ${names.backoffMaxSeconds} or ${names.maxReceiveCount} (the deadline derives from them: ${deadline.explanation})`;
  const expression = props.scheduleExpression ?? SPIKE_GENERATOR_DEFAULTS.scheduleExpression;
  if (!Token.isUnresolved(expression) && (props.scheduleEnabled ?? SPIKE_GENERATOR_DEFAULTS.scheduleEnabled)) {
    let gap: number | undefined;
    try {
      gap = shortestGapSeconds(expression);
    } catch {
      gap = undefined; // an unreadable expression is reported under scheduleExpression
    }
    if (gap !== undefined && runSeconds > gap) {
      problems.add(
        names.path,
        `a run takes up to ${runSeconds} s (its reconciliation deadline is ${deadline.deadlineSeconds} s), longer than the ${gap} s between two runs of "${expression}": runs would overlap; ${lower}, or make ${prefixed(prefix, "scheduleExpression")} less frequent.`,
      );
    }
  }
  if (runSeconds > MISSING_RUN_MARGIN_SECONDS) {
    problems.add(
      names.path,
      `a run takes up to ${runSeconds} s (its reconciliation deadline is ${deadline.deadlineSeconds} s), longer than the ${MISSING_RUN_MARGIN_SECONDS} s the missing-run alarm allows a run: it would alarm while the run still reconciles; ${lower}.`,
    );
  }
  return [...problems.items];
}

/** The spike generator: function, schedule, roles, alarms. */
export class SpikeGenerator extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
  readonly logGroup: CloudwatchLogGroup;
  readonly bundle: BundledFunction;
  readonly invokeConfig: LambdaFunctionEventInvokeConfig;
  readonly schedule: SchedulerSchedule;
  readonly schedulerRole: IamRole;
  /** Alarm: the last run's verdict was FAIL. */
  readonly verdictAlarm: CloudwatchMetricAlarm;
  /** Alarm: an invocation errored (a crashed or timed-out run gives no verdict). */
  readonly errorsAlarm: CloudwatchMetricAlarm;
  /** The function name (a literal). */
  readonly functionName: string;
  /** The validated profile the function runs by default (undefined when given as a token). */
  readonly profile?: SpikeProfile;
  readonly runName: string;
  /** The created reports bucket (undefined when `reports.bucket` brings one). */
  readonly reportBucket?: ReportBucket;
  /** Where the reports are kept: bucket name and ARN, key prefix. */
  readonly reports: { readonly bucketName: string; readonly bucketArn: string; readonly prefix: string; readonly historyLength: number };
  /**
   * Alarm: no heartbeat ({@link HEARTBEAT_METRIC}) for longer than the schedule's longest gap
   * plus an hour: a run that did not happen (schedule deleted or disabled out of band, role
   * broken, function throttled or crashed before its verdict). Undefined for an `at(...)`
   * schedule (one run, no gap to watch) and a disabled one (it would fire forever).
   */
  readonly missingRunAlarm?: CloudwatchMetricAlarm;
  /** How the missing-run alarm was derived from the schedule. */
  readonly missingRunAlarmShape?: MissingRunAlarmShape;

  constructor(scope: Construct, id: string, props: SpikeGeneratorProps) {
    super(scope, id);
    this.profile = this.validate(props);
    const rawProfile = props.profile ?? defaultSpikeProfile;
    const profileJson = typeof rawProfile === "string" && Token.isUnresolved(rawProfile) ? rawProfile : JSON.stringify(this.profile ?? {});

    const tags = props.tags ? { ...props.tags } : undefined;
    this.functionName = physicalName(this, { prefix: props.namePrefix, suffix: "fn", maxLength: NAME_LIMITS.lambdaFunction });
    this.runName = props.runName ?? this.functionName;
    this.bundle = bundleFunction(this, "code", { ...(props.bundling ?? {}), entry: spikeGeneratorEntry() });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionDays ?? SPIKE_GENERATOR_DEFAULTS.logRetentionDays,
      tags,
    });
    this.role = new IamRole(this, "role", {
      name: physicalName(this, { prefix: props.namePrefix, suffix: "role", maxLength: NAME_LIMITS.iamRole, allowed: /[A-Za-z0-9_+=,.@-]/ }),
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
      tags,
    });

    // the reports bucket: created, or the team's
    const reportsProps = props.reports ?? {};
    if (!reportsProps.bucket) {
      this.reportBucket = new ReportBucket(this, "reports", {
        retentionDays: reportsProps.retentionDays,
        forceDestroy: reportsProps.forceDestroy,
        namePrefix: props.namePrefix,
        tags,
      });
    }
    this.reports = {
      bucketName: reportsProps.bucket?.name ?? this.reportBucket!.name,
      bucketArn: reportsProps.bucket?.arn ?? this.reportBucket!.arn,
      prefix: reportsProps.prefix ?? REPORT_DEFAULTS.prefix,
      historyLength: reportsProps.historyLength ?? REPORT_DEFAULTS.historyLength,
    };

    this.function = this.createFunction(props, profileJson, tags);
    this.rolePolicy = new IamRolePolicy(this, "policy", {
      role: this.role.id,
      name: "spike-generator",
      policy: policyDocument(this.policyStatements(props)),
    });
    // an asynchronous retry would send a second spike: none
    this.invokeConfig = new LambdaFunctionEventInvokeConfig(this, "invoke-config", {
      functionName: this.function.functionName,
      maximumRetryAttempts: 0,
    });

    this.schedulerRole = this.createSchedulerRole(props, tags);
    this.schedule = this.createSchedule(props);
    const alarms = this.createAlarms(props, tags);
    this.verdictAlarm = alarms.verdict;
    this.errorsAlarm = alarms.errors;
    this.missingRunAlarmShape = alarms.missingRunShape;
    this.missingRunAlarm = alarms.missingRun;
  }

  /** Checks the props; throws one `ValidationError` listing every problem. Returns the parsed profile (undefined for a token). */
  private validate(props: SpikeGeneratorProps): SpikeProfile | undefined {
    const problems = new Problems();
    if (!props.targetUrl) problems.add("targetUrl", "is required; pass the ingress URL (e.g. pipeline.ingress.url).");
    if (!props.signingSecretArn) problems.add("signingSecretArn", "is required; pass the ARN of the webhook signing secret.");
    const checked = checkSpikeGeneratorProps(props);
    problems.addAll(checked.problems);
    problems.throwIfAny(this.node.path, "SpikeGenerator");
    return checked.profile;
  }

  /** The load-generator function, its settings written through the contract (`loadgenEnvironment`). */
  private createFunction(props: SpikeGeneratorProps, profileJson: string, tags: Record<string, string> | undefined): LambdaFunction {
    return new LambdaFunction(this, "function", {
      functionName: this.functionName,
      description: `Synthetic spike generator of ${this.node.path}`,
      role: this.role.arn,
      runtime: props.runtime ?? SPIKE_GENERATOR_DEFAULTS.runtime,
      handler: "index.handler",
      filename: this.bundle.asset.path,
      sourceCodeHash: this.bundle.asset.assetHash,
      architectures: [props.architecture ?? SPIKE_GENERATOR_DEFAULTS.architecture],
      memorySize: props.memorySizeMb ?? SPIKE_GENERATOR_DEFAULTS.memorySizeMb,
      timeout: props.timeoutSeconds ?? SPIKE_GENERATOR_DEFAULTS.timeoutSeconds,
      environment: { variables: this.environment(props, profileJson) },
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
      tags,
    });
  }

  /** The function's environment: what a run targets, reads and reports to. */
  private environment(props: SpikeGeneratorProps, profileJson: string): Record<string, string> {
    return loadgenEnvironment({
      targetUrl: props.targetUrl,
      signatureSecretArn: props.signingSecretArn,
      apiKeySecretArn: props.apiKeySecretArn,
      receiptsTable: props.receiptsTable?.name,
      dlqUrl: props.dlq?.url,
      quarantineQueueUrl: props.quarantineQueue?.url,
      queueUrl: props.queue?.url,
      workerMaxReceiveCount: props.workerMaxReceiveCount ?? props.pipelineRetry?.maxReceiveCount,
      workerBackoffBaseSeconds: props.pipelineRetry?.backoffBaseSeconds,
      workerBackoffMaxSeconds: props.pipelineRetry?.backoffMaxSeconds,
      workerTimeoutSeconds: props.pipelineRetry?.functionTimeoutSeconds,
      workerBatchingWindowSeconds: props.pipelineRetry?.batchingWindowSeconds,
      queueVisibilityTimeoutSeconds: props.pipelineRetry?.visibilityTimeoutSeconds,
      profile: profileJson,
      agentCapacityPerSecond: props.agentCapacityPerSecond ?? SPIKE_GENERATOR_DEFAULTS.agentCapacityPerSecond,
      functionName: this.functionName,
      metricsNamespace: props.metricsNamespace ?? SPIKE_GENERATOR_DEFAULTS.metricsNamespace,
      runName: this.runName,
      reportsBucket: this.reports.bucketName,
      reportsPrefix: this.reports.prefix,
      historyLength: this.reports.historyLength,
      queueName: props.backpressure?.queueName,
      dlqName: props.backpressure?.dlqName,
      quarantineQueueName: props.backpressure?.quarantineQueueName,
      workerFunctionName: props.backpressure?.workerFunctionName,
      eventSourceMappingUuid: props.backpressure?.eventSourceMappingUuid,
      workerMetricsNamespace: props.backpressure?.workerMetricsNamespace,
    });
  }

  /**
   * The least-privilege statements of the function's role: its log group, invoking its own
   * agents, the secrets, the pipeline's table and queues it reads, the metrics of the report's
   * backpressure charts, and the reports under their prefix.
   */
  private policyStatements(props: SpikeGeneratorProps): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${this.logGroup.arn}:*`] },
      // the controller invokes its agents: this very function, nothing else
      { Sid: "InvokeAgents", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.function.arn },
      { Sid: "ReadSigningSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: props.signingSecretArn },
      ...(props.apiKeySecretArn
        ? [{ Sid: "ReadEdgeApiKey", Effect: "Allow" as const, Action: "secretsmanager:GetSecretValue", Resource: props.apiKeySecretArn }]
        : []),
    ];
    if (props.receiptsTable)
      statements.push({ Sid: "ReadReceipts", Effect: "Allow", Action: "dynamodb:Query", Resource: props.receiptsTable.arn });
    if (props.quarantineQueue) {
      statements.push({
        Sid: "DrainQuarantine",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
        Resource: props.quarantineQueue.arn,
      });
    }
    if (props.dlq)
      statements.push({
        Sid: "PeekDlq",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"],
        Resource: props.dlq.arn,
      });
    // the redrive-policy check reads the queue's RedrivePolicy and the DLQ's ARN
    if (props.queue) {
      statements.push({
        Sid: "ReadRedrivePolicy",
        Effect: "Allow",
        Action: "sqs:GetQueueAttributes",
        Resource: props.dlq ? [props.queue.arn, props.dlq.arn] : [props.queue.arn],
      });
    }
    // the report's backpressure charts: GetMetricData has no resource types and no condition keys in the
    // service authorization reference (docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html),
    // so "*" is the only Resource it accepts; it reads metrics only (no alarms, dashboards or logs)
    if (props.backpressure)
      statements.push({ Sid: "ReadBackpressureMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" });
    if (props.kmsKeyArns?.length)
      statements.push({ Sid: "UseKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: [...props.kmsKeyArns] });
    statements.push(...this.reportsStatements(props));
    return statements;
  }

  /** The statements keeping the reports: objects under the prefix only, listing limited to it, and the team bucket's key. */
  private reportsStatements(props: SpikeGeneratorProps): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      {
        Sid: "KeepReports",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: `${this.reports.bucketArn}/${this.reports.prefix}*`,
      },
      {
        Sid: "ListReports",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: this.reports.bucketArn,
        Condition: { StringLike: { "s3:prefix": `${this.reports.prefix}*` } },
      },
    ];
    // SSE-KMS on a bucket the team brings: writing needs a data key, reading the history decrypts it
    const reportsKey = props.reports?.bucket?.kmsKeyArn;
    if (reportsKey)
      statements.push({ Sid: "ReportsKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: reportsKey });
    return statements;
  }

  /** The role EventBridge Scheduler assumes to start a run: it may invoke this function only. */
  private createSchedulerRole(props: SpikeGeneratorProps, tags: Record<string, string> | undefined): IamRole {
    return new IamRole(this, "scheduler-role", {
      name: physicalName(this, {
        prefix: props.namePrefix,
        suffix: "scheduler",
        maxLength: NAME_LIMITS.iamRole,
        allowed: /[A-Za-z0-9_+=,.@-]/,
      }),
      assumeRolePolicy: schedulerTrustPolicy(this, SPIKE_SCHEDULE_GROUP),
      inlinePolicy: [
        {
          name: "invoke-spike-generator",
          policy: policyDocument([{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.function.arn }]),
        },
      ],
      tags,
    });
  }

  /** The schedule starting the controller, never retried (a retry would send a second spike). */
  private createSchedule(props: SpikeGeneratorProps): SchedulerSchedule {
    return new SchedulerSchedule(this, "schedule", {
      name: physicalName(this, { prefix: props.namePrefix, suffix: "nightly", maxLength: 64, allowed: /[A-Za-z0-9_.-]/ }),
      description: `Nightly synthetic spike of ${this.node.path}`,
      scheduleExpression: props.scheduleExpression ?? SPIKE_GENERATOR_DEFAULTS.scheduleExpression,
      scheduleExpressionTimezone: props.scheduleTimezone ?? SPIKE_GENERATOR_DEFAULTS.scheduleTimezone,
      state: (props.scheduleEnabled ?? SPIKE_GENERATOR_DEFAULTS.scheduleEnabled) ? "ENABLED" : "DISABLED",
      // named, not implied: the scheduler role's aws:SourceArn is this group's ARN
      groupName: SPIKE_SCHEDULE_GROUP,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: this.function.arn,
        roleArn: this.schedulerRole.arn,
        input: JSON.stringify({ role: "controller" }),
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });
  }

  /** The alarms on a FAIL verdict, on a crashed run, and (for a recurring, enabled schedule) on a missing run. */
  private createAlarms(
    props: SpikeGeneratorProps,
    tags: Record<string, string> | undefined,
  ): {
    verdict: CloudwatchMetricAlarm;
    errors: CloudwatchMetricAlarm;
    missingRun?: CloudwatchMetricAlarm;
    missingRunShape?: MissingRunAlarmShape;
  } {
    const namespace = props.metricsNamespace ?? SPIKE_GENERATOR_DEFAULTS.metricsNamespace;
    const actions = props.alarmTopicArn ? [props.alarmTopicArn] : undefined;
    const verdict = new CloudwatchMetricAlarm(this, "verdict-alarm", {
      alarmName: physicalName(this, { prefix: props.namePrefix, suffix: "spike-failed", maxLength: NAME_LIMITS.cloudwatchAlarm }),
      alarmDescription: `The synthetic spike of ${this.node.path} judged FAIL: read the run's report in the reports bucket (history.html links every run) or the function's log (${VERDICT_METRIC} = 1).`,
      namespace,
      metricName: VERDICT_METRIC,
      dimensions: { RunName: this.runName },
      statistic: "Maximum",
      period: 3600,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: actions,
      okActions: actions,
      tags,
    });
    const errors = new CloudwatchMetricAlarm(this, "errors-alarm", {
      alarmName: physicalName(this, { prefix: props.namePrefix, suffix: "spike-errors", maxLength: NAME_LIMITS.cloudwatchAlarm }),
      alarmDescription: `The synthetic spike of ${this.node.path} crashed or timed out before giving a verdict.`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: this.functionName },
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: actions,
      tags,
    });
    return { verdict, errors, ...this.createMissingRunAlarm(props, namespace, actions, tags) };
  }

  /**
   * A run that does not happen: the heartbeat missing for longer than the schedule's longest
   * gap. None for a token or `at(...)` schedule, nor for a disabled one.
   */
  private createMissingRunAlarm(
    props: SpikeGeneratorProps,
    namespace: string,
    actions: string[] | undefined,
    tags: Record<string, string> | undefined,
  ): { missingRun?: CloudwatchMetricAlarm; missingRunShape?: MissingRunAlarmShape } {
    const expression = props.scheduleExpression ?? SPIKE_GENERATOR_DEFAULTS.scheduleExpression;
    const shape =
      !Token.isUnresolved(expression) && (props.scheduleEnabled ?? SPIKE_GENERATOR_DEFAULTS.scheduleEnabled)
        ? missingRunAlarmShape(parseScheduleExpression(expression), {
            marginSeconds: MISSING_RUN_MARGIN_SECONDS,
            timezone: props.scheduleTimezone,
          })
        : undefined;
    if (!shape || "problem" in shape) return {};
    const missingRun = new CloudwatchMetricAlarm(this, "missing-run-alarm", {
      alarmName: physicalName(this, { prefix: props.namePrefix, suffix: "spike-missing", maxLength: NAME_LIMITS.cloudwatchAlarm }),
      alarmDescription:
        `No synthetic spike of ${this.node.path} completed for ${shape.evaluationPeriods} hours (${HEARTBEAT_METRIC} missing; the schedule "${expression}" leaves at most ${shape.longestGapSeconds} s between runs): ` +
        "check the schedule's state, the scheduler role, the function's errors and throttles.",
      namespace,
      metricName: HEARTBEAT_METRIC,
      dimensions: { RunName: this.runName },
      statistic: "Sum",
      // an hour or more: CloudWatch then looks back up to 7 days (period x evaluation periods <= CLOUDWATCH_MAX_ALARM_EVALUATION_SECONDS)
      period: shape.periodSeconds,
      evaluationPeriods: shape.evaluationPeriods,
      datapointsToAlarm: shape.datapointsToAlarm,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // no heartbeat is the condition itself
      treatMissingData: "breaching",
      alarmActions: actions,
      okActions: actions,
      tags,
    });
    return { missingRun, missingRunShape: shape };
  }
}
