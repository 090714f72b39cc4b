/**
 * ConsumerPipeline: one spike-proof consumer of Genesys Cloud messages, composed of the
 * ingress (a signed webhook through API Gateway, or Genesys Event Streams through
 * EventBridge), the queue with its DLQ and quarantine queue, the worker, the tables, the
 * secrets and the alarms, with safe defaults (encryption, DLQ, alarms on). The Genesys side
 * of a webhook pipeline and the nightly synthetic spike plug in as options.
 */
import { Construct } from "constructs";
import { Annotations, TerraformStack, dependable } from "cdktf";
import { WebhookIngress, WebhookIngressOptions, validateIngressProps } from "./webhook-ingress";
import {
  MAX_QUEUE_MESSAGE_BYTES,
  PipelineQueues,
  QUEUE_DEFAULTS,
  QueueOptions,
  QueueWithDlq,
  SQS_MAX_MESSAGE_BYTES,
  requiredVisibilityTimeoutSeconds,
  validateQueueProps,
} from "./queue-with-dlq";
import { ExistingQueues, ExistingQueuesOptions, validateExistingQueues } from "./existing-queues";
import { GenesysApiOptions, WORKER_DEFAULTS, Worker, WorkerGenesysOptions, WorkerOptions, validateWorkerProps } from "./worker";
import { PipelineTables, PipelineTablesProps, TableRef } from "./pipeline-tables";
import {
  GenesysCredentialsSecret,
  GenesysCredentialsSecretRef,
  PipelineSecrets,
  PipelineSecretsProps,
  SigningSecret,
  validateSecretsProps,
} from "./pipeline-secrets";
import { AlarmOptions, PipelineAlarms, validateAlarmProps } from "./pipeline-alarms";
import { Problems, ValidationProblem, isLiteralNumber } from "./errors";
import { DEFAULT_BACKOFF_MAX_SECONDS as RUNTIME_BACKOFF_MAX_SECONDS } from "../runtime/backoff";
import { GenesysProvider } from "../providers/genesyscloud/provider";
import { OpenMessagingWebhook, OpenMessagingWebhookProps, openMessagingWebhookProblems } from "./genesys/open-messaging-webhook";
import { API_KEY_HEADER } from "../runtime/edge-key";
import {
  EventStreamsDeadLetterQueue,
  GenesysEventStreams,
  GenesysEventStreamsProps,
  eventStreamsProblems,
  eventStreamsQueues,
} from "./genesys/event-streams";
import { SpikeGenerator, SpikeGeneratorProps, pipelineRetryScheduleProblems, spikeGeneratorProblems } from "./spike-generator";
import { pipelineRetryProblems, type PipelineRetrySettings } from "../runtime/loadgen/deadline";

/** Tag key naming the pipeline's construct path on every taggable resource. */
export const PIPELINE_TAG = "cdktf-genesys-consumer:pipeline";

/**
 * The webhook ingress kind: signed HTTP from a Genesys Open Messaging integration through
 * API Gateway.
 */
export interface WebhookIngressKind extends WebhookIngressOptions {
  /** @default "webhook" */
  readonly kind?: "webhook";
}

/**
 * The eventStreams ingress kind: Genesys Cloud Event Streams through Amazon EventBridge
 * (partner event bus, a rule on the topics, a target into the pipeline's queue). No API
 * Gateway and no signing secret: EventBridge delivers inside the account through the queue
 * policy, and the worker (`GCX_INGRESS_KIND=eventStreams`) calls `handleEvent`.
 * Every prop of {@link GenesysEventStreamsProps} but the queues is available.
 */
export interface EventStreamsIngressKind extends Omit<GenesysEventStreamsProps, "queue" | "deadLetterQueue"> {
  readonly kind: "eventStreams";
  /**
   * Where EventBridge puts events it could not deliver to the queue after its retries. It
   * must be a standard queue (EventBridge rejects FIFO dead-letter queues), so a FIFO
   * pipeline must pass one.
   * @default the pipeline's DLQ (standard pipelines), so the DLQ alarm covers failed deliveries
   */
  readonly deadLetterQueue?: EventStreamsDeadLetterQueue;
}

/** The pipeline's ingress: one kind per pipeline (a union on `kind`). */
export type PipelineIngressOptions = WebhookIngressKind | EventStreamsIngressKind;

/** The ingress kinds a pipeline can have. */
export type PipelineIngressKind = "webhook" | "eventStreams";

/** The tables option: settings for the tables built here, or existing tables. */
export interface PipelineTablesOptions extends PipelineTablesProps {
  /**
   * Existing tables (same layouts) used instead of creating them.
   * @default none: both tables are created
   */
  readonly existing?: { readonly idempotency: TableRef; readonly receipts?: TableRef };
}

/** The queue option: settings for the queues built here, or existing queues. */
export interface PipelineQueueOptions extends QueueOptions {
  /**
   * An existing main queue and DLQ used instead of creating them (a quarantine queue is still
   * created unless given). `fifo` and `kmsKeyArn` then describe the existing queues;
   * `visibilityTimeoutSeconds`, `messageRetentionSeconds`, `contentBasedDeduplication` and
   * `maxReceiveCount` cannot be set (they configure created queues).
   * @default none: the three queues are created
   */
  readonly existing?: ExistingQueuesOptions;
}

/** Queue props that configure queues the pipeline creates, so they cannot go with `queue.existing`. */
const CREATED_QUEUE_ONLY = [
  "visibilityTimeoutSeconds",
  "messageRetentionSeconds",
  "contentBasedDeduplication",
  "fifoHighThroughput",
  "maxReceiveCount",
  "maxMessageSizeBytes",
] as const;

/** What to do instead, for the created-queue props that have an answer with `queue.existing`. */
const CREATED_QUEUE_ONLY_INSTEAD: Partial<Record<(typeof CREATED_QUEUE_ONLY)[number], string>> = {
  maxReceiveCount: " (give the existing queue's value as queue.existing.maxReceiveCount)",
  visibilityTimeoutSeconds: " (give the existing queue's value as queue.existing.visibilityTimeoutSeconds)",
  maxMessageSizeBytes: ` (a quarantine queue the pipeline creates is always ${SQS_MAX_MESSAGE_BYTES} bytes, SQS's maximum; keep your existing queue's maximum at most ${MAX_QUEUE_MESSAGE_BYTES} bytes so its dead letters fit your DLQ with their context)`,
};

/**
 * The Genesys side of a webhook pipeline: an Open Messaging integration whose outbound
 * webhook is the pipeline's ingress URL (the custom domain URL when one is configured) and
 * whose signature secret token is the pipeline's signing secret; with `ingress.apiKey`, whose
 * webhook headers carry the ingress's edge API key in use (`x-api-key`). Every prop of
 * {@link OpenMessagingWebhookProps} but the URL and the key is available.
 */
export interface PipelineGenesysWebhookOptions extends Omit<OpenMessagingWebhookProps, "webhookUrl" | "secretToken" | "apiKey"> {
  /**
   * The raw signing secret given to Genesys. Only with `secrets.signingSecretArn`: Terraform
   * does not know an existing secret's value, so pass the same value the secret holds (e.g.
   * a sensitive `TerraformVariable`). It lands in Terraform state in clear.
   * @default the generated signing secret's value (`random_password.result`), the one the worker verifies with
   */
  readonly secretToken?: string;
}

/**
 * The nightly synthetic spike against this pipeline: the `SpikeGenerator` with the
 * pipeline's ingress URL, signing secret, edge API key secret (with `ingress.apiKey`), receipts table, queue (its redrive policy is
 * checked), DLQ, quarantine queue, the worker's maxReceiveCount and alarm topic filled in. Every other prop of {@link SpikeGeneratorProps} is available.
 */
export interface PipelineSpikeGeneratorOptions extends Omit<
  SpikeGeneratorProps,
  | "targetUrl"
  | "signingSecretArn"
  | "apiKeySecretArn"
  | "receiptsTable"
  | "dlq"
  | "quarantineQueue"
  | "queue"
  | "workerMaxReceiveCount"
  | "pipelineRetry"
  | "backpressure"
  | "namePrefix"
  | "tags"
> {
  /**
   * SNS topic of the FAIL-verdict and crashed-run alarms.
   * @default the pipeline's alarm topic (none with `alarms: false`)
   */
  readonly alarmTopicArn?: string;
}

export interface ConsumerPipelineProps {
  /** The worker: at least the handler's entry file. */
  readonly worker: WorkerOptions;
  /**
   * The ingress: `{ kind: "webhook", ... }` (the default) or `{ kind: "eventStreams", topics, ... }`.
   * @default a webhook ingress with its defaults
   */
  readonly ingress?: PipelineIngressOptions;
  /**
   * The queues: settings for the queues created here, or `existing` queues.
   * @default standard queues, SSE-SQS, maxReceiveCount 10, derived visibility timeout
   */
  readonly queue?: PipelineQueueOptions;
  /** The tables. @default both tables created, on-demand, PITR on */
  readonly tables?: PipelineTablesOptions;
  /**
   * The secrets. On an eventStreams pipeline only `genesysCredentialsSecretArn` applies (no
   * signing secret is created).
   * @default webhook: a generated 40-character signing secret; eventStreams: none
   */
  readonly secrets?: PipelineSecretsProps;
  /** The Genesys Cloud API the worker calls. @default the runtime's defaults */
  readonly genesys?: GenesysApiOptions;
  /**
   * The Genesys Open Messaging integration pointing at this pipeline (webhook pipelines
   * only). Needs a genesyscloud provider in the stack (`GenesysProvider`) or `provider`.
   * @default none (configure Genesys yourself with `url` and the signing secret)
   */
  readonly genesysWebhook?: PipelineGenesysWebhookOptions | false;
  /**
   * A nightly synthetic spike against this pipeline (webhook pipelines only).
   * @default none
   */
  readonly spikeGenerator?: PipelineSpikeGeneratorOptions | false;
  /**
   * Alarms and dashboard; `false` turns them off (not recommended). The ingress 4XX/5XX
   * alarms exist only on webhook pipelines.
   * @default alarms on, a new SNS topic, the dashboard
   */
  readonly alarms?: AlarmOptions | false;
  /**
   * Put in front of every physical name (letters, digits, `-`, `_`; at most 20 characters),
   * joined with `-` unless it already ends with `-` or `_`. With `namePrefix: "support"` (or
   * `"support-"`), a pipeline with id `support-desk` names its queue
   * `support-support-desk-queue-queue-<hash>` and its worker
   * `support-support-desk-worker-fn-<hash>`; `"support_"` gives `support_support-desk-...`.
   * Names longer than a service allows are shortened from the end of the readable part; the
   * prefix, the hash and a `.fifo` ending are kept.
   * @default none
   */
  readonly namePrefix?: string;
  /**
   * Tags on every taggable resource, merged over `{ "cdktf-genesys-consumer:pipeline": <construct path> }`.
   * @default only the pipeline tag
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The props every part of a pipeline gets: the name prefix and the tags. */
interface CommonProps {
  readonly namePrefix?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Signing-secret props that make no sense without a signing secret. */
const SIGNING_SECRET_PROPS = ["signingSecretArn", "signingSecretLength", "recoveryWindowInDays", "kmsKeyArn"] as const;

export class ConsumerPipeline extends Construct {
  readonly ingressKind: PipelineIngressKind;
  /** The webhook ingress (webhook pipelines). */
  readonly webhookIngress?: WebhookIngress;
  /** The Event Streams path: integration, partner bus, rule, target (eventStreams pipelines). */
  readonly eventStreams?: GenesysEventStreams;
  /** The queues in use (created or existing): ARNs, URLs, names, maxReceiveCount, FIFO, key. */
  readonly queue: PipelineQueues;
  /** The created queues (escape hatches on the `aws_sqs_queue` resources), unless existing ones were given. */
  readonly queueWithDlq?: QueueWithDlq;
  /** The existing queues (and the quarantine queue created for them), with `queue.existing`. */
  readonly existingQueues?: ExistingQueues;
  readonly worker: Worker;
  /** The tables in use (created or existing). */
  readonly tables: { readonly idempotency: TableRef; readonly receipts?: TableRef };
  /** The created tables, unless existing ones were given. */
  readonly pipelineTables?: PipelineTables;
  /** ARN of the Genesys OAuth credentials secret the worker reads, when `worker.genesys` declares one. */
  readonly genesysCredentialsSecretArn?: string;
  /**
   * The Genesys OAuth credentials secret the worker reads, when `worker.genesys` declares one:
   * with `createCredentialsSecret` the created (empty) secret, whose ARN to output so the team
   * can put the credentials after deploy; with `credentialsSecretArn` that ARN.
   */
  readonly genesysCredentialsSecret?: GenesysCredentialsSecretRef;
  /**
   * Alarms, topic and dashboard; `undefined` with `alarms: false`. The ARN the alarms notify
   * is `alarms.topicArn` (always set when there are alarms; also {@link ConsumerPipeline.alarmTopicArn});
   * `alarms.topic`, the created `SnsTopic`, is `undefined` when `alarms.topicArn` names your own topic.
   */
  readonly alarms?: PipelineAlarms;
  /** The Genesys Open Messaging integration, with `genesysWebhook`. */
  readonly genesysWebhook?: OpenMessagingWebhook;
  /** The nightly synthetic spike, with `spikeGenerator`. */
  readonly spikeGenerator?: SpikeGenerator;
  /**
   * Where the nightly spike keeps its reports (`spikeGenerator.reports`): bucket name and ARN,
   * key prefix, history length. The created bucket itself is `spikeGenerator.reportBucket`.
   */
  readonly spikeReports?: SpikeGenerator["reports"];
  /** The tags applied to every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  private readonly pipelineSecrets?: PipelineSecrets;

  constructor(scope: Construct, id: string, props: ConsumerPipelineProps) {
    super(scope, id);
    ConsumerPipeline.validate(this.node.path, props);

    const ingressOptions: PipelineIngressOptions = props.ingress ?? {};
    const kind: PipelineIngressKind = ingressOptions.kind === "eventStreams" ? "eventStreams" : "webhook";
    this.ingressKind = kind;
    this.tags = { [PIPELINE_TAG]: this.node.path, ...(props.tags ?? {}) };
    const common: CommonProps = { namePrefix: props.namePrefix, tags: this.tags };

    if (kind === "webhook") {
      this.pipelineSecrets = new PipelineSecrets(this, "secrets", { ...common, ...(props.secrets ?? {}) });
    }
    const genesys = this.genesysCredentials(props, common);
    this.genesysCredentialsSecret = genesys.secret;
    this.genesysCredentialsSecretArn = this.genesysCredentialsSecret?.arn;

    const { existing: existingTables, ...tableProps } = props.tables ?? {};
    if (existingTables) {
      this.tables = existingTables;
    } else {
      this.pipelineTables = new PipelineTables(this, "tables", { ...common, ...tableProps });
      this.tables = { idempotency: this.pipelineTables.idempotency, receipts: this.pipelineTables.receipts };
    }

    const queues = this.createQueues(props, common);
    this.existingQueues = queues.existingQueues;
    this.queueWithDlq = queues.queueWithDlq;
    this.queue = queues.queue;

    if (ingressOptions.kind === "eventStreams") {
      this.eventStreams = this.createEventStreams(ingressOptions);
    } else {
      const { kind: _kind, ...webhookOptions } = ingressOptions;
      this.webhookIngress = new WebhookIngress(this, "ingress", {
        ...common,
        ...webhookOptions,
        queue: { arn: this.queue.queue.arn, name: this.queue.queue.name, accountId: this.queue.accountId },
        fifo: this.queue.fifo,
        kmsKeyArn: this.queue.kmsKeyArn,
      });
    }

    const kmsKeyArns = [tableProps.kmsKeyArn, props.secrets?.kmsKeyArn].filter((k): k is string => !!k);
    this.worker = new Worker(this, "worker", {
      ...common,
      ...props.worker,
      queues: this.queue,
      ingressKind: kind,
      signingSecretArn: this.pipelineSecrets?.signingSecret.arn,
      genesys: genesys.workerGenesys,
      genesysApi: props.genesys,
      tables: this.tables,
      kmsKeyArns,
    });

    if (props.alarms !== false) this.alarms = this.createAlarms(props.alarms ?? {}, common);
    if (props.genesysWebhook) this.genesysWebhook = this.createGenesysWebhook(props.genesysWebhook);
    if (this.eventStreams && !(ingressOptions as EventStreamsIngressKind).genesysProvider) {
      this.node.addValidation({ validate: () => this.missingGenesysProvider("ingress") });
    }
    if (props.spikeGenerator) {
      this.spikeGenerator = this.createSpikeGenerator(props, props.spikeGenerator, common, kmsKeyArns);
      this.spikeReports = this.spikeGenerator?.reports;
    }
  }

  /**
   * The Genesys credentials the worker declared (`worker.genesys`; the deprecated
   * `secrets.genesysCredentialsSecretArn` counts as a declaration): the secret, created here
   * with `createCredentialsSecret`, and the declaration the worker gets.
   */
  private genesysCredentials(
    props: ConsumerPipelineProps,
    common: CommonProps,
  ): { secret?: GenesysCredentialsSecretRef; workerGenesys?: WorkerGenesysOptions } {
    const legacyArn = props.secrets?.genesysCredentialsSecretArn;
    const declared: WorkerGenesysOptions | undefined =
      props.worker.genesys ?? (legacyArn !== undefined ? { credentialsSecretArn: legacyArn } : undefined);
    if (declared?.createCredentialsSecret) {
      const created = new GenesysCredentialsSecret(this, "genesys-credentials", {
        ...common,
        kmsKeyArn: declared.kmsKeyArn ?? props.secrets?.kmsKeyArn,
        recoveryWindowInDays: props.secrets?.recoveryWindowInDays,
      });
      return { secret: created, workerGenesys: { credentialsSecretArn: created.arn, kmsKeyArn: declared.kmsKeyArn } };
    }
    if (declared?.credentialsSecretArn !== undefined) return { secret: { arn: declared.credentialsSecretArn }, workerGenesys: declared };
    return { workerGenesys: declared };
  }

  /** The queues: the existing ones (`queue.existing`), or created here (with a warning when retries can outlast the retention). */
  private createQueues(
    props: ConsumerPipelineProps,
    common: CommonProps,
  ): { queue: PipelineQueues; queueWithDlq?: QueueWithDlq; existingQueues?: ExistingQueues } {
    const { existing: existingQueues, ...queueProps } = props.queue ?? {};
    const consumer = {
      consumerTimeoutSeconds: props.worker.timeoutSeconds,
      consumerBatchingWindowSeconds: props.worker.batchingWindowSeconds,
    };
    if (existingQueues) {
      const existing = new ExistingQueues(this, "queue", { ...common, ...queueProps, ...existingQueues, ...consumer });
      return { queue: existing, existingQueues: existing };
    }
    const queueWithDlq = new QueueWithDlq(this, "queue", { ...common, ...queueProps, ...consumer });
    const retention = queueProps.messageRetentionSeconds ?? QUEUE_DEFAULTS.messageRetentionSeconds;
    const cap = props.worker.backoffMaxSeconds ?? RUNTIME_BACKOFF_MAX_SECONDS;
    const receives = queueWithDlq.maxReceiveCount;
    if (isLiteralNumber(retention) && isLiteralNumber(cap) && isLiteralNumber(receives) && cap * (receives - 1) > retention) {
      // SQS expires a message on the main queue after its retention, retried or not: a
      // message that keeps failing with the largest delays would vanish before its last
      // attempt, never reaching the DLQ. A warning, not an error: delays are jittered and
      // reach the cap only under long Retry-Afters or many attempts.
      Annotations.of(this).addWarning(
        `worker.backoffMaxSeconds: ${receives - 1} retries of up to ${cap} s (${cap * (receives - 1)} s) can outlast queue.messageRetentionSeconds (${retention} s); a message that keeps failing would expire on the queue instead of reaching the DLQ. Raise the retention or lower the cap.`,
      );
    }
    return { queue: queueWithDlq, queueWithDlq };
  }

  /** The Event Streams path into the queue (eventStreams pipelines), with a warning when the queue has a customer key. */
  private createEventStreams(ingressOptions: EventStreamsIngressKind): GenesysEventStreams {
    const { kind: _kind, deadLetterQueue, ...eventOptions } = ingressOptions;
    const queues = eventStreamsQueues(this.queue);
    const eventStreams = new GenesysEventStreams(this, "events", {
      ...eventOptions,
      queue: queues.queue,
      deadLetterQueue: deadLetterQueue ?? queues.deadLetterQueue,
    });
    if (this.queue.kmsKeyArn) {
      Annotations.of(this).addWarning(
        "queue.kmsKeyArn: EventBridge delivers to a queue encrypted with a customer key only if the key policy allows events.amazonaws.com kms:GenerateDataKey and kms:Decrypt; otherwise every event lands in the dead-letter queue.",
      );
    }
    return eventStreams;
  }

  /** The alarms on the queues, the worker and (webhook pipelines) the ingress. */
  private createAlarms(options: AlarmOptions, common: CommonProps): PipelineAlarms {
    return new PipelineAlarms(this, "alarms", {
      ...common,
      ...options,
      queue: { name: this.queue.queue.name },
      dlq: { name: this.queue.dlq.name, url: this.queue.dlq.url },
      functionName: this.worker.functionName,
      eventSourceMappingUuid: this.worker.eventSourceMapping.uuid,
      ingress: this.webhookIngress
        ? {
            apiName: this.webhookIngress.apiName,
            stageName: this.webhookIngress.stageName,
            bodyTooLargeMetric: this.webhookIngress.bodyTooLargeMetric,
          }
        : undefined,
    });
  }

  /**
   * The Genesys Open Messaging integration pointing at the ingress (webhook pipelines), signed
   * with the signing secret and sending the edge API key; undefined on an eventStreams pipeline.
   */
  private createGenesysWebhook(options: PipelineGenesysWebhookOptions): OpenMessagingWebhook | undefined {
    if (!this.webhookIngress || !this.pipelineSecrets) return undefined;
    const { secretToken, ...webhookProps } = options;
    const webhook = new OpenMessagingWebhook(this, "genesys-webhook", {
      ...webhookProps,
      webhookUrl: this.webhookIngress.customDomainUrl ?? this.webhookIngress.url,
      // validate() guarantees one of the two: the generated value or the explicit token
      secretToken: secretToken ?? (this.pipelineSecrets.signingSecret.value as string),
      apiKey: this.webhookIngress.apiKey?.value,
    });
    const edgeKey = this.webhookIngress.apiKey;
    if (edgeKey) {
      // Genesys gets a key only once it is valid at the edge (in the usage plan)
      const integration = webhook.integration;
      integration.dependsOn = [...(integration.dependsOn ?? []), dependable(edgeKey.ready)];
    }
    if (!webhookProps.provider) this.node.addValidation({ validate: () => this.missingGenesysProvider("genesysWebhook") });
    return webhook;
  }

  /**
   * The nightly synthetic spike against the ingress (webhook pipelines), reading this
   * pipeline's receipts, queues and metrics; undefined on an eventStreams pipeline.
   */
  private createSpikeGenerator(
    props: ConsumerPipelineProps,
    options: PipelineSpikeGeneratorOptions,
    common: CommonProps,
    kmsKeyArns: readonly string[],
  ): SpikeGenerator | undefined {
    if (!this.webhookIngress || !this.pipelineSecrets) return undefined;
    const { alarmTopicArn, kmsKeyArns: extraKeys, ...spikeProps } = options;
    const edgeKey = this.webhookIngress.apiKey;
    const apiKeyOption = webhookOptionsApiKey(props);
    const edgeKeyKms = typeof apiKeyOption === "object" ? apiKeyOption.kmsKeyArn : undefined;
    const keys = [
      ...new Set([
        ...kmsKeyArns,
        ...(this.queue.kmsKeyArn ? [this.queue.kmsKeyArn] : []),
        ...(edgeKeyKms ? [edgeKeyKms] : []),
        ...(extraKeys ?? []),
      ]),
    ];
    const spike = new SpikeGenerator(this, "spike", {
      ...common,
      ...spikeProps,
      targetUrl: this.webhookIngress.url,
      signingSecretArn: this.pipelineSecrets.signingSecret.arn,
      apiKeySecretArn: edgeKey?.secretArn,
      receiptsTable: this.tables.receipts,
      dlq: { url: this.queue.dlq.url, arn: this.queue.dlq.arn },
      quarantineQueue: { url: this.queue.quarantineQueue.url, arn: this.queue.quarantineQueue.arn },
      queue: { url: this.queue.queue.url, arn: this.queue.queue.arn },
      workerMaxReceiveCount: this.queue.maxReceiveCount,
      pipelineRetry: this.retrySettings(props),
      // the report's backpressure charts: this pipeline's queues and worker, read from CloudWatch after the run
      backpressure: {
        queueName: this.queue.queue.name,
        dlqName: this.queue.dlq.name,
        quarantineQueueName: this.queue.quarantineQueue.name,
        workerFunctionName: this.worker.functionName,
        eventSourceMappingUuid: this.worker.eventSourceMapping.uuid,
      },
      alarmTopicArn: alarmTopicArn ?? this.alarms?.topicArn,
      kmsKeyArns: keys.length ? keys : undefined,
    });
    if (!this.tables.receipts) {
      Annotations.of(this).addWarning(
        "spikeGenerator: the pipeline has no receipts table, so the nightly spike can judge only the ingress side (lost, duplicated and dead-lettered messages are not reconciled). Keep tables.receipts on, or give existing.receipts.",
      );
    }
    return spike;
  }

  /** The worker's and queue's retry settings, from which the spike's reconciliation deadline derives. */
  private retrySettings(props: ConsumerPipelineProps): PipelineRetrySettings {
    return {
      maxReceiveCount: this.queue.maxReceiveCount,
      backoffBaseSeconds: props.worker.backoffBaseSeconds,
      backoffMaxSeconds: props.worker.backoffMaxSeconds,
      functionTimeoutSeconds: this.worker.timeoutSeconds,
      batchingWindowSeconds: this.queue.fifo ? 0 : this.worker.batchingWindowSeconds,
      visibilityTimeoutSeconds: this.queue.visibilityTimeoutSeconds,
    };
  }

  /**
   * The webhook ingress. Throws on an eventStreams pipeline, which has none (use
   * {@link ConsumerPipeline.webhookIngress} in code that handles both kinds).
   */
  get ingress(): WebhookIngress {
    if (!this.webhookIngress) throw this.noWebhookPart("ingress", "events arrive through EventBridge; see pipeline.eventStreams");
    return this.webhookIngress;
  }

  /** The webhook URL (a Terraform reference): configure it on the Genesys integration. Throws on an eventStreams pipeline. */
  get url(): string {
    return this.ingress.url;
  }

  /**
   * ARN of the SNS topic the pipeline's alarms notify: the created topic's (a reference), or
   * `alarms.topicArn` when you gave your own. Throws with `alarms: false`, which creates no
   * alarms and no topic (use `pipeline.alarms?.topicArn` in code that handles both).
   */
  get alarmTopicArn(): string {
    if (!this.alarms) {
      throw new Error(
        `ConsumerPipeline "${this.node.path}" has alarms: false and no alarm topic: no alarms were created; read pipeline.alarms?.topicArn in code that handles both.`,
      );
    }
    return this.alarms.topicArn;
  }

  /**
   * The secrets construct holding the webhook signing secret. Throws on an eventStreams
   * pipeline, which has no signing secret (the Genesys credentials ARN is
   * {@link ConsumerPipeline.genesysCredentialsSecretArn}).
   */
  get secrets(): PipelineSecrets {
    if (!this.pipelineSecrets)
      throw this.noWebhookPart(
        "secrets",
        "EventBridge deliveries are not signed, so no signing secret exists; the Genesys credentials ARN is pipeline.genesysCredentialsSecretArn",
      );
    return this.pipelineSecrets;
  }

  /**
   * The webhook signing secret (ARN; the secret and random password when created here; its
   * `value` is what Genesys signs with). Throws on an eventStreams pipeline.
   */
  get signingSecret(): SigningSecret {
    return this.secrets.signingSecret;
  }

  private noWebhookPart(part: string, why: string): Error {
    return new Error(`ConsumerPipeline "${this.node.path}" has ingress kind "eventStreams" and no ${part}: ${why}.`);
  }

  private missingGenesysProvider(prop: string): string[] {
    const stack = TerraformStack.of(this);
    if (stack.node.findAll().some((c) => c instanceof GenesysProvider)) return [];
    const option = prop === "ingress" ? "ingress.genesysProvider" : "genesysWebhook.provider";
    return [
      `ConsumerPipeline "${this.node.path}": ${prop} creates Genesys Cloud resources but the stack has no genesyscloud provider; add \`new GenesysProvider(stack, "genesys", { awsRegion: "<org region>" })\` (credentials from GENESYSCLOUD_OAUTHCLIENT_ID / GENESYSCLOUD_OAUTHCLIENT_SECRET) or pass ${option}.`,
    ];
  }

  /** Validates every prop at once; throws one `ValidationError` listing each problem. */
  static validate(path: string, props: ConsumerPipelineProps): void {
    const problems = new Problems();
    if (!props.worker) {
      problems.add("worker", "is required; set at least worker.entry, the handler's entry file.");
      problems.throwIfAny(path, "ConsumerPipeline");
    }
    const kind = (props.ingress as { kind?: string } | undefined)?.kind;
    if (kind !== undefined && kind !== "webhook" && kind !== "eventStreams") {
      problems.add("ingress.kind", `"${kind}" is not an ingress kind; use "webhook" or "eventStreams" (one ingress kind per pipeline).`);
    }
    if (props.namePrefix !== undefined && !/^[A-Za-z0-9_-]{1,20}$/.test(props.namePrefix)) {
      problems.add("namePrefix", `"${props.namePrefix}" is not a name prefix; use at most 20 letters, digits, - or _.`);
    }
    const { existing: existingQueues, ...queue } = props.queue ?? {};
    const fifo = queue.fifo ?? false;
    const consumer = {
      consumerTimeoutSeconds: props.worker.timeoutSeconds,
      consumerBatchingWindowSeconds: props.worker.batchingWindowSeconds,
    };
    // With existing queues, maxMessageSizeBytes is refused below rather than checked as the main queue's.
    const { maxMessageSizeBytes: _size, ...withoutSize } = queue;
    problems.addAll(validateQueueProps({ ...(existingQueues ? withoutSize : queue), ...consumer }, "queue", "worker"));
    if (existingQueues) {
      problems.addAll(validateExistingQueues(existingQueues, { fifo, ...consumer }, "queue.existing", "queue.fifo", "worker"));
      for (const name of CREATED_QUEUE_ONLY) {
        if (queue[name] !== undefined) {
          const instead = CREATED_QUEUE_ONLY_INSTEAD[name] ?? "";
          problems.add(
            `queue.${name}`,
            `configures a queue the pipeline creates, but queue.existing brings existing queues; remove it${instead}.`,
          );
        }
      }
    }
    const eventStreams = props.ingress?.kind === "eventStreams";
    problems.addAll(validateWorkerProps(props.worker, { fifo, ingressKind: eventStreams ? "eventStreams" : "webhook" }, "worker", "queue"));
    if (!eventStreams) problems.addAll(validateIngressProps((props.ingress ?? {}) as WebhookIngressOptions, fifo, "ingress", "queue.fifo"));
    problems.addAll(validateSecretsProps(props.secrets ?? {}, "secrets"));
    if (props.worker.genesys !== undefined && props.secrets?.genesysCredentialsSecretArn !== undefined) {
      problems.add(
        "secrets.genesysCredentialsSecretArn",
        "is set with worker.genesys; declare the Genesys credentials once: move the ARN to worker.genesys: { credentialsSecretArn } and remove secrets.genesysCredentialsSecretArn.",
      );
    }
    if (props.alarms) problems.addAll(validateAlarmProps(props.alarms, "alarms"));
    if (eventStreams) problems.addAll(validateEventStreamsPipeline(props));
    else if (props.genesysWebhook)
      problems.addAll(validateGenesysWebhook(props.genesysWebhook, props.secrets ?? {}, !!webhookOptionsApiKey(props)));
    // the sub-constructs' own checks, prefixed with the pipeline prop, so one error lists everything
    if (eventStreams) problems.addAll(validateEventStreamsOptions(props.ingress as EventStreamsIngressKind, fifo));
    else if (props.genesysWebhook) problems.addAll(validateGenesysWebhookOptions(props.genesysWebhook));
    if (props.spikeGenerator) problems.addAll(spikeGeneratorProblems(props.spikeGenerator, "spikeGenerator"));
    if (props.spikeGenerator) problems.addAll(spikeRetryProblems(props, props.spikeGenerator));
    problems.throwIfAny(path, "ConsumerPipeline");
  }
}

/**
 * The nightly spike's run, with its reconciliation deadline derived from the worker's and
 * queue's retry settings, must fit its schedule: the problems name
 * worker.backoffMaxSeconds and queue.maxReceiveCount as the settings to lower.
 */
function spikeRetryProblems(props: ConsumerPipelineProps, spike: PipelineSpikeGeneratorOptions): ValidationProblem[] {
  const { existing, ...queue } = props.queue ?? {};
  const timeout = props.worker.timeoutSeconds ?? WORKER_DEFAULTS.timeoutSeconds;
  const window = queue.fifo ? 0 : (props.worker.batchingWindowSeconds ?? WORKER_DEFAULTS.batchingWindowSeconds);
  const pipelineRetry = {
    maxReceiveCount: existing?.maxReceiveCount ?? queue.maxReceiveCount ?? QUEUE_DEFAULTS.maxReceiveCount,
    backoffBaseSeconds: props.worker.backoffBaseSeconds,
    backoffMaxSeconds: props.worker.backoffMaxSeconds,
    functionTimeoutSeconds: timeout,
    batchingWindowSeconds: window,
    visibilityTimeoutSeconds: existing
      ? existing.visibilityTimeoutSeconds
      : (queue.visibilityTimeoutSeconds ?? requiredVisibilityTimeoutSeconds(timeout, window)),
  };
  // out-of-range settings are reported under worker / queue by their own checks
  if (pipelineRetryProblems(pipelineRetry).length) return [];
  return pipelineRetryScheduleProblems({ ...spike, pipelineRetry }, "spikeGenerator", {
    path: "spikeGenerator",
    maxReceiveCount: existing ? "queue.existing.maxReceiveCount" : "queue.maxReceiveCount",
    backoffMaxSeconds: "worker.backoffMaxSeconds",
  });
}

/** Problems of an eventStreams pipeline's props (webhook-only options, FIFO dead-letter queue). */
function validateEventStreamsPipeline(props: ConsumerPipelineProps): ValidationProblem[] {
  const problems = new Problems();
  const ingress = props.ingress as EventStreamsIngressKind;
  const webhookOnly = "applies to webhook pipelines only; an eventStreams pipeline receives Genesys events through EventBridge.";
  if (props.genesysWebhook) problems.add("genesysWebhook", `${webhookOnly} Remove it, or use ingress.kind "webhook".`);
  if (props.spikeGenerator) {
    problems.add(
      "spikeGenerator",
      `${webhookOnly} The generator sends signed webhooks to an API Gateway ingress, which this pipeline does not have; remove it.`,
    );
  }
  // With a created Genesys credentials secret, its key and recovery window apply to it.
  const credentialsSecretProps: readonly string[] = props.worker.genesys?.createCredentialsSecret
    ? ["kmsKeyArn", "recoveryWindowInDays"]
    : [];
  for (const name of SIGNING_SECRET_PROPS) {
    if (props.secrets?.[name] !== undefined && !credentialsSecretProps.includes(name)) {
      problems.add(
        `secrets.${name}`,
        "configures the webhook signing secret; an eventStreams pipeline has none (EventBridge deliveries are not signed). Remove it.",
      );
    }
  }
  if (props.alarms) {
    for (const name of ["ingress5xxThreshold", "ingress4xxThreshold", "ingressBodyTooLargeThreshold"] as const) {
      if (props.alarms[name] !== undefined)
        problems.add(`alarms.${name}`, "watches the webhook ingress (API Gateway); an eventStreams pipeline has none. Remove it.");
    }
  }
  if ((props.queue?.fifo ?? false) && !ingress.deadLetterQueue) {
    problems.add(
      "ingress.deadLetterQueue",
      "is required with queue.fifo: true: the pipeline's DLQ is then FIFO, and EventBridge rejects FIFO dead-letter queues. Pass a standard queue ({ queueArn, addToResourcePolicy }), or use a standard pipeline queue (the worker is idempotent).",
    );
  }
  return [...problems.items];
}

/**
 * The `GenesysEventStreams` checks of an eventStreams ingress, as `ingress.<prop>`. The queue
 * is the pipeline's; the dead-letter queue is `ingress.deadLetterQueue` when given (the
 * pipeline's DLQ otherwise: a FIFO one is reported by validateEventStreamsPipeline).
 */
function validateEventStreamsOptions(ingress: EventStreamsIngressKind, fifo: boolean): ValidationProblem[] {
  const { kind: _kind, deadLetterQueue, ...options } = ingress;
  return eventStreamsProblems({ ...options, queue: { fifo }, deadLetterQueue }, "ingress");
}

/** The webhook ingress's `apiKey` option (undefined on an eventStreams pipeline). */
function webhookOptionsApiKey(props: ConsumerPipelineProps): WebhookIngressOptions["apiKey"] {
  const ingress = props.ingress;
  return ingress?.kind === "eventStreams" ? undefined : ingress?.apiKey;
}

/** Problems of the `genesysWebhook` option as a pipeline option: the secret token rules and the edge API key header. */
function validateGenesysWebhook(
  options: PipelineGenesysWebhookOptions,
  secrets: PipelineSecretsProps,
  apiKey: boolean,
): ValidationProblem[] {
  const problems = new Problems();
  const keyHeader = apiKey ? Object.keys(options.webhookHeaders ?? {}).find((k) => k.toLowerCase() === API_KEY_HEADER) : undefined;
  if (keyHeader !== undefined) {
    problems.add(
      `genesysWebhook.webhookHeaders[${JSON.stringify(keyHeader)}]`,
      "is set by the pipeline from ingress.apiKey (the edge API key in use); remove it from webhookHeaders.",
    );
  }
  const existingSecret = secrets.signingSecretArn !== undefined;
  if (existingSecret && options.secretToken === undefined) {
    problems.add(
      "genesysWebhook.secretToken",
      "is required with secrets.signingSecretArn: Terraform does not know the existing secret's value, so it cannot give it to Genesys. Pass the same raw value the secret holds (e.g. a sensitive TerraformVariable), or remove secrets.signingSecretArn to let the pipeline generate the secret.",
    );
  }
  if (!existingSecret && options.secretToken !== undefined) {
    problems.add(
      "genesysWebhook.secretToken",
      "is set while the pipeline generates its signing secret, so Genesys would sign with a value the worker does not know. Remove it (the generated value is used), or pass secrets.signingSecretArn of a secret holding this value.",
    );
  }
  return [...problems.items];
}

/**
 * The `OpenMessagingWebhook` checks of the `genesysWebhook` option, as `genesysWebhook.<prop>`,
 * on the props the pipeline builds it with: the webhook URL and the edge API key are the
 * ingress's (tokens, filled in later), the secret token is `secretToken` or the generated
 * one (a token). A webhook header clashing with the key is reported by validateGenesysWebhook,
 * in terms of ingress.apiKey.
 */
function validateGenesysWebhookOptions(options: PipelineGenesysWebhookOptions): ValidationProblem[] {
  const { provider: _provider, ...webhookProps } = options;
  return openMessagingWebhookProblems(webhookProps, "genesysWebhook");
}
