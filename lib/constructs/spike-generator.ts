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
import { defaultSpikeProfile, parseProfile, type SpikeProfile, type SpikeProfileInput } from "../runtime/loadgen/profile";
import { DEFAULT_AGENT_CAPACITY_PER_SECOND, lambdaBudgetProblems } from "../runtime/loadgen/budget";
import { DEFAULT_METRICS_NAMESPACE, VERDICT_METRIC } from "../runtime/loadgen/metric-names";
import { BundleProps, BundledFunction, bundleFunction } from "./bundle";
import { Problems, isLiteralNumber } from "./errors";
import { DEFAULT_LOG_RETENTION_DAYS, checkLogRetention } from "./log-retention";
import { NAME_LIMITS, physicalName } from "./naming";
import { PolicyStatement, assumeRolePolicy, policyDocument } from "./policy";
import { stackAccount, stackPartition, stackRegion } from "./stack-data";
import type { QueueRef } from "./queue-with-dlq";

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
  timeoutSeconds: 900,
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
  /** Function timeout, seconds (60..900). @default 900 */
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
    Statement: [{
      Effect: "Allow",
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: {
          "aws:SourceAccount": account,
          "aws:SourceArn": `arn:${partition}:scheduler:${region}:${account}:schedule-group/${groupName}`,
        },
      },
    }],
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

  constructor(scope: Construct, id: string, props: SpikeGeneratorProps) {
    super(scope, id);
    const problems = new Problems();
    if (!props.targetUrl) problems.add("targetUrl", "is required; pass the ingress URL (e.g. pipeline.ingress.url).");
    if (!props.signingSecretArn) problems.add("signingSecretArn", "is required; pass the ARN of the webhook signing secret.");
    const timeoutSeconds = props.timeoutSeconds ?? SPIKE_GENERATOR_DEFAULTS.timeoutSeconds;
    if (isLiteralNumber(timeoutSeconds) && (timeoutSeconds < 60 || timeoutSeconds > 900 || !Number.isInteger(timeoutSeconds))) {
      problems.add("timeoutSeconds", `${timeoutSeconds} is outside 60..900; set an integer number of seconds (Lambda's limit is 900).`);
    }
    const memory = props.memorySizeMb ?? SPIKE_GENERATOR_DEFAULTS.memorySizeMb;
    if (isLiteralNumber(memory) && (memory < 128 || memory > 10_240)) problems.add("memorySizeMb", `${memory} is outside 128..10240; set a size in MB.`);
    const capacity = props.agentCapacityPerSecond ?? SPIKE_GENERATOR_DEFAULTS.agentCapacityPerSecond;
    if (isLiteralNumber(capacity) && (capacity < 1 || capacity > 100_000)) {
      problems.add("agentCapacityPerSecond", `${capacity} is outside 1..100000; set messages per second per agent.`);
    }
    if (isLiteralNumber(props.workerMaxReceiveCount) && (props.workerMaxReceiveCount < 1 || props.workerMaxReceiveCount > 1000 || !Number.isInteger(props.workerMaxReceiveCount))) {
      problems.add("workerMaxReceiveCount", `${props.workerMaxReceiveCount} is outside 1..1000; set the worker's maxReceiveCount (an integer number of receives).`);
    }
    checkLogRetention(problems, "logRetentionDays", props.logRetentionDays);
    const expression = props.scheduleExpression ?? SPIKE_GENERATOR_DEFAULTS.scheduleExpression;
    if (!Token.isUnresolved(expression) && !/^(cron|rate|at)\(.+\)$/.test(expression)) {
      problems.add("scheduleExpression", `"${expression}" is not an EventBridge Scheduler expression; use cron(...), rate(...) or at(...).`);
    }
    let profileJson: string;
    const rawProfile = props.profile ?? defaultSpikeProfile;
    if (typeof rawProfile === "string" && Token.isUnresolved(rawProfile)) {
      profileJson = rawProfile;
    } else {
      try {
        this.profile = parseProfile(rawProfile);
        for (const p of lambdaBudgetProblems(this.profile, isLiteralNumber(timeoutSeconds) ? timeoutSeconds : 900)) problems.add("profile", `${p}.`);
      } catch (error) {
        problems.add("profile", (error as Error).message.replace(/\n\s*/g, " "));
      }
      profileJson = JSON.stringify(this.profile ?? {});
    }
    problems.throwIfAny(this.node.path, "SpikeGenerator");

    const tags = props.tags ? { ...props.tags } : undefined;
    this.functionName = physicalName(this, { prefix: props.namePrefix, suffix: "fn", maxLength: NAME_LIMITS.lambdaFunction });
    this.runName = props.runName ?? this.functionName;
    const namespace = props.metricsNamespace ?? SPIKE_GENERATOR_DEFAULTS.metricsNamespace;
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

    this.function = new LambdaFunction(this, "function", {
      functionName: this.functionName,
      description: `Synthetic spike generator of ${this.node.path}`,
      role: this.role.arn,
      runtime: props.runtime ?? SPIKE_GENERATOR_DEFAULTS.runtime,
      handler: "index.handler",
      filename: this.bundle.asset.path,
      sourceCodeHash: this.bundle.asset.assetHash,
      architectures: [props.architecture ?? SPIKE_GENERATOR_DEFAULTS.architecture],
      memorySize: memory,
      timeout: timeoutSeconds,
      environment: {
        variables: loadgenEnvironment({
          targetUrl: props.targetUrl,
          signatureSecretArn: props.signingSecretArn,
          apiKeySecretArn: props.apiKeySecretArn,
          receiptsTable: props.receiptsTable?.name,
          dlqUrl: props.dlq?.url,
          quarantineQueueUrl: props.quarantineQueue?.url,
          queueUrl: props.queue?.url,
          workerMaxReceiveCount: props.workerMaxReceiveCount,
          profile: profileJson,
          agentCapacityPerSecond: capacity,
          functionName: this.functionName,
          metricsNamespace: namespace,
          runName: this.runName,
        }),
      },
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
      tags,
    });

    const statements: PolicyStatement[] = [
      { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${this.logGroup.arn}:*`] },
      // the controller invokes its agents: this very function, nothing else
      { Sid: "InvokeAgents", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.function.arn },
      { Sid: "ReadSigningSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: props.signingSecretArn },
      ...(props.apiKeySecretArn ? [{ Sid: "ReadEdgeApiKey", Effect: "Allow" as const, Action: "secretsmanager:GetSecretValue", Resource: props.apiKeySecretArn }] : []),
    ];
    if (props.receiptsTable) statements.push({ Sid: "ReadReceipts", Effect: "Allow", Action: "dynamodb:Query", Resource: props.receiptsTable.arn });
    if (props.quarantineQueue) {
      statements.push({
        Sid: "DrainQuarantine",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
        Resource: props.quarantineQueue.arn,
      });
    }
    if (props.dlq) statements.push({ Sid: "PeekDlq", Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"], Resource: props.dlq.arn });
    // the redrive-policy check reads the queue's RedrivePolicy and the DLQ's ARN
    if (props.queue) {
      statements.push({ Sid: "ReadRedrivePolicy", Effect: "Allow", Action: "sqs:GetQueueAttributes", Resource: props.dlq ? [props.queue.arn, props.dlq.arn] : [props.queue.arn] });
    }
    if (props.kmsKeyArns?.length) statements.push({ Sid: "UseKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: [...props.kmsKeyArns] });
    this.rolePolicy = new IamRolePolicy(this, "policy", { role: this.role.id, name: "spike-generator", policy: policyDocument(statements) });

    // an asynchronous retry would send a second spike: none
    this.invokeConfig = new LambdaFunctionEventInvokeConfig(this, "invoke-config", {
      functionName: this.function.functionName,
      maximumRetryAttempts: 0,
    });

    this.schedulerRole = new IamRole(this, "scheduler-role", {
      name: physicalName(this, { prefix: props.namePrefix, suffix: "scheduler", maxLength: NAME_LIMITS.iamRole, allowed: /[A-Za-z0-9_+=,.@-]/ }),
      assumeRolePolicy: schedulerTrustPolicy(this, SPIKE_SCHEDULE_GROUP),
      inlinePolicy: [
        { name: "invoke-spike-generator", policy: policyDocument([{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.function.arn }]) },
      ],
      tags,
    });
    this.schedule = new SchedulerSchedule(this, "schedule", {
      name: physicalName(this, { prefix: props.namePrefix, suffix: "nightly", maxLength: 64, allowed: /[A-Za-z0-9_.-]/ }),
      description: `Nightly synthetic spike of ${this.node.path}`,
      scheduleExpression: expression,
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

    const actions = props.alarmTopicArn ? [props.alarmTopicArn] : undefined;
    this.verdictAlarm = new CloudwatchMetricAlarm(this, "verdict-alarm", {
      alarmName: physicalName(this, { prefix: props.namePrefix, suffix: "spike-failed", maxLength: NAME_LIMITS.cloudwatchAlarm }),
      alarmDescription: `The synthetic spike of ${this.node.path} judged FAIL: read the run's report in the function's log (${VERDICT_METRIC} = 1).`,
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
    this.errorsAlarm = new CloudwatchMetricAlarm(this, "errors-alarm", {
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
  }
}
