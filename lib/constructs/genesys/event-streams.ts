/**
 * Genesys Cloud Event Streams into a pipeline's queue: the `amazon-eventbridge-source`
 * integration, the partner event bus it feeds, a rule matching the configured topics and a
 * target into the queue (with a dead-letter queue and a retry policy), plus the queue-policy
 * statement that lets only that rule send.
 *
 * Apply order: Genesys creates the partner event source in the AWS account only after the
 * integration exists (and is enabled), and the event bus can only be created once the
 * source exists. The bus `depends_on` the integration; see docs/guides/genesys-cloud.md ("Apply order") for the
 * two-phase apply when the source takes longer to appear than the provider takes to return.
 */
import { Construct } from "constructs";
import { Annotations, Fn, TerraformProvider } from "cdktf";
import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EVENTBRIDGE_EVENT_AGE_SECONDS, EVENTBRIDGE_MAX_RETRY_ATTEMPTS } from "../../runtime/aws-limits";
import { PolicyStatement } from "../policy";
import { DataGenesyscloudOrganizationsMe } from "../../providers/genesyscloud/data-organizations-me";
import { GenesyscloudIntegration } from "../../providers/genesyscloud/integration";
import { Problems, ValidationProblem, isLiteral } from "../errors";
import { nameFromPath } from "./naming";

/** The Genesys integration type that streams topics into EventBridge. */
export const EVENTBRIDGE_INTEGRATION_TYPE = "amazon-eventbridge-source";

/** The partner event source name prefix; the full name is `<prefix><org id>/<suffix>`. */
export const GENESYS_PARTNER_EVENT_SOURCE_PREFIX = "aws.partner/genesys.com/cloud/";

/** `eventSourceSuffix`: 1 to 64 characters of letters, digits, ".", "_" and "-". */
export const EVENT_SOURCE_SUFFIX_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A Genesys notification topic: `v2.` then dot-separated segments, `{id}`-style placeholders allowed. */
export const GENESYS_TOPIC_PATTERN = /^v2(\.([A-Za-z0-9_-]+|\{[A-Za-z]+\}))+$/;

/** The queue events are delivered to (a pipeline's queue fits this shape). */
export interface EventStreamsQueue {
  /** ARN of the queue. */
  readonly queueArn: string;
  /** True for a FIFO queue (the target then needs a message group id). @default false */
  readonly fifo?: boolean;
  /** Adds a statement to the queue's one resource policy. */
  addToResourcePolicy(statement: PolicyStatement): void;
}

/** The queue EventBridge moves an event to after its retries are exhausted. */
export interface EventStreamsDeadLetterQueue {
  /** ARN of the queue. It must be a standard queue: EventBridge rejects FIFO dead-letter queues. */
  readonly queueArn: string;
  /** True for a FIFO queue, which is rejected at synth. @default false */
  readonly fifo?: boolean;
  /**
   * Adds a statement to the dead-letter queue's resource policy. When absent, the queue's
   * policy must already allow events.amazonaws.com to send from this rule (a warning is
   * annotated at synth).
   */
  addToResourcePolicy?(statement: PolicyStatement): void;
}

export interface GenesysEventStreamsProps {
  /** The pipeline's queue. */
  readonly queue: EventStreamsQueue;
  /** Where EventBridge puts events it could not deliver to the queue. Must be a standard queue. */
  readonly deadLetterQueue: EventStreamsDeadLetterQueue;
  /**
   * Genesys notification topics to stream, e.g. `v2.detail.events.conversation.{id}.customer.start`.
   * At least one. The rule matches each exactly; a topic with `{id}` placeholders is matched
   * with a prefix (placeholder last) or a wildcard (placeholder inside).
   */
  readonly topics: readonly string[];
  /** Suffix of the partner event source name, 1..64 of `[A-Za-z0-9._-]`. @default - derived from the construct path */
  readonly eventSourceSuffix?: string;
  /** AWS account the partner event source is created in, 12 digits. @default - the deploying account (data source aws_caller_identity) */
  readonly awsAccountId?: string;
  /** AWS region the partner event source is created in. @default - the AWS provider's region (data source aws_region) */
  readonly awsAccountRegion?: string;
  /** Genesys org id. @default - the provider's org (data source genesyscloud_organizations_me) */
  readonly organizationId?: string;
  /** Integration name. @default - derived from the construct path */
  readonly integrationName?: string;
  /** Integration notes. @default "Managed by cdktf-genesys-consumer (<construct path>)" */
  readonly notes?: string;
  /** Whether the integration is ENABLED; the partner source is only created for an enabled one. @default true */
  readonly enabled?: boolean;
  /** How many times EventBridge retries a failed delivery to the queue, 0..185. @default 185 */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying an event, seconds, 60..86400. @default 86400 */
  readonly maximumEventAgeSeconds?: number;
  /** Message group id of every event, FIFO queues only (EventBridge takes a fixed value). @default "genesys-event-streams" */
  readonly messageGroupId?: string;
  /** The genesyscloud provider configuration. @default - the stack's default genesyscloud provider */
  readonly genesysProvider?: TerraformProvider;
  /** The AWS provider configuration. @default - the stack's default aws provider */
  readonly awsProvider?: TerraformProvider;
}

/**
 * What {@link eventStreamsQueues} reads from a queue construct: `QueueWithDlq` fits.
 */
export interface QueueWithDeadLetterLike {
  readonly queue: { readonly arn: string };
  readonly dlq: { readonly arn: string };
  readonly fifo: boolean;
  addToResourcePolicy(statement: PolicyStatement, target?: "queue" | "dlq" | "quarantine"): void;
}

/**
 * The `queue` and `deadLetterQueue` inputs from a queue construct with a DLQ (e.g. a
 * pipeline's `QueueWithDlq`): events go to its queue, undeliverable events to its DLQ.
 * A FIFO construct's DLQ is FIFO, which EventBridge rejects: pass a standard
 * `deadLetterQueue` of your own for FIFO pipelines.
 */
export function eventStreamsQueues(q: QueueWithDeadLetterLike): { queue: EventStreamsQueue; deadLetterQueue: EventStreamsDeadLetterQueue } {
  return {
    queue: { queueArn: q.queue.arn, fifo: q.fifo, addToResourcePolicy: (s) => q.addToResourcePolicy(s, "queue") },
    deadLetterQueue: { queueArn: q.dlq.arn, fifo: q.fifo, addToResourcePolicy: (s) => q.addToResourcePolicy(s, "dlq") },
  };
}

/** One entry of an EventBridge pattern's value list. */
export type TopicMatcher = string | { readonly prefix: string } | { readonly wildcard: string };

/**
 * How a topic is matched against `detail.topicName`: a literal topic exactly; `{…}`
 * placeholders stand for ids, so the last one becomes a prefix match when nothing follows
 * it, otherwise the topic becomes a wildcard match with `*` for each placeholder.
 */
export function topicMatcher(topic: string): TopicMatcher {
  const wildcard = topic.replace(/\{[^}]*\}/g, "*");
  const first = wildcard.indexOf("*");
  if (first < 0) return topic;
  if (first === wildcard.length - 1) return { prefix: wildcard.slice(0, -1) };
  return { wildcard };
}

/** The rule's event pattern for a topic list (duplicates removed, order kept). */
export function topicsEventPattern(topics: readonly string[]): { detail: { topicName: TopicMatcher[] } } {
  return { detail: { topicName: [...new Set(topics)].map(topicMatcher) } };
}

/**
 * A JSON-string attribute: `JSON.stringify` when every value is a literal (what Terraform
 * receives is then exactly what the test reads), `jsonencode(...)` when a value is a token,
 * so the JSON stays valid whatever the token resolves to.
 */
function jsonProperty(value: Record<string, string | string[]>): string {
  const literal = Object.values(value).every((v) => (Array.isArray(v) ? v.every(isLiteral) : isLiteral(v)));
  return literal ? JSON.stringify(value) : Fn.jsonencode(value);
}

/**
 * What {@link eventStreamsProblems} checks: the Event Streams props, with the queues reduced
 * to whether they are FIFO (a `ConsumerPipeline` checks before its queues exist).
 */
export type EventStreamsValidatedProps = Omit<GenesysEventStreamsProps, "queue" | "deadLetterQueue"> & {
  readonly queue?: { readonly fifo?: boolean };
  readonly deadLetterQueue?: { readonly fifo?: boolean };
};

/**
 * Every problem with Event Streams props, each naming the prop (prefixed with `prefix`, e.g.
 * `ingress` for a pipeline's `ingress.topics[0]`) and the fix. `GenesysEventStreams` throws
 * them in a `ValidationError`; `ConsumerPipeline` lists them with its own, before anything
 * is built. To add a check, add it here: `problems.add("prop", "what is wrong. The fix.")`.
 */
export function eventStreamsProblems(props: EventStreamsValidatedProps, prefix?: string): ValidationProblem[] {
  const problems = new Problems(prefix);
  const suffix = props.eventSourceSuffix;
  const topics = props.topics ?? [];
  if (suffix !== undefined && isLiteral(suffix) && !EVENT_SOURCE_SUFFIX_PATTERN.test(suffix)) {
    problems.add(
      "eventSourceSuffix",
      `"${suffix}" must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" or "-". Rename it, or omit it to derive one from the construct path.`,
    );
  }
  if (props.awsAccountId !== undefined && isLiteral(props.awsAccountId) && !/^\d{12}$/.test(props.awsAccountId)) {
    problems.add(
      "awsAccountId",
      `"${props.awsAccountId}" must be exactly 12 digits. Pass the AWS account id, or omit it to use the deploying account.`,
    );
  }
  if (
    props.awsAccountRegion !== undefined &&
    isLiteral(props.awsAccountRegion) &&
    !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(props.awsAccountRegion)
  ) {
    problems.add(
      "awsAccountRegion",
      `"${props.awsAccountRegion}" is not an AWS region name. Use a name like "us-east-1", or omit it to use the AWS provider's region.`,
    );
  }
  if (topics.length === 0) {
    problems.add(
      "topics",
      `the list is empty. Pass at least one Genesys notification topic, e.g. "v2.detail.events.conversation.{id}.customer.start".`,
    );
  }
  topics.forEach((topic, i) => {
    if (!isLiteral(topic)) {
      problems.add(`topics[${i}]`, `a topic must be a literal (the rule's pattern is built at synth). Pass the topic name.`);
    } else if (!GENESYS_TOPIC_PATTERN.test(topic)) {
      problems.add(
        `topics[${i}]`,
        `"${topic}" is not a Genesys notification topic. Use a name like "v2.detail.events.conversation.{id}.customer.start".`,
      );
    }
  });
  if (!inRange(props.retryAttempts, 0, EVENTBRIDGE_MAX_RETRY_ATTEMPTS)) {
    problems.add(
      "retryAttempts",
      `${props.retryAttempts} is out of range. Use an integer from 0 to ${EVENTBRIDGE_MAX_RETRY_ATTEMPTS} (EventBridge's limit and default is ${EVENTBRIDGE_MAX_RETRY_ATTEMPTS}).`,
    );
  }
  if (!inRange(props.maximumEventAgeSeconds, EVENTBRIDGE_EVENT_AGE_SECONDS.min, EVENTBRIDGE_EVENT_AGE_SECONDS.max)) {
    problems.add(
      "maximumEventAgeSeconds",
      `${props.maximumEventAgeSeconds} is out of range. Use an integer from ${EVENTBRIDGE_EVENT_AGE_SECONDS.min} to ${EVENTBRIDGE_EVENT_AGE_SECONDS.max} seconds (default ${EVENTBRIDGE_EVENT_AGE_SECONDS.max}).`,
    );
  }
  if (props.deadLetterQueue?.fifo) {
    problems.add("deadLetterQueue", `EventBridge does not accept a FIFO queue as a target's dead-letter queue. Pass a standard queue.`);
  }
  if (props.messageGroupId !== undefined && !props.queue?.fifo) {
    problems.add("messageGroupId", `set for a standard queue. Remove it; only a FIFO queue takes a message group id.`);
  }
  return [...problems.items];
}

function inRange(value: number | undefined, min: number, max: number): boolean {
  return value === undefined || !isLiteral(value) || (Number.isInteger(value) && value >= min && value <= max);
}

/**
 * Genesys Cloud Event Streams into a queue: integration, partner event bus, rule, target
 * (dead-letter queue + retry policy) and a queue-policy statement allowing only that rule.
 */
export class GenesysEventStreams extends Construct {
  /** The `amazon-eventbridge-source` integration. */
  public readonly integration: GenesyscloudIntegration;
  /** The partner event source and bus name: `aws.partner/genesys.com/cloud/<org id>/<suffix>`. */
  public readonly eventSourceName: string;
  /** The event source suffix given to Genesys. */
  public readonly eventSourceSuffix: string;
  /** The partner event bus. */
  public readonly bus: CloudwatchEventBus;
  /** The rule matching the topics. */
  public readonly rule: CloudwatchEventRule;
  /** The rule's target: the queue. */
  public readonly target: CloudwatchEventTarget;
  /** The statement added to the queue's policy. */
  public readonly queuePolicyStatement: PolicyStatement;
  /** The statement for the dead-letter queue's policy (added when the input can add it). */
  public readonly deadLetterPolicyStatement: PolicyStatement;
  /** The rule's event pattern, as an object. */
  public readonly eventPattern: { detail: { topicName: TopicMatcher[] } };

  public constructor(scope: Construct, id: string, props: GenesysEventStreamsProps) {
    super(scope, id);
    const suffix = props.eventSourceSuffix ?? nameFromPath(this, 64, /[A-Za-z0-9._-]/);
    const problems = new Problems();
    problems.addAll(eventStreamsProblems({ ...props, eventSourceSuffix: suffix }));
    problems.throwIfAny(this.node.path, "GenesysEventStreams");

    const accountId = props.awsAccountId ?? new DataAwsCallerIdentity(this, "account", { provider: props.awsProvider }).accountId;
    const region = props.awsAccountRegion ?? new DataAwsRegion(this, "region", { provider: props.awsProvider }).region;
    const orgId = props.organizationId ?? new DataGenesyscloudOrganizationsMe(this, "org", { provider: props.genesysProvider }).id;
    this.eventSourceSuffix = suffix;
    this.eventSourceName = `${GENESYS_PARTNER_EVENT_SOURCE_PREFIX}${orgId}/${suffix}`;

    this.integration = new GenesyscloudIntegration(this, "integration", {
      provider: props.genesysProvider,
      integrationType: EVENTBRIDGE_INTEGRATION_TYPE,
      intendedState: props.enabled === false ? "DISABLED" : "ENABLED",
      config: {
        name: props.integrationName ?? nameFromPath(this, 64),
        notes: props.notes ?? `Managed by cdktf-genesys-consumer (${this.node.path})`,
        properties: jsonProperty({
          awsAccountId: accountId,
          awsAccountRegion: region,
          eventSourceSuffix: suffix,
          eventFilter: [...new Set(props.topics)],
        }),
        advanced: "{}",
      },
    });

    // The partner event source appears only after Genesys has created the integration.
    this.bus = new CloudwatchEventBus(this, "bus", {
      provider: props.awsProvider,
      name: this.eventSourceName,
      eventSourceName: this.eventSourceName,
      dependsOn: [this.integration],
    });

    this.eventPattern = topicsEventPattern(props.topics);
    this.rule = new CloudwatchEventRule(this, "rule", {
      provider: props.awsProvider,
      name: nameFromPath(this, 64, /[A-Za-z0-9._-]/),
      description: `Genesys Cloud topics into the queue (${this.node.path})`,
      eventBusName: this.bus.name,
      eventPattern: JSON.stringify(this.eventPattern),
      state: "ENABLED",
    });

    this.target = new CloudwatchEventTarget(this, "target", {
      provider: props.awsProvider,
      eventBusName: this.bus.name,
      rule: this.rule.name,
      targetId: "queue",
      arn: props.queue.queueArn,
      deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
      retryPolicy: {
        maximumRetryAttempts: props.retryAttempts ?? EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
        maximumEventAgeInSeconds: props.maximumEventAgeSeconds ?? EVENTBRIDGE_EVENT_AGE_SECONDS.max,
      },
      sqsTarget: props.queue.fifo ? { messageGroupId: props.messageGroupId ?? "genesys-event-streams" } : undefined,
    });

    const sid = `AllowEventBridge${nameFromPath(this, 80, /[A-Za-z0-9]/).replace(/-/g, "")}`;
    const ruleArn = this.rule.arn;
    const statement = (resource: string): PolicyStatement => ({
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: resource,
      Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
    });
    this.queuePolicyStatement = statement(props.queue.queueArn);
    this.deadLetterPolicyStatement = statement(props.deadLetterQueue.queueArn);
    props.queue.addToResourcePolicy(this.queuePolicyStatement);
    if (props.deadLetterQueue.addToResourcePolicy) {
      props.deadLetterQueue.addToResourcePolicy(this.deadLetterPolicyStatement);
    } else {
      Annotations.of(this).addWarning(
        "deadLetterQueue has no addToResourcePolicy: its policy must allow events.amazonaws.com to sqs:SendMessage with aws:SourceArn = this rule's ARN, or undeliverable events are lost.",
      );
    }
  }
}
