/**
 * Existing SQS queues brought into a pipeline: a main queue and its dead-letter queue that
 * another stack (or the console) owns. Only the synthetic quarantine queue is created here
 * when none is given, so nightly spikes still never page on-call.
 */
import { Construct } from "constructs";
import { Annotations, Fn, Token } from "cdktf";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { NAME_LIMITS, physicalName } from "./naming";
import { PolicyStatement } from "./policy";
import {
  NamedQueueRef,
  PipelineQueues,
  QUEUE_DEFAULTS,
  QueuePolicies,
  QueueRef,
  QueueRole,
  queueEncryption,
  requiredVisibilityTimeoutSeconds,
  SQS_MAX_MESSAGE_BYTES,
} from "./queue-with-dlq";

/** What a pipeline needs to know of existing queues (the `queue.existing` option). */
export interface ExistingQueuesOptions {
  /** The main queue: its ARN and URL (e.g. from `DataAwsSqsQueue`: `arn`, `url`). */
  readonly queue: QueueRef;
  /** The dead-letter queue the main queue's redrive policy targets (FIFO when the main queue is). */
  readonly dlq: QueueRef;
  /**
   * Where the worker puts synthetic messages it dead-letters, so nightly spikes never reach
   * the DLQ and its alarm.
   * @default a quarantine queue created here, encrypted like the others, with a TLS-only policy
   */
  readonly quarantineQueue?: QueueRef;
  /**
   * The `maxReceiveCount` of the main queue's redrive policy. Required: the worker dead-letters
   * with context on the last receive, so it must know the number SQS uses. The nightly spike's
   * verdict checks the deployed redrive policy against it.
   */
  readonly maxReceiveCount: number;
  /**
   * The main queue's visibility timeout, seconds, when known: it is then checked against the
   * rule (at least 6 x the worker timeout + the batching window).
   * @default unknown: not checked at synth (the spike verdict reads the deployed queue)
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Who owns the queue policies of the existing queues. `true`: this pipeline writes one
   * `aws_sqs_queue_policy` per existing queue (a TLS-only deny plus the statements the
   * pipeline adds), replacing any policy they have. `false`: you keep them; statements the
   * pipeline needs (e.g. EventBridge's `sqs:SendMessage` on an eventStreams pipeline) are
   * listed in a synth warning for you to add. Unset is fine as long as nothing needs a
   * statement; otherwise synth fails and asks you to choose.
   * @default unset
   */
  readonly managePolicies?: boolean;
}

export interface ExistingQueuesProps extends ExistingQueuesOptions {
  /** True when the queues are FIFO (their names end in `.fifo`). @default false */
  readonly fifo?: boolean;
  /** The customer KMS key encrypting the queues (roles get to use it; a created quarantine queue uses it too). @default none */
  readonly kmsKeyArn?: string;
  /** Data key reuse of a created quarantine queue with `kmsKeyArn`, seconds. @default 300 */
  readonly kmsDataKeyReusePeriodSeconds?: number;
  /** Retention of a created quarantine queue, seconds. @default 1209600 (14 days) */
  readonly deadLetterRetentionSeconds?: number;
  /** Largest message of a created quarantine queue, bytes. @default 1048576 */
  readonly maxMessageSizeBytes?: number;
  /** The consumer's function timeout, seconds (checks `visibilityTimeoutSeconds`). @default 30 */
  readonly consumerTimeoutSeconds?: number;
  /** The consumer's batching window, seconds (checks `visibilityTimeoutSeconds`). @default 0 */
  readonly consumerBatchingWindowSeconds?: number;
  /** Prepended to a created quarantine queue's name. @default none */
  readonly namePrefix?: string;
  /** Tags on a created quarantine queue. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:(\d{12}):([A-Za-z0-9_-]{1,75}(?:\.fifo)?|[A-Za-z0-9_-]{1,80})$/;

/** Field `index` of an ARN (`arn:partition:service:region:account:resource`), literal or Terraform expression. */
function arnField(arn: string, index: number): string {
  return Token.isUnresolved(arn) ? Fn.element(Fn.split(":", arn), index) : (arn.split(":")[index] ?? "");
}

/**
 * Every problem with existing-queue props. `queue` holds the FIFO flag and the consumer's
 * timing; `prefix` names the props (`queue.existing`), `fifoProp` the FIFO flag.
 */
export function validateExistingQueues(
  existing: ExistingQueuesOptions,
  queue: { fifo?: boolean; consumerTimeoutSeconds?: number; consumerBatchingWindowSeconds?: number },
  prefix?: string,
  fifoProp = "fifo",
  consumerPrefix?: string,
): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  const fifo = queue.fifo ?? false;
  const queues: Array<[string, QueueRef | undefined, boolean]> = [
    ["queue", existing.queue, true],
    ["dlq", existing.dlq, true],
    ["quarantineQueue", existing.quarantineQueue, false],
  ];
  for (const [name, ref, required] of queues) {
    if (!ref) {
      if (required) problems.add(p(name), "is required; give the existing queue's arn and url.");
      continue;
    }
    if (!ref.arn || !ref.url) {
      problems.add(p(name), "needs both arn and url of the existing queue.");
      continue;
    }
    if (!Token.isUnresolved(ref.arn)) {
      const match = SQS_ARN.exec(ref.arn);
      if (!match) {
        problems.add(p(`${name}.arn`), `"${ref.arn}" is not an SQS queue ARN; use arn:aws:sqs:<region>:<account>:<queue name>.`);
        continue;
      }
      const queueName = match[2];
      if (queueName.endsWith(".fifo") !== fifo) {
        problems.add(
          p(`${name}.arn`),
          fifo
            ? `"${queueName}" is a standard queue but ${fifoProp} is true; FIFO pipelines need FIFO queues (names ending in .fifo).`
            : `"${queueName}" is a FIFO queue; set ${fifoProp}: true (the ingress then sets message groups and the worker keeps group order).`,
        );
      }
      if (!Token.isUnresolved(ref.url) && !ref.url.endsWith(`/${match[1]}/${queueName}`)) {
        problems.add(p(`${name}.url`), `"${ref.url}" is not the URL of ${ref.arn}; it ends in /${match[1]}/${queueName}.`);
      }
    }
  }
  if (existing.maxReceiveCount === undefined) {
    problems.add(
      p("maxReceiveCount"),
      "is required: give the maxReceiveCount of the existing queue's redrive policy (the worker dead-letters on the last receive).",
    );
  } else if (
    isLiteralNumber(existing.maxReceiveCount) &&
    (existing.maxReceiveCount < 1 || existing.maxReceiveCount > 1000 || !Number.isInteger(existing.maxReceiveCount))
  ) {
    problems.add(
      p("maxReceiveCount"),
      `${existing.maxReceiveCount} is outside 1..1000; give the integer in the existing queue's redrive policy.`,
    );
  }
  const timeout = queue.consumerTimeoutSeconds ?? QUEUE_DEFAULTS.consumerTimeoutSeconds;
  const window = queue.consumerBatchingWindowSeconds ?? QUEUE_DEFAULTS.consumerBatchingWindowSeconds;
  if (isLiteralNumber(existing.visibilityTimeoutSeconds) && isLiteralNumber(timeout) && isLiteralNumber(window)) {
    const required = requiredVisibilityTimeoutSeconds(timeout, window);
    if (existing.visibilityTimeoutSeconds < required) {
      const c = (name: string) => prefixed(consumerPrefix, consumerPrefix ? name : `consumer${name[0].toUpperCase()}${name.slice(1)}`);
      problems.add(
        p("visibilityTimeoutSeconds"),
        `the existing queue's ${existing.visibilityTimeoutSeconds} s is below 6 x ${c("timeoutSeconds")} (${timeout} s) + ${c("batchingWindowSeconds")} (${window} s) = ${required} s; raise the queue's visibility timeout to at least ${required} s or shorten the worker timeout.`,
      );
    }
  }
  return [...problems.items];
}

/**
 * Existing queues in a pipeline: the main queue and DLQ are referenced, not created; a
 * quarantine queue is created unless one is given. Queue policies of the existing queues are
 * written only with `managePolicies: true`.
 */
export class ExistingQueues extends Construct implements PipelineQueues {
  readonly queue: NamedQueueRef;
  readonly dlq: NamedQueueRef;
  readonly quarantineQueue: NamedQueueRef;
  /** The quarantine queue created here, when none was given. */
  readonly createdQuarantineQueue?: SqsQueue;
  /** The queue policies written here: the created quarantine queue's, and with `managePolicies` the existing queues'. */
  readonly policies: Partial<Readonly<Record<QueueRole, SqsQueuePolicy>>>;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly fifo: boolean;
  readonly kmsKeyArn?: string;
  readonly accountId: string;
  private readonly managePolicies?: boolean;
  private readonly policyStatements = new QueuePolicies();
  /** Statements the pipeline needs on queues whose policies it does not own. */
  private readonly unplaced: Array<{ statement: PolicyStatement; target: QueueRole }> = [];

  constructor(scope: Construct, id: string, props: ExistingQueuesProps) {
    super(scope, id);
    const problems = new Problems();
    problems.addAll(validateExistingQueues(props, props));
    problems.throwIfAny(this.node.path, "ExistingQueues");

    this.fifo = props.fifo ?? false;
    this.maxReceiveCount = props.maxReceiveCount;
    this.visibilityTimeoutSeconds = props.visibilityTimeoutSeconds;
    this.kmsKeyArn = props.kmsKeyArn;
    const named = (ref: QueueRef): NamedQueueRef => ({ arn: ref.arn, url: ref.url, name: arnField(ref.arn, 5) });
    this.queue = named(props.queue);
    this.dlq = named(props.dlq);
    this.accountId = arnField(props.queue.arn, 4);

    const policies: Partial<Record<QueueRole, SqsQueuePolicy>> = {};
    if (props.quarantineQueue) {
      this.quarantineQueue = named(props.quarantineQueue);
    } else {
      this.createdQuarantineQueue = new SqsQueue(this, "quarantine", {
        name: physicalName(this, {
          prefix: props.namePrefix,
          suffix: "quarantine",
          maxLength: NAME_LIMITS.sqsQueue,
          ending: this.fifo ? ".fifo" : "",
        }),
        messageRetentionSeconds: props.deadLetterRetentionSeconds ?? QUEUE_DEFAULTS.deadLetterRetentionSeconds,
        maxMessageSize: props.maxMessageSizeBytes ?? SQS_MAX_MESSAGE_BYTES,
        ...(this.fifo ? { fifoQueue: true } : {}),
        ...queueEncryption(props),
        tags: props.tags ? { ...props.tags } : undefined,
      });
      this.quarantineQueue = this.createdQuarantineQueue;
      policies.quarantine = this.policyStatements.attach(this, "quarantine-policy", "quarantine", this.createdQuarantineQueue);
    }
    if (props.managePolicies) {
      policies.queue = this.policyStatements.attach(this, "queue-policy", "queue", this.queue);
      policies.dlq = this.policyStatements.attach(this, "dlq-policy", "dlq", this.dlq);
      if (props.quarantineQueue)
        policies.quarantine = this.policyStatements.attach(this, "quarantine-policy", "quarantine", this.quarantineQueue);
    }
    this.policies = policies;

    this.managePolicies = props.managePolicies;
    this.node.addValidation({
      validate: () => {
        if (!this.unplaced.length || this.managePolicies !== undefined) return [];
        return [
          `ExistingQueues "${this.node.path}": the pipeline needs ${this.unplaced.length} statement(s) on the policies of existing queues (${this.describeUnplaced()}). Set managePolicies: true to let the pipeline own those queue policies (it replaces any policy they have), or managePolicies: false to add the statements yourself.`,
        ];
      },
    });
  }

  /**
   * Adds a statement to the policy of one of the queues (default: the main queue). On an
   * existing queue whose policy is not managed here, the statement is reported at synth (see
   * `managePolicies`). Statements are rendered at synth.
   */
  addToResourcePolicy(statement: PolicyStatement, target: QueueRole = "queue"): void {
    if (this.policyStatements.add(statement, target)) return;
    this.unplaced.push({ statement, target });
    if (this.managePolicies === false) {
      Annotations.of(this).addWarning(
        `managePolicies is false: add this statement to the policy of the existing ${target === "queue" ? "main queue" : target} yourself, or the pipeline will not work: ${JSON.stringify(statement)}`,
      );
    }
  }

  /** The statements the pipeline needs on policies of existing queues it does not own. */
  get pendingStatements(): ReadonlyArray<{ readonly statement: PolicyStatement; readonly target: QueueRole }> {
    return this.unplaced;
  }

  private describeUnplaced(): string {
    return this.unplaced.map(({ statement, target }) => `${target}: ${JSON.stringify(statement)}`).join("; ");
  }
}
