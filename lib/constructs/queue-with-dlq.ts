/**
 * An SQS queue with its dead-letter queue (redrive policy), a synthetic quarantine queue,
 * server-side encryption on all three, and one queue policy per queue owned here.
 */
import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { NAME_LIMITS, physicalName } from "./naming";
import { PolicyStatement, policyDocument } from "./policy";
import { DEAD_LETTER_RESERVE_BYTES, MAX_QUEUE_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES } from "../runtime/ingress-body";

export { MAX_QUEUE_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES };
import { SQS_MAX_RETENTION_SECONDS, SQS_MAX_VISIBILITY_SECONDS } from "../runtime/aws-limits";

export { SQS_MAX_RETENTION_SECONDS, SQS_MAX_VISIBILITY_SECONDS };

/** Queue defaults, one place. */
export const QUEUE_DEFAULTS = {
  maxReceiveCount: 10,
  messageRetentionSeconds: 345_600,
  deadLetterRetentionSeconds: SQS_MAX_RETENTION_SECONDS,
  maxMessageSizeBytes: MAX_QUEUE_MESSAGE_BYTES,
  consumerTimeoutSeconds: 30,
  consumerBatchingWindowSeconds: 0,
  kmsDataKeyReusePeriodSeconds: 300,
} as const;

/**
 * The smallest visibility timeout for a Lambda consumer, seconds: 6 x the function timeout
 * plus the batching window (AWS Lambda developer guide, "Configuring an SQS queue").
 */
export function requiredVisibilityTimeoutSeconds(consumerTimeoutSeconds: number, batchingWindowSeconds = 0): number {
  return 6 * consumerTimeoutSeconds + batchingWindowSeconds;
}

/** The queue settings a user can give (also the `queue` option of `ConsumerPipeline`). */
export interface QueueOptions {
  /**
   * FIFO queues (the DLQ and the quarantine queue are FIFO too; names end in `.fifo`).
   * The webhook ingress then sets the message group id from the ordering key.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * FIFO content-based deduplication: a redelivered webhook (same body) within 5 minutes
   * is enqueued once. Only with `fifo`, and it cannot be `false` there: the producers of a
   * created queue (the webhook ingress, EventBridge) send no deduplication id of their own.
   * @default true when `fifo`
   */
  readonly contentBasedDeduplication?: boolean;
  /**
   * High-throughput FIFO on the main queue: `deduplication_scope = "messageGroup"` and
   * `fifo_throughput_limit = "perMessageGroupId"`. Only with `fifo`.
   *
   * A FIFO queue without it takes 300 transactions per second per API action (3,000
   * messages/s with batching), while the webhook ingress sends one message per request
   * (no batching) at up to 5,000 requests/s by default: the excess gets a
   * `ThrottlingException`, the webhook a 5xx, and Genesys gives up after its retries. In
   * high-throughput mode the quota per API action is the regional one (up to 70,000
   * transactions/s in us-east-1, us-west-2 and eu-west-1, lower elsewhere: see "Amazon SQS
   * message quotas"), spread over partitions by message group, so one message group (one
   * conversation) still gets about 300 transactions/s. Deduplication then applies within
   * a message group: the ingress derives the group from the body, so a redelivered webhook
   * still lands in the same group and is still enqueued once.
   * @default true when `fifo`
   */
  readonly fifoHighThroughput?: boolean;
  /**
   * Receives before SQS moves a message to the DLQ (the redrive policy), 1..1000.
   * Why 10 and not less than 5: the worker puts a throttled or transiently failing message
   * back with a backoff delay, and every redelivery counts as a receive; AWS recommends at
   * least 5 so a short downstream outage or a cold-start timeout does not dead-letter
   * messages. With the worker's default backoff (full jitter, base 2 s, cap 900 s) 10
   * receives ride out up to about 17 minutes of downstream trouble. The worker reads
   * the same number from its environment and dead-letters with context on the last receive.
   * @default 10
   */
  readonly maxReceiveCount?: number;
  /**
   * Visibility timeout, seconds. When set it must be at least 6 x the worker timeout plus
   * the batching window.
   * @default derived: 6 x the consumer timeout + the batching window (180 s for a 30 s worker)
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Retention of the main queue, seconds (60..1209600).
   * @default 345600 (4 days)
   */
  readonly messageRetentionSeconds?: number;
  /**
   * Retention of the DLQ and the quarantine queue, seconds (60..1209600); not shorter than
   * the main queue's (a standard DLQ keeps a message's original enqueue time).
   * @default 1209600 (14 days)
   */
  readonly deadLetterRetentionSeconds?: number;
  /**
   * Largest message on the main queue, bytes (1024..1046509), body and attributes as SQS
   * counts them. The DLQ and the quarantine queue always take the SQS maximum (1048576), and
   * the main queue's leaves 2067 bytes below it for the `x-dead-letter` context, so every
   * message can be dead-lettered with it (the size budget, lib/runtime/ingress-body.ts). The
   * ingress base64-encodes bodies: the largest webhook body is about 3/4 of this (784803
   * bytes by default, see `maxIngressBodyBytes`); a larger one is refused with 413.
   * @default 1046509
   */
  readonly maxMessageSizeBytes?: number;
  /**
   * ARN (or id/alias) of a customer-managed KMS key encrypting all three queues.
   * @default none: SQS-managed server-side encryption (SSE-SQS)
   */
  readonly kmsKeyArn?: string;
  /**
   * How long SQS reuses a data key with a customer KMS key, seconds (60..86400).
   * @default 300
   */
  readonly kmsDataKeyReusePeriodSeconds?: number;
}

export interface QueueWithDlqProps extends QueueOptions {
  /**
   * The consumer's function timeout, seconds: the visibility timeout is derived from it.
   * @default 30
   */
  readonly consumerTimeoutSeconds?: number;
  /**
   * The consumer's batching window, seconds: added to the derived visibility timeout.
   * @default 0
   */
  readonly consumerBatchingWindowSeconds?: number;
  /** Prepended to every queue name. @default none */
  readonly namePrefix?: string;
  /** Tags on every queue. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Which of the three queues a statement goes to. */
export type QueueRole = "queue" | "dlq" | "quarantine";

/** A queue by reference: its URL (API calls, the contract) and ARN (IAM). */
export interface QueueRef {
  readonly url: string;
  readonly arn: string;
}

/** A queue by reference with its name (the `QueueName` dimension of its metrics, the ingress URI). */
export interface NamedQueueRef extends QueueRef {
  readonly name: string;
}

/**
 * The three queues of a pipeline and the facts the other parts need of them: created here
 * ({@link QueueWithDlq}) or brought in (`ExistingQueues`).
 */
export interface PipelineQueues {
  readonly queue: NamedQueueRef;
  readonly dlq: NamedQueueRef;
  readonly quarantineQueue: NamedQueueRef;
  /** The main queue's redrive `maxReceiveCount` (the worker dead-letters on the last receive). */
  readonly maxReceiveCount: number;
  /** The main queue's visibility timeout, seconds, when known. */
  readonly visibilityTimeoutSeconds?: number;
  readonly fifo: boolean;
  /** The customer KMS key encrypting the queues, if any. */
  readonly kmsKeyArn?: string;
  /** The AWS account owning the main queue, when it is not necessarily the stack's (existing queues). */
  readonly accountId?: string;
  /** Adds a statement to the resource policy of one of the queues (default: the main queue). */
  addToResourcePolicy(statement: PolicyStatement, target?: QueueRole): void;
}

/** The server-side encryption settings of a queue: SSE-SQS, or the customer KMS key given. */
export function queueEncryption(props: Pick<QueueOptions, "kmsKeyArn" | "kmsDataKeyReusePeriodSeconds">) {
  return props.kmsKeyArn
    ? {
        kmsMasterKeyId: props.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: props.kmsDataKeyReusePeriodSeconds ?? QUEUE_DEFAULTS.kmsDataKeyReusePeriodSeconds,
      }
    : { sqsManagedSseEnabled: true };
}

/** The statement every queue policy of this library starts with: deny any request not made over TLS. */
export function denyInsecureTransport(queueArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "sqs:*",
    Resource: queueArn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * One queue policy per queue, rendered at synth from the statements gathered so far (a TLS-only
 * deny first), so constructs added later can still append statements.
 */
export class QueuePolicies {
  private readonly statements = new Map<QueueRole, PolicyStatement[]>();

  /** Creates the policy of `queue` under `scope`, starting with the TLS-only deny. */
  attach(scope: Construct, id: string, role: QueueRole, queue: { readonly arn: string; readonly url: string }): SqsQueuePolicy {
    const statements = [denyInsecureTransport(queue.arn)];
    this.statements.set(role, statements);
    return new SqsQueuePolicy(scope, id, { queueUrl: queue.url, policy: Lazy.stringValue({ produce: () => policyDocument(statements) }) });
  }

  /** True when the policy of `role` is managed here. */
  has(role: QueueRole): boolean {
    return this.statements.has(role);
  }

  /** Appends a statement to the policy of `role`; false when that policy is not managed here. */
  add(statement: PolicyStatement, role: QueueRole): boolean {
    const statements = this.statements.get(role);
    if (!statements) return false;
    statements.push(statement);
    return true;
  }
}

function range(problems: Problems, prop: string, value: number | undefined, min: number, max: number, unit: string, integer = true): void {
  if (!isLiteralNumber(value)) return;
  if (value < min || value > max || (integer && !Number.isInteger(value))) {
    problems.add(prop, `${value} is outside ${min}..${max}; set ${integer ? "an integer" : "a value"} from ${min} to ${max} ${unit}.`);
  }
}

/**
 * The main queue's largest message must leave room for the dead-letter context in the DLQ (1 MiB):
 * a message within 2067 bytes of 1 MiB could not be re-sent with its `x-dead-letter` attribute
 * and would reach the DLQ later through SQS's own redrive, without it.
 */
function checkMaxMessageSize(problems: Problems, prop: string, value: number | undefined): void {
  if (!isLiteralNumber(value)) return;
  const fix = `set at most ${MAX_QUEUE_MESSAGE_BYTES} (the default: the DLQ's ${SQS_MAX_MESSAGE_BYTES} minus ${DEAD_LETTER_RESERVE_BYTES} for the x-dead-letter context)`;
  if (value > SQS_MAX_MESSAGE_BYTES) {
    problems.add(prop, `${value} bytes is over the SQS limit of 1 MiB; ${fix}.`);
  } else if (value > MAX_QUEUE_MESSAGE_BYTES) {
    problems.add(
      prop,
      `${value} bytes leaves no room in the DLQ for the x-dead-letter context, so a message this large could not be dead-lettered with it; ${fix}.`,
    );
  } else {
    range(problems, prop, value, 1024, MAX_QUEUE_MESSAGE_BYTES, "bytes");
  }
}

/** Every problem with queue props (prop names prefixed with `prefix`). */
export function validateQueueProps(props: QueueWithDlqProps, prefix?: string, consumerPrefix?: string): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  range(problems, p("maxReceiveCount"), props.maxReceiveCount, 1, 1000, "(10 is the default; AWS recommends at least 5)");
  range(problems, p("messageRetentionSeconds"), props.messageRetentionSeconds, 60, SQS_MAX_RETENTION_SECONDS, "seconds");
  range(problems, p("deadLetterRetentionSeconds"), props.deadLetterRetentionSeconds, 60, SQS_MAX_RETENTION_SECONDS, "seconds");
  range(problems, p("kmsDataKeyReusePeriodSeconds"), props.kmsDataKeyReusePeriodSeconds, 60, 86_400, "seconds");
  checkMaxMessageSize(problems, p("maxMessageSizeBytes"), props.maxMessageSizeBytes);
  const retention = props.messageRetentionSeconds ?? QUEUE_DEFAULTS.messageRetentionSeconds;
  const dlqRetention = props.deadLetterRetentionSeconds ?? QUEUE_DEFAULTS.deadLetterRetentionSeconds;
  if (isLiteralNumber(retention) && isLiteralNumber(dlqRetention) && dlqRetention < retention) {
    problems.add(
      p("deadLetterRetentionSeconds"),
      `${dlqRetention} s is shorter than messageRetentionSeconds (${retention} s), so dead letters could expire on arrival; set it to at least ${retention}.`,
    );
  }
  if (props.contentBasedDeduplication !== undefined && !props.fifo) {
    problems.add(p("contentBasedDeduplication"), "applies only to FIFO queues; set fifo: true or remove it.");
  }
  // A FIFO SendMessage needs content-based deduplication or a MessageDeduplicationId, and
  // no producer of a created queue sends one: the webhook ingress's template sets only the
  // MessageGroupId (SQS would refuse every webhook, a 5xx each), and an EventBridge rule
  // target takes only a message group id. With EventBridge the body is the whole event,
  // unique `id` included, so content-based deduplication drops only true redeliveries: false
  // gains nothing there either. So the rule applies to every FIFO queue created here,
  // whatever the ingress. (The worker's dead letters and the ops redrive set their own ids.)
  if (props.fifo && props.contentBasedDeduplication === false) {
    problems.add(
      p("contentBasedDeduplication"),
      "cannot be false on a FIFO queue: the webhook ingress (and EventBridge) send no MessageDeduplicationId, so SQS would refuse every message. Set it to true or remove it (true is the default).",
    );
  }
  if (props.fifoHighThroughput !== undefined && !props.fifo) {
    problems.add(p("fifoHighThroughput"), "applies only to FIFO queues; set fifo: true or remove it.");
  }
  const timeout = props.consumerTimeoutSeconds ?? QUEUE_DEFAULTS.consumerTimeoutSeconds;
  const window = props.consumerBatchingWindowSeconds ?? QUEUE_DEFAULTS.consumerBatchingWindowSeconds;
  if (isLiteralNumber(props.visibilityTimeoutSeconds) && isLiteralNumber(timeout) && isLiteralNumber(window)) {
    const required = requiredVisibilityTimeoutSeconds(timeout, window);
    const c = (name: string) => prefixed(consumerPrefix, name);
    if (props.visibilityTimeoutSeconds < required) {
      problems.add(
        p("visibilityTimeoutSeconds"),
        `${props.visibilityTimeoutSeconds} s is below 6 x ${c(consumerPrefix ? "timeoutSeconds" : "consumerTimeoutSeconds")} (${timeout} s) + ${c(consumerPrefix ? "batchingWindowSeconds" : "consumerBatchingWindowSeconds")} (${window} s) = ${required} s; set at least ${required} or leave it unset to derive it.`,
      );
    } else {
      range(problems, p("visibilityTimeoutSeconds"), props.visibilityTimeoutSeconds, 0, SQS_MAX_VISIBILITY_SECONDS, "seconds");
    }
  }
  return [...problems.items];
}

/**
 * An SQS queue, its dead-letter queue and a synthetic quarantine queue.
 *
 * - The main queue redrives to the DLQ after {@link QueueWithDlq.maxReceiveCount} receives.
 * - The quarantine queue receives the synthetic messages the worker dead-letters, so a
 *   nightly spike never pages on-call (the DLQ alarm watches only the DLQ).
 * - Every queue is encrypted (SSE-SQS, or a customer KMS key) and has exactly one queue
 *   policy, owned here, starting with a statement denying any request not made over TLS.
 *   Add statements with {@link QueueWithDlq.addToResourcePolicy}.
 */
export class QueueWithDlq extends Construct implements PipelineQueues {
  readonly queue: SqsQueue;
  readonly dlq: SqsQueue;
  readonly quarantineQueue: SqsQueue;
  /** The queue policies, one per queue. */
  readonly policies: Readonly<Record<QueueRole, SqsQueuePolicy>>;
  readonly maxReceiveCount: number;
  /** The visibility timeout in effect, seconds (given or derived). */
  readonly visibilityTimeoutSeconds: number;
  readonly fifo: boolean;
  /** The customer KMS key, when one encrypts the queues. */
  readonly kmsKeyArn?: string;
  private readonly policyStatements = new QueuePolicies();

  constructor(scope: Construct, id: string, props: QueueWithDlqProps = {}) {
    super(scope, id);
    const problems = new Problems();
    problems.addAll(validateQueueProps(props));
    problems.throwIfAny(this.node.path, "QueueWithDlq");

    this.fifo = props.fifo ?? false;
    this.maxReceiveCount = props.maxReceiveCount ?? QUEUE_DEFAULTS.maxReceiveCount;
    this.visibilityTimeoutSeconds =
      props.visibilityTimeoutSeconds ??
      requiredVisibilityTimeoutSeconds(
        props.consumerTimeoutSeconds ?? QUEUE_DEFAULTS.consumerTimeoutSeconds,
        props.consumerBatchingWindowSeconds ?? QUEUE_DEFAULTS.consumerBatchingWindowSeconds,
      );
    this.kmsKeyArn = props.kmsKeyArn;

    const encryption = queueEncryption(props);
    // High throughput only on the main queue, the one the ingress writes at webhook rate. The
    // DLQ and the quarantine queue keep the default (300 sends/s): SQS's own redrive is not a
    // SendMessage, and the worker dead-letters one message at a time after its last receive,
    // a rate bounded by the worker's concurrency, far below that quota.
    const highThroughput = this.fifo && (props.fifoHighThroughput ?? true);
    const fifo = this.fifo
      ? {
          fifoQueue: true,
          contentBasedDeduplication: props.contentBasedDeduplication ?? true,
          ...(highThroughput ? { deduplicationScope: "messageGroup", fifoThroughputLimit: "perMessageGroupId" } : {}),
        }
      : {};
    const name = (suffix: string) =>
      physicalName(this, { prefix: props.namePrefix, suffix, maxLength: NAME_LIMITS.sqsQueue, ending: this.fifo ? ".fifo" : "" });
    const tags = props.tags ? { ...props.tags } : undefined;
    const maxMessageSize = props.maxMessageSizeBytes ?? QUEUE_DEFAULTS.maxMessageSizeBytes;
    const deadLetterRetention = props.deadLetterRetentionSeconds ?? QUEUE_DEFAULTS.deadLetterRetentionSeconds;

    // The DLQ and the quarantine queue take the SQS maximum: the main queue's leaves room below
    // it for the x-dead-letter context (the size budget, lib/runtime/ingress-body.ts).
    this.dlq = new SqsQueue(this, "dlq", {
      name: name("dlq"),
      messageRetentionSeconds: deadLetterRetention,
      maxMessageSize: SQS_MAX_MESSAGE_BYTES,
      ...(this.fifo ? { fifoQueue: true } : {}),
      ...encryption,
      tags,
    });
    this.quarantineQueue = new SqsQueue(this, "quarantine", {
      name: name("quarantine"),
      messageRetentionSeconds: deadLetterRetention,
      maxMessageSize: SQS_MAX_MESSAGE_BYTES,
      ...(this.fifo ? { fifoQueue: true } : {}),
      ...encryption,
      tags,
    });
    this.queue = new SqsQueue(this, "queue", {
      name: name("queue"),
      visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
      messageRetentionSeconds: props.messageRetentionSeconds ?? QUEUE_DEFAULTS.messageRetentionSeconds,
      maxMessageSize,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.dlq.arn, maxReceiveCount: this.maxReceiveCount }),
      ...fifo,
      ...encryption,
      tags,
    });

    const queues: Record<QueueRole, SqsQueue> = { queue: this.queue, dlq: this.dlq, quarantine: this.quarantineQueue };
    const policies = {} as Record<QueueRole, SqsQueuePolicy>;
    for (const role of Object.keys(queues) as QueueRole[]) {
      policies[role] = this.policyStatements.attach(this, `${role}-policy`, role, queues[role]);
    }
    this.policies = policies;
  }

  /**
   * Adds a statement to the policy of one of the queues (default: the main queue), e.g.
   * the EventBridge rule's `sqs:SendMessage` allow. Statements are rendered at synth.
   */
  addToResourcePolicy(statement: PolicyStatement, target: QueueRole = "queue"): void {
    this.policyStatements.add(statement, target);
  }

  /** The ARNs of the three queues. */
  get arns(): { queue: string; dlq: string; quarantine: string } {
    return { queue: this.queue.arn, dlq: this.dlq.arn, quarantine: this.quarantineQueue.arn };
  }
}
