/**
 * Alarms and a dashboard for one pipeline: an SNS topic encrypted with its own KMS key, TLS only
 * (or an existing topic, used as is), alarms on the DLQ, the queue's oldest message, the
 * worker's errors and throttles and the ingress 5XX/4XX, and a CloudWatch dashboard.
 */
import { Construct, IConstruct } from "constructs";
import { Annotations, Aspects, TerraformStack } from "cdktf";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { KMS_DELETION_WINDOW_DAYS } from "../runtime/aws-limits";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { NAME_LIMITS, physicalName } from "./naming";
import { policyDocument } from "./policy";
import { stackAccount, stackPartition, stackRegion } from "./stack-data";

/** Alarm thresholds, one place. */
export const ALARM_DEFAULTS = {
  dlqMessagesThreshold: 0,
  queueAgeThresholdSeconds: 600,
  workerErrorsThreshold: 5,
  workerThrottlesThreshold: 0,
  workerFailedEventsThreshold: 100,
  ingress5xxThreshold: 0,
  ingress4xxThreshold: 20,
  ingressBodyTooLargeThreshold: 0,
  dashboard: true,
} as const;

/** KMS's waiting period, days, before the created alarm-topic key is deleted (KMS allows 7..30). */
export const ALARM_TOPIC_KEY_DELETION_WINDOW_DAYS = 30;

/**
 * The key policy of the created alarm-topic key (one key per topic, so `Resource: "*"` is this key):
 * - the account keeps administration (the KMS console's key-administrators actions, no
 *   cryptographic use) so the key never becomes unmanageable; IAM policies may delegate it;
 * - CloudWatch (`cloudwatch.amazonaws.com`) may `kms:Decrypt` and `kms:GenerateDataKey*`, what an
 *   AWS service publishing to an encrypted topic needs ("Enable compatibility between event
 *   sources from AWS services and encrypted topics",
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). The AWS managed
 *   `aws/sns` key's policy does not allow CloudWatch and cannot be edited, so alarms could not
 *   publish to a topic encrypted with it (AWS re:Post knowledge center, "cloudwatch-configure-alarm-sns");
 * - principals of this account may use it only through SNS (`kms:CallerAccount` + `kms:ViaService`
 *   `sns.<region>.amazonaws.com`, the pattern of AWS managed keys), e.g. publishing a test message.
 */
function alarmTopicKeyPolicy(scope: Construct): string {
  const partition = stackPartition(scope).partition;
  const account = stackAccount(scope).accountId;
  const region = stackRegion(scope).region;
  return policyDocument([
    {
      Sid: "AccountAdministersKey",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
      Action: [
        "kms:Create*",
        "kms:Describe*",
        "kms:Enable*",
        "kms:List*",
        "kms:Put*",
        "kms:Update*",
        "kms:Revoke*",
        "kms:Disable*",
        "kms:Get*",
        "kms:Delete*",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:ScheduleKeyDeletion",
        "kms:CancelKeyDeletion",
      ],
      Resource: "*",
    },
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
    },
    {
      Sid: "AccountUsesKeyThroughSns",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": account, "kms:ViaService": `sns.${region}.amazonaws.com` } },
    },
  ]);
}

/**
 * The policy of the created alarm topic:
 * - CloudWatch alarms of this account and region may publish, scoped with `aws:SourceArn` and
 *   `aws:SourceAccount` as CloudWatch documents against the confused deputy ("Setting up Amazon
 *   SNS notifications", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/US_SetupSNS.html);
 * - publishing without TLS is denied (`aws:SecureTransport` false), the statement of "Enforce
 *   encryption of data in transit" (https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit).
 */
function alarmTopicPolicy(scope: Construct, topicArn: string): string {
  const partition = stackPartition(scope).partition;
  const account = stackAccount(scope).accountId;
  const region = stackRegion(scope).region;
  return policyDocument([
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: {
        ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        StringEquals: { "aws:SourceAccount": account },
      },
    },
    {
      Sid: "DenyPublishWithoutTls",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
}

/** The command the DLQ alarm tells the on-call engineer to run. */
export function dlqRunbookCommand(dlqUrl: string): string {
  return `npx cdktf-genesys-consumer dlq inspect --queue ${dlqUrl}`;
}

/** Alarm settings a user gives (also the `alarms` option of `ConsumerPipeline`). */
export interface AlarmOptions {
  /**
   * ARN of an existing SNS topic for alarm and OK notifications.
   * @default none: a topic is created
   */
  readonly topicArn?: string;
  /**
   * Email addresses subscribed to the topic (each must confirm the subscription).
   * @default none
   */
  readonly email?: string | readonly string[];
  /**
   * ARN of your own customer managed KMS key for the created topic, used instead of the key
   * created here. Its key policy must allow `cloudwatch.amazonaws.com` `kms:Decrypt` and
   * `kms:GenerateDataKey*` (the AWS managed `aws/sns` key does not, and cannot be changed to:
   * alarms could not publish).
   * @default none: a customer managed key is created for the topic (see {@link PipelineAlarms.topicKey})
   */
  readonly topicKmsKeyArn?: string;
  /**
   * Waiting period, days (7..30), before the created topic key is deleted once scheduled for
   * deletion (a destroyed stack), during which the deletion can be cancelled.
   * @default 30
   */
  readonly topicKeyDeletionWindowDays?: number;
  /**
   * Alarm when the DLQ holds more than this many visible messages (ApproximateNumberOfMessagesVisible, max over 1 minute).
   * @default 0 (any dead letter alarms)
   */
  readonly dlqMessagesThreshold?: number;
  /**
   * Alarm when the main queue's oldest message is older than this, seconds (ApproximateAgeOfOldestMessage, max over 1 minute, 5 minutes in a row).
   * @default 600
   */
  readonly queueAgeThresholdSeconds?: number;
  /**
   * Alarm when the worker fails more than this many invocations in 5 minutes (Errors, sum).
   * Per-message failures are reported as partial batch failures and do not count here;
   * these are crashes and timeouts.
   * @default 5
   */
  readonly workerErrorsThreshold?: number;
  /**
   * Alarm when the worker is throttled more than this many times in 5 minutes (Throttles, sum).
   * @default 0
   */
  readonly workerThrottlesThreshold?: number;
  /**
   * Alarm when the worker's event source mapping counts more than this many failed events in
   * each of 3 consecutive 5-minute periods (FailedInvokeEventCount, sum, dimension
   * EventSourceMappingUUID; the mapping emits it because the worker sets
   * `metrics_config { metrics = ["EventCount"] }`). Lambda counts an event when the invoke
   * itself failed (permissions, network, a deleted function), when the function failed the
   * batch, and when the function reported it in `batchItemFailures`, which is how the worker
   * retries a message with a delay: a spike's throttled retries are expected, failures that go
   * on for 15 minutes are not. Events, per 5 minutes.
   * @default 100
   */
  readonly workerFailedEventsThreshold?: number;
  /**
   * Alarm when the ingress answers more than this many 5XX in 1 minute (5XXError, sum):
   * each one is a webhook SQS did not accept; Genesys retries at most 5 times.
   * @default 0
   */
  readonly ingress5xxThreshold?: number;
  /**
   * Alarm when the ingress answers more than this many 4XX in 5 minutes (4XXError, sum):
   * unsigned requests (probing, or a Genesys integration without a secret) or throttling.
   * @default 20
   */
  readonly ingress4xxThreshold?: number;
  /**
   * Alarm when the ingress refuses more than this many webhook bodies as too large (413) in 5
   * minutes (the ingress's `BodyTooLarge` metric, sum). Genesys does not retry a 4xx: each one is
   * a message refused for good, over the pipeline's size budget.
   * @default 0 (any refused body alarms)
   */
  readonly ingressBodyTooLargeThreshold?: number;
  /**
   * Create the CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
}

export interface PipelineAlarmsProps extends AlarmOptions {
  /** The main queue (name for metrics). */
  readonly queue: { readonly name: string };
  /** The DLQ (name for metrics, URL for the runbook command). */
  readonly dlq: { readonly name: string; readonly url: string };
  /** The worker function name. */
  readonly functionName: string;
  /**
   * The UUID of the worker's SQS event source mapping (`Worker.eventSourceMapping.uuid`, a
   * reference): the dimension of the event source mapping metrics, alarmed and shown on the
   * dashboard when given.
   * @default none (no event source mapping alarm or widget)
   */
  readonly eventSourceMappingUuid?: string;
  /**
   * The REST API name and stage, when the pipeline has a webhook ingress, and its
   * body-too-large metric (`WebhookIngress.bodyTooLargeMetric`, alarmed when given). @default none
   */
  readonly ingress?: {
    readonly apiName: string;
    readonly stageName: string;
    readonly bodyTooLargeMetric?: {
      readonly namespace: string;
      readonly metricName: string;
      readonly dimensions: Readonly<Record<string, string>>;
    };
  };
  /** Put in front of alarm, topic and dashboard names, joined with `-` unless it already ends with a separator (see `physicalName`). @default none */
  readonly namePrefix?: string;
  /** Tags on the topic and the alarms. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

export type AlarmKey =
  | "dlqNotEmpty"
  | "queueAge"
  | "workerErrors"
  | "workerThrottles"
  | "workerFailedEvents"
  | "ingress5xx"
  | "ingress4xx"
  | "ingressBodyTooLarge";

/**
 * The event source mapping metrics Lambda emits for an SQS mapping with
 * `metrics_config { metrics = ["EventCount"] }` (namespace AWS/Lambda, dimension
 * EventSourceMappingUUID), "Event source mapping metrics" in the Lambda developer guide:
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics
 * (EventSourceMappingMetricsConfig: "Include EventCount to receive event source mapping
 * metrics related to the number of events processed", Lambda API reference).
 * `FailedInvokeEventCount` is the one that signals failure for SQS. `DroppedEventCount` is
 * left out: it counts records dropped by MaximumRecordAgeInSeconds / MaximumRetryAttempts,
 * stream settings an SQS mapping does not have (SQS expires messages by the queue's
 * retention, which that metric excludes), so an alarm on it would never fire.
 */
export const EVENT_SOURCE_MAPPING_METRICS = [
  "PolledEventCount",
  "InvokedEventCount",
  "FailedInvokeEventCount",
  "DeletedEventCount",
] as const;

/** The dimension of the event source mapping metrics: the mapping's UUID. */
export const EVENT_SOURCE_MAPPING_DIMENSION = "EventSourceMappingUUID";

/** Every problem with alarm props (prop names prefixed with `prefix`). */
export function validateAlarmProps(props: AlarmOptions, prefix?: string): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  const thresholds: (keyof AlarmOptions)[] = [
    "dlqMessagesThreshold",
    "queueAgeThresholdSeconds",
    "workerErrorsThreshold",
    "workerThrottlesThreshold",
    "workerFailedEventsThreshold",
    "ingress5xxThreshold",
    "ingress4xxThreshold",
    "ingressBodyTooLargeThreshold",
  ];
  for (const key of thresholds) {
    const value = props[key];
    if (isLiteralNumber(value) && value < 0) problems.add(p(key), `${value} is negative; set 0 or more.`);
  }
  const emails = typeof props.email === "string" ? [props.email] : (props.email ?? []);
  for (const email of emails) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problems.add(p("email"), `"${email}" is not an email address; fix or remove it.`);
  }
  if (props.topicArn !== undefined && props.topicKmsKeyArn !== undefined) {
    problems.add(p("topicKmsKeyArn"), "has no effect with topicArn (the existing topic is used as is); remove one of them.");
  }
  const keyWindow = props.topicKeyDeletionWindowDays;
  if (keyWindow !== undefined && (props.topicArn !== undefined || props.topicKmsKeyArn !== undefined)) {
    problems.add(
      p("topicKeyDeletionWindowDays"),
      `has no effect with ${props.topicArn !== undefined ? "topicArn" : "topicKmsKeyArn"} (no topic key is created); remove it.`,
    );
  } else if (
    isLiteralNumber(keyWindow) &&
    (keyWindow < KMS_DELETION_WINDOW_DAYS.min || keyWindow > KMS_DELETION_WINDOW_DAYS.max || !Number.isInteger(keyWindow))
  ) {
    problems.add(
      p("topicKeyDeletionWindowDays"),
      `${keyWindow} is outside ${KMS_DELETION_WINDOW_DAYS.min}..${KMS_DELETION_WINDOW_DAYS.max}; set a whole number of days (KMS's waiting period).`,
    );
  }
  return [...problems.items];
}

export class PipelineAlarms extends Construct {
  /**
   * The SNS topic created here; `undefined` when `topicArn` names an existing topic (none is
   * created then). The ARN the alarms notify is always {@link PipelineAlarms.topicArn}.
   */
  readonly topic?: SnsTopic;
  /**
   * The customer managed KMS key encrypting the created topic; `undefined` with `topicArn` or
   * `topicKmsKeyArn`.
   */
  readonly topicKey?: KmsKey;
  /** The created topic's policy (CloudWatch alarms may publish; TLS only); `undefined` with `topicArn`. */
  readonly topicPolicy?: SnsTopicPolicy;
  /**
   * ARN of the topic the alarms notify (alarm and OK actions, email subscriptions): the
   * created topic's (a reference), or the `topicArn` given. Always set.
   */
  readonly topicArn: string;
  /** The alarms by key; `ingress5xx` and `ingress4xx` only with an ingress. */
  readonly alarms: Readonly<Partial<Record<AlarmKey, CloudwatchMetricAlarm>>>;
  /** The CloudWatch dashboard; `undefined` with `dashboard: false`. */
  readonly dashboard?: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const problems = new Problems();
    problems.addAll(validateAlarmProps(props));
    problems.throwIfAny(this.node.path, "PipelineAlarms");
    const tags = props.tags ? { ...props.tags } : undefined;

    if (props.topicArn) {
      // your topic is used as is: nothing is created or changed (see docs/guides/security.md)
      this.topicArn = props.topicArn;
    } else {
      const topic = this.createTopic(props, tags);
      this.topicKey = topic.key;
      this.topic = topic.topic;
      this.topicArn = topic.topic.arn;
      this.topicPolicy = topic.policy;
    }
    const emails = typeof props.email === "string" ? [props.email] : (props.email ?? []);
    if (!props.topicArn && emails.length === 0) Aspects.of(this).add(new WarnWithoutSubscription(this));
    emails.forEach(
      (email, i) => new SnsTopicSubscription(this, `email-${i}`, { topicArn: this.topicArn, protocol: "email", endpoint: email }),
    );

    const alarms: Partial<Record<AlarmKey, CloudwatchMetricAlarm>> = {};
    for (const spec of alarmSpecs(scope.node.path, props)) alarms[spec.key] = this.createAlarm(props, spec, tags);
    this.alarms = alarms;

    if (props.dashboard ?? ALARM_DEFAULTS.dashboard) {
      this.dashboard = new CloudwatchDashboard(this, "dashboard", {
        dashboardName: this.physicalName(props, "dashboard", NAME_LIMITS.dashboard),
        dashboardBody: JSON.stringify({ widgets: dashboardWidgets(props, stackRegion(this).region) }),
      });
    }
  }

  /** A physical name of this construct's resources. */
  private physicalName(props: PipelineAlarmsProps, suffix: string, maxLength: number = NAME_LIMITS.cloudwatchAlarm): string {
    return physicalName(this, { prefix: props.namePrefix, suffix, maxLength });
  }

  /** The alarm topic: encrypted with its own KMS key (unless `topicKmsKeyArn` names one), CloudWatch may publish, TLS only. */
  private createTopic(
    props: PipelineAlarmsProps,
    tags: Record<string, string> | undefined,
  ): { key?: KmsKey; topic: SnsTopic; policy: SnsTopicPolicy } {
    const topicName = this.physicalName(props, "topic", NAME_LIMITS.snsTopic);
    let key: KmsKey | undefined;
    if (!props.topicKmsKeyArn) {
      key = new KmsKey(this, "topic-key", {
        description: `Encrypts the alarm topic ${topicName} (${this.node.path})`,
        enableKeyRotation: true,
        deletionWindowInDays: props.topicKeyDeletionWindowDays ?? ALARM_TOPIC_KEY_DELETION_WINDOW_DAYS,
        policy: alarmTopicKeyPolicy(this),
        tags,
      });
    }
    const topic = new SnsTopic(this, "topic", { name: topicName, kmsMasterKeyId: props.topicKmsKeyArn ?? key?.arn, tags });
    const policy = new SnsTopicPolicy(this, "topic-policy", { arn: topic.arn, policy: alarmTopicPolicy(this, topic.arn) });
    return { key, topic, policy };
  }

  /** One alarm: above its threshold it notifies the topic, and again when it is OK; missing data is not breaching. */
  private createAlarm(props: PipelineAlarmsProps, spec: AlarmSpec, tags: Record<string, string> | undefined): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(this, spec.key, {
      alarmName: this.physicalName(props, spec.suffix),
      alarmDescription: spec.description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: spec.dimensions,
      statistic: spec.statistic,
      period: spec.periodSeconds,
      evaluationPeriods: spec.evaluationPeriods,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      tags,
    });
  }
}

/** One alarm of a pipeline: its key, name suffix, description and metric, and when it fires. */
interface AlarmSpec {
  readonly key: AlarmKey;
  readonly suffix: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly threshold: number;
}

/** Every alarm of a pipeline (`path` is the pipeline's construct path), in order: queues and worker, then the ingress. */
function alarmSpecs(path: string, props: PipelineAlarmsProps): AlarmSpec[] {
  return [...queueAndWorkerAlarmSpecs(path, props), ...ingressAlarmSpecs(path, props)];
}

/** The alarms on the DLQ, the queue's oldest message, the worker's errors and throttles and its event source mapping's failed events. */
function queueAndWorkerAlarmSpecs(path: string, props: PipelineAlarmsProps): AlarmSpec[] {
  const fnDims = { FunctionName: props.functionName };
  const specs: AlarmSpec[] = [
    {
      key: "dlqNotEmpty",
      suffix: "dlq-not-empty",
      description: `Messages are waiting in the dead-letter queue of ${path}: they failed every delivery attempt or were rejected (bad signature, malformed, permanent error). Runbook: inspect them with \`${dlqRunbookCommand(props.dlq.url)}\`, fix the cause, then redrive with \`npx cdktf-genesys-consumer dlq redrive --queue ${props.dlq.url}\`.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: props.dlq.name },
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: props.dlqMessagesThreshold ?? ALARM_DEFAULTS.dlqMessagesThreshold,
    },
    {
      key: "queueAge",
      suffix: "queue-age",
      description: `The oldest message in the queue of ${path} has waited more than ${props.queueAgeThresholdSeconds ?? ALARM_DEFAULTS.queueAgeThresholdSeconds} s: the worker is not keeping up (maximum concurrency, downstream throttling) or is failing.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: props.queue.name },
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 5,
      threshold: props.queueAgeThresholdSeconds ?? ALARM_DEFAULTS.queueAgeThresholdSeconds,
    },
    {
      key: "workerErrors",
      suffix: "worker-errors",
      description: `The worker of ${path} crashed or timed out on whole batches; see its log group /aws/lambda/${props.functionName}.`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: fnDims,
      statistic: "Sum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: props.workerErrorsThreshold ?? ALARM_DEFAULTS.workerErrorsThreshold,
    },
    {
      key: "workerThrottles",
      suffix: "worker-throttles",
      description: `The worker of ${path} was throttled by Lambda: the account or reserved concurrency is below the event source mapping's maximum concurrency.`,
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: fnDims,
      statistic: "Sum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: props.workerThrottlesThreshold ?? ALARM_DEFAULTS.workerThrottlesThreshold,
    },
  ];
  if (props.eventSourceMappingUuid) {
    specs.push({
      key: "workerFailedEvents",
      suffix: "worker-failed-events",
      description: `The event source mapping of ${path}'s worker has failed events for 15 minutes: the invoke fails (role, network, deleted function), whole batches fail, or the worker keeps returning messages for retry (a downstream that keeps refusing). They return to the queue and, after maxReceiveCount receives, land in the DLQ; see the log group /aws/lambda/${props.functionName}.`,
      namespace: "AWS/Lambda",
      metricName: "FailedInvokeEventCount",
      dimensions: { [EVENT_SOURCE_MAPPING_DIMENSION]: props.eventSourceMappingUuid },
      statistic: "Sum",
      periodSeconds: 300,
      evaluationPeriods: 3,
      threshold: props.workerFailedEventsThreshold ?? ALARM_DEFAULTS.workerFailedEventsThreshold,
    });
  }
  return specs;
}

/** The alarms on the webhook ingress: 5XX, 4XX and bodies refused as too large (none without an ingress). */
function ingressAlarmSpecs(path: string, props: PipelineAlarmsProps): AlarmSpec[] {
  if (!props.ingress) return [];
  const apiDims = { ApiName: props.ingress.apiName, Stage: props.ingress.stageName };
  const specs: AlarmSpec[] = [
    {
      key: "ingress5xx",
      suffix: "ingress-5xx",
      description: `The webhook ingress of ${path} answered 5XX: SQS did not accept webhooks (permissions, KMS, size). Genesys retries 5 times, then the message is lost; check the access log group.`,
      namespace: "AWS/ApiGateway",
      metricName: "5XXError",
      dimensions: apiDims,
      statistic: "Sum",
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: props.ingress5xxThreshold ?? ALARM_DEFAULTS.ingress5xxThreshold,
    },
    {
      key: "ingress4xx",
      suffix: "ingress-4xx",
      description: `The webhook ingress of ${path} answered many 4XX: requests without the signature header (probing, or an integration without a secret token) or throttled requests.`,
      namespace: "AWS/ApiGateway",
      metricName: "4XXError",
      dimensions: apiDims,
      statistic: "Sum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: props.ingress4xxThreshold ?? ALARM_DEFAULTS.ingress4xxThreshold,
    },
  ];
  const tooLarge = props.ingress.bodyTooLargeMetric;
  if (tooLarge) {
    specs.push({
      key: "ingressBodyTooLarge",
      suffix: "ingress-body-too-large",
      description: `The webhook ingress of ${path} refused webhook bodies as too large (413): over the pipeline's size budget (the main queue's maximum message size, bodies base64-encoded). Genesys does not retry them; find them in the access log group (status 413).`,
      namespace: tooLarge.namespace,
      metricName: tooLarge.metricName,
      dimensions: { ...tooLarge.dimensions },
      statistic: "Sum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: props.ingressBodyTooLargeThreshold ?? ALARM_DEFAULTS.ingressBodyTooLargeThreshold,
    });
  }
  return specs;
}

/** The dashboard's widgets: ingress (with one), queue depth and age, DLQ depth, worker, event source mapping (with one). */
function dashboardWidgets(props: PipelineAlarmsProps, region: string): unknown[] {
  const widget = (title: string, metrics: unknown[][], x: number, y: number, stat = "Sum") => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region, stat, period: 60, view: "timeSeries", metrics },
  });
  return [
    ...(props.ingress
      ? [
          widget(
            "Ingress requests and errors",
            [
              ["AWS/ApiGateway", "Count", "ApiName", props.ingress.apiName, "Stage", props.ingress.stageName],
              [".", "4XXError", ".", ".", ".", "."],
              [".", "5XXError", ".", ".", ".", "."],
            ],
            0,
            0,
          ),
        ]
      : []),
    widget(
      "Queue depth",
      [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", props.queue.name],
        [".", "ApproximateNumberOfMessagesNotVisible", ".", "."],
      ],
      12,
      0,
      "Maximum",
    ),
    widget("Oldest message age (s)", [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", props.queue.name]], 0, 6, "Maximum"),
    widget("DLQ depth", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", props.dlq.name]], 12, 6, "Maximum"),
    widget(
      "Worker invocations, errors, throttles",
      [
        ["AWS/Lambda", "Invocations", "FunctionName", props.functionName],
        [".", "Errors", ".", "."],
        [".", "Throttles", ".", "."],
      ],
      0,
      12,
    ),
    widget("Worker concurrency", [["AWS/Lambda", "ConcurrentExecutions", "FunctionName", props.functionName]], 12, 12, "Maximum"),
    widget(
      "Worker duration (ms)",
      [
        ["AWS/Lambda", "Duration", "FunctionName", props.functionName, { stat: "p50" }],
        ["...", { stat: "p99" }],
        ["...", { stat: "Maximum" }],
      ],
      0,
      18,
      "Average",
    ),
    ...(props.eventSourceMappingUuid
      ? [
          widget(
            "Event source mapping: events polled, invoked, failed, deleted",
            EVENT_SOURCE_MAPPING_METRICS.map((metric, i) =>
              i === 0 ? ["AWS/Lambda", metric, EVENT_SOURCE_MAPPING_DIMENSION, props.eventSourceMappingUuid] : [".", metric, ".", "."],
            ),
            12,
            18,
          ),
        ]
      : []),
  ];
}

/**
 * Warns at synth when the created alarm topic has no subscription: alarms would notify a
 * topic nobody reads. Checked at synth (an aspect), so a subscription added after the
 * pipeline (`new SnsTopicSubscription(stack, "pager", { topicArn: pipeline.alarmTopicArn, ... })`)
 * silences it.
 */
class WarnWithoutSubscription {
  constructor(private readonly alarms: PipelineAlarms) {}

  visit(node: IConstruct): void {
    if (node !== this.alarms) return;
    const subscribed = TerraformStack.of(node)
      .node.findAll()
      .some((c) => c instanceof SnsTopicSubscription && c.topicArnInput === this.alarms.topicArn);
    if (subscribed) return;
    Annotations.of(node).addWarning(
      "email / topicArn: the alarm topic has no subscription, so the alarms page no one. Set email (alarms.email on a ConsumerPipeline; each address confirms its subscription), subscribe your pager or chat to the topic (an aws_sns_topic_subscription on pipeline.alarmTopicArn), or pass topicArn (alarms.topicArn) of a topic that already notifies on-call.",
    );
  }
}
