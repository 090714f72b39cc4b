/**
 * ConsumerPipeline: one spike-proof consumer of Genesys Cloud webhooks, composed of the
 * webhook ingress, the queue with its DLQ and quarantine queue, the worker, the tables, the
 * secrets and the alarms, with safe defaults (encryption, DLQ, alarms on).
 */
import { Construct } from "constructs";
import { WebhookIngress, WebhookIngressOptions, validateIngressProps } from "./webhook-ingress";
import { QueueOptions, QueueWithDlq, validateQueueProps } from "./queue-with-dlq";
import { GenesysApiOptions, Worker, WorkerOptions, validateWorkerProps } from "./worker";
import { PipelineTables, PipelineTablesProps, TableRef } from "./pipeline-tables";
import { PipelineSecrets, PipelineSecretsProps, SigningSecret, validateSecretsProps } from "./pipeline-secrets";
import { AlarmOptions, PipelineAlarms, validateAlarmProps } from "./pipeline-alarms";
import { Problems } from "./errors";

/** Tag key naming the pipeline's construct path on every taggable resource. */
export const PIPELINE_TAG = "cdktf-genesys-consumer:pipeline";

/**
 * The webhook ingress kind: signed HTTP from a Genesys Open Messaging integration through
 * API Gateway. (The pipeline's ingress is a union on `kind`, so an `eventStreams` kind can
 * be added without changing this one.)
 */
export interface WebhookIngressKind extends WebhookIngressOptions {
  /** @default "webhook" */
  readonly kind?: "webhook";
}

/** The pipeline's ingress: one kind per pipeline. */
export type PipelineIngressOptions = WebhookIngressKind;

/** The tables option: settings for the tables built here, or existing tables. */
export interface PipelineTablesOptions extends PipelineTablesProps {
  /**
   * Existing tables (same layouts) used instead of creating them.
   * @default none: both tables are created
   */
  readonly existing?: { readonly idempotency: TableRef; readonly receipts?: TableRef };
}

export interface ConsumerPipelineProps {
  /** The worker: at least the handler's entry file. */
  readonly worker: WorkerOptions;
  /** The ingress. @default a webhook ingress with its defaults */
  readonly ingress?: PipelineIngressOptions;
  /** The queues. @default standard queues, SSE-SQS, maxReceiveCount 10, derived visibility timeout */
  readonly queue?: QueueOptions;
  /** The tables. @default both tables created, on-demand, PITR on */
  readonly tables?: PipelineTablesOptions;
  /** The secrets. @default a generated 40-character signing secret */
  readonly secrets?: PipelineSecretsProps;
  /** The Genesys Cloud API the worker calls. @default the runtime's defaults */
  readonly genesys?: GenesysApiOptions;
  /**
   * Alarms and dashboard; `false` turns them off (not recommended).
   * @default alarms on, a new SNS topic, the dashboard
   */
  readonly alarms?: AlarmOptions | false;
  /**
   * Prepended to every physical name (letters, digits, `-`, `_`; at most 20 characters).
   * @default none
   */
  readonly namePrefix?: string;
  /**
   * Tags on every taggable resource, merged over `{ "cdktf-genesys-consumer:pipeline": <construct path> }`.
   * @default only the pipeline tag
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export class ConsumerPipeline extends Construct {
  readonly ingressKind: "webhook";
  readonly ingress: WebhookIngress;
  readonly queue: QueueWithDlq;
  readonly worker: Worker;
  /** The tables in use (created or existing). */
  readonly tables: { readonly idempotency: TableRef; readonly receipts?: TableRef };
  /** The created tables, unless existing ones were given. */
  readonly pipelineTables?: PipelineTables;
  readonly secrets: PipelineSecrets;
  /** The webhook signing secret (ARN; the secret and random password when created here). */
  readonly signingSecret: SigningSecret;
  /** Alarms, topic and dashboard, unless `alarms: false`. */
  readonly alarms?: PipelineAlarms;
  /** The tags applied to every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ConsumerPipelineProps) {
    super(scope, id);
    ConsumerPipeline.validate(this.node.path, props);

    const ingressOptions: PipelineIngressOptions = props.ingress ?? {};
    this.ingressKind = "webhook";
    this.tags = { [PIPELINE_TAG]: this.node.path, ...(props.tags ?? {}) };
    const common = { namePrefix: props.namePrefix, tags: this.tags };

    this.secrets = new PipelineSecrets(this, "secrets", { ...common, ...(props.secrets ?? {}) });
    this.signingSecret = this.secrets.signingSecret;

    const { existing: existingTables, ...tableProps } = props.tables ?? {};
    if (existingTables) {
      this.tables = existingTables;
    } else {
      this.pipelineTables = new PipelineTables(this, "tables", { ...common, ...tableProps });
      this.tables = { idempotency: this.pipelineTables.idempotency, receipts: this.pipelineTables.receipts };
    }

    this.queue = new QueueWithDlq(this, "queue", {
      ...common,
      ...(props.queue ?? {}),
      consumerTimeoutSeconds: props.worker.timeoutSeconds,
      consumerBatchingWindowSeconds: props.worker.batchingWindowSeconds,
    });

    const { kind: _kind, ...webhookOptions } = ingressOptions;
    this.ingress = new WebhookIngress(this, "ingress", {
      ...common,
      ...webhookOptions,
      queue: { arn: this.queue.queue.arn, name: this.queue.queue.name },
      fifo: this.queue.fifo,
      kmsKeyArn: this.queue.kmsKeyArn,
    });

    const kmsKeyArns = [tableProps.kmsKeyArn, props.secrets?.kmsKeyArn].filter((k): k is string => !!k);
    this.worker = new Worker(this, "worker", {
      ...common,
      ...props.worker,
      queues: this.queue,
      ingressKind: this.ingressKind,
      signingSecretArn: this.signingSecret.arn,
      genesysCredentialsSecretArn: this.secrets.genesysCredentialsSecretArn,
      genesys: props.genesys,
      tables: this.tables,
      kmsKeyArns,
    });

    if (props.alarms !== false) {
      this.alarms = new PipelineAlarms(this, "alarms", {
        ...common,
        ...(props.alarms ?? {}),
        queue: { name: this.queue.queue.name },
        dlq: { name: this.queue.dlq.name, url: this.queue.dlq.url },
        functionName: this.worker.functionName,
        ingress: { apiName: this.ingress.apiName, stageName: this.ingress.stageName },
      });
    }
  }

  /** The webhook URL (a Terraform reference): configure it on the Genesys integration. */
  get url(): string {
    return this.ingress.url;
  }

  /** Validates every prop at once; throws one `ValidationError` listing each problem. */
  static validate(path: string, props: ConsumerPipelineProps): void {
    const problems = new Problems();
    if (!props.worker) {
      problems.add("worker", "is required; set at least worker.entry, the handler's entry file.");
      problems.throwIfAny(path, "ConsumerPipeline");
    }
    const kind = (props.ingress as { kind?: string } | undefined)?.kind;
    if (kind !== undefined && kind !== "webhook") {
      problems.add("ingress.kind", `"${kind}" is not available; use "webhook" (one ingress kind per pipeline).`);
    }
    if (props.namePrefix !== undefined && !/^[A-Za-z0-9_-]{1,20}$/.test(props.namePrefix)) {
      problems.add("namePrefix", `"${props.namePrefix}" is not a name prefix; use at most 20 letters, digits, - or _.`);
    }
    const queue = props.queue ?? {};
    const fifo = queue.fifo ?? false;
    problems.addAll(
      validateQueueProps(
        { ...queue, consumerTimeoutSeconds: props.worker.timeoutSeconds, consumerBatchingWindowSeconds: props.worker.batchingWindowSeconds },
        "queue",
        "worker",
      ),
    );
    problems.addAll(validateWorkerProps(props.worker, { fifo }, "worker", "queue"));
    problems.addAll(validateIngressProps(props.ingress ?? {}, fifo, "ingress", "queue.fifo"));
    problems.addAll(validateSecretsProps(props.secrets ?? {}, "secrets"));
    if (props.alarms) problems.addAll(validateAlarmProps(props.alarms, "alarms"));
    problems.throwIfAny(path, "ConsumerPipeline");
  }
}
