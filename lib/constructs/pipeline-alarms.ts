/**
 * Alarms and a dashboard for one pipeline: an SNS topic (or an existing one), alarms on the
 * DLQ, the queue's oldest message, the worker's errors and throttles and the ingress 5XX/4XX,
 * and a CloudWatch dashboard.
 */
import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { NAME_LIMITS, physicalName } from "./naming";
import { stackRegion } from "./stack-data";

/** Alarm thresholds, one place. */
export const ALARM_DEFAULTS = {
  dlqMessagesThreshold: 0,
  queueAgeThresholdSeconds: 600,
  workerErrorsThreshold: 5,
  workerThrottlesThreshold: 0,
  ingress5xxThreshold: 0,
  ingress4xxThreshold: 20,
  dashboard: true,
} as const;

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
   * ARN of a customer-managed KMS key for the created topic (its key policy must allow
   * cloudwatch.amazonaws.com; the AWS managed `aws/sns` key does not).
   * @default none (unencrypted: notifications carry no message content)
   */
  readonly topicKmsKeyArn?: string;
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
  /** The REST API name and stage, when the pipeline has a webhook ingress. @default none */
  readonly ingress?: { readonly apiName: string; readonly stageName: string };
  /** Put in front of alarm, topic and dashboard names, joined with `-` unless it already ends with a separator (see `physicalName`). @default none */
  readonly namePrefix?: string;
  /** Tags on the topic and the alarms. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

export type AlarmKey = "dlqNotEmpty" | "queueAge" | "workerErrors" | "workerThrottles" | "ingress5xx" | "ingress4xx";

/** Every problem with alarm props (prop names prefixed with `prefix`). */
export function validateAlarmProps(props: AlarmOptions, prefix?: string): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  const thresholds: (keyof AlarmOptions)[] = ["dlqMessagesThreshold", "queueAgeThresholdSeconds", "workerErrorsThreshold", "workerThrottlesThreshold", "ingress5xxThreshold", "ingress4xxThreshold"];
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
  return [...problems.items];
}

export class PipelineAlarms extends Construct {
  /**
   * The SNS topic created here; `undefined` when `topicArn` names an existing topic (none is
   * created then). The ARN the alarms notify is always {@link PipelineAlarms.topicArn}.
   */
  readonly topic?: SnsTopic;
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
    const name = (suffix: string, maxLength: number = NAME_LIMITS.cloudwatchAlarm) => physicalName(this, { prefix: props.namePrefix, suffix, maxLength });

    if (props.topicArn) {
      this.topicArn = props.topicArn;
    } else {
      this.topic = new SnsTopic(this, "topic", { name: name("topic", NAME_LIMITS.snsTopic), kmsMasterKeyId: props.topicKmsKeyArn, tags });
      this.topicArn = this.topic.arn;
    }
    const emails = typeof props.email === "string" ? [props.email] : (props.email ?? []);
    emails.forEach((email, i) => new SnsTopicSubscription(this, `email-${i}`, { topicArn: this.topicArn, protocol: "email", endpoint: email }));

    const alarms: Partial<Record<AlarmKey, CloudwatchMetricAlarm>> = {};
    const alarm = (key: AlarmKey, suffix: string, config: {
      description: string; namespace: string; metricName: string; dimensions: Record<string, string>;
      statistic: string; periodSeconds: number; evaluationPeriods: number; threshold: number;
    }) => {
      alarms[key] = new CloudwatchMetricAlarm(this, key, {
        alarmName: name(suffix),
        alarmDescription: config.description,
        namespace: config.namespace,
        metricName: config.metricName,
        dimensions: config.dimensions,
        statistic: config.statistic,
        period: config.periodSeconds,
        evaluationPeriods: config.evaluationPeriods,
        threshold: config.threshold,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [this.topicArn],
        okActions: [this.topicArn],
        tags,
      });
    };
    const queueDims = { QueueName: props.queue.name };
    const fnDims = { FunctionName: props.functionName };
    alarm("dlqNotEmpty", "dlq-not-empty", {
      description: `Messages are waiting in the dead-letter queue of ${scope.node.path}: they failed every delivery attempt or were rejected (bad signature, malformed, permanent error). Runbook: inspect them with \`${dlqRunbookCommand(props.dlq.url)}\`, fix the cause, then redrive with \`npx cdktf-genesys-consumer dlq redrive --queue ${props.dlq.url}\`.`,
      namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: props.dlq.name },
      statistic: "Maximum", periodSeconds: 60, evaluationPeriods: 1, threshold: props.dlqMessagesThreshold ?? ALARM_DEFAULTS.dlqMessagesThreshold,
    });
    alarm("queueAge", "queue-age", {
      description: `The oldest message in the queue of ${scope.node.path} has waited more than ${props.queueAgeThresholdSeconds ?? ALARM_DEFAULTS.queueAgeThresholdSeconds} s: the worker is not keeping up (maximum concurrency, downstream throttling) or is failing.`,
      namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", dimensions: queueDims,
      statistic: "Maximum", periodSeconds: 60, evaluationPeriods: 5, threshold: props.queueAgeThresholdSeconds ?? ALARM_DEFAULTS.queueAgeThresholdSeconds,
    });
    alarm("workerErrors", "worker-errors", {
      description: `The worker of ${scope.node.path} crashed or timed out on whole batches; see its log group /aws/lambda/${props.functionName}.`,
      namespace: "AWS/Lambda", metricName: "Errors", dimensions: fnDims,
      statistic: "Sum", periodSeconds: 300, evaluationPeriods: 1, threshold: props.workerErrorsThreshold ?? ALARM_DEFAULTS.workerErrorsThreshold,
    });
    alarm("workerThrottles", "worker-throttles", {
      description: `The worker of ${scope.node.path} was throttled by Lambda: the account or reserved concurrency is below the event source mapping's maximum concurrency.`,
      namespace: "AWS/Lambda", metricName: "Throttles", dimensions: fnDims,
      statistic: "Sum", periodSeconds: 300, evaluationPeriods: 1, threshold: props.workerThrottlesThreshold ?? ALARM_DEFAULTS.workerThrottlesThreshold,
    });
    if (props.ingress) {
      const apiDims = { ApiName: props.ingress.apiName, Stage: props.ingress.stageName };
      alarm("ingress5xx", "ingress-5xx", {
        description: `The webhook ingress of ${scope.node.path} answered 5XX: SQS did not accept webhooks (permissions, KMS, size). Genesys retries 5 times, then the message is lost; check the access log group.`,
        namespace: "AWS/ApiGateway", metricName: "5XXError", dimensions: apiDims,
        statistic: "Sum", periodSeconds: 60, evaluationPeriods: 1, threshold: props.ingress5xxThreshold ?? ALARM_DEFAULTS.ingress5xxThreshold,
      });
      alarm("ingress4xx", "ingress-4xx", {
        description: `The webhook ingress of ${scope.node.path} answered many 4XX: requests without the signature header (probing, or an integration without a secret token) or throttled requests.`,
        namespace: "AWS/ApiGateway", metricName: "4XXError", dimensions: apiDims,
        statistic: "Sum", periodSeconds: 300, evaluationPeriods: 1, threshold: props.ingress4xxThreshold ?? ALARM_DEFAULTS.ingress4xxThreshold,
      });
    }
    this.alarms = alarms;

    if (props.dashboard ?? ALARM_DEFAULTS.dashboard) {
      const region = stackRegion(this);
      const widget = (title: string, metrics: unknown[][], x: number, y: number, stat = "Sum") => ({
        type: "metric", x, y, width: 12, height: 6,
        properties: { title, region: region.region, stat, period: 60, view: "timeSeries", metrics },
      });
      const widgets = [
        ...(props.ingress
          ? [widget("Ingress requests and errors", [
              ["AWS/ApiGateway", "Count", "ApiName", props.ingress.apiName, "Stage", props.ingress.stageName],
              [".", "4XXError", ".", ".", ".", "."],
              [".", "5XXError", ".", ".", ".", "."],
            ], 0, 0)]
          : []),
        widget("Queue depth", [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", props.queue.name],
          [".", "ApproximateNumberOfMessagesNotVisible", ".", "."],
        ], 12, 0, "Maximum"),
        widget("Oldest message age (s)", [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", props.queue.name]], 0, 6, "Maximum"),
        widget("DLQ depth", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", props.dlq.name]], 12, 6, "Maximum"),
        widget("Worker invocations, errors, throttles", [
          ["AWS/Lambda", "Invocations", "FunctionName", props.functionName],
          [".", "Errors", ".", "."],
          [".", "Throttles", ".", "."],
        ], 0, 12),
        widget("Worker concurrency", [["AWS/Lambda", "ConcurrentExecutions", "FunctionName", props.functionName]], 12, 12, "Maximum"),
        widget("Worker duration (ms)", [
          ["AWS/Lambda", "Duration", "FunctionName", props.functionName, { stat: "p50" }],
          ["...", { stat: "p99" }],
          ["...", { stat: "Maximum" }],
        ], 0, 18, "Average"),
      ];
      this.dashboard = new CloudwatchDashboard(this, "dashboard", {
        dashboardName: name("dashboard", NAME_LIMITS.dashboard),
        dashboardBody: JSON.stringify({ widgets }),
      });
    }
  }
}
