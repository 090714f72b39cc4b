/**
 * An SQS event source mapping, run locally: up to `maximum_concurrency` concurrent pollers
 * receive batches (batch size, batching window), invoke the function synchronously with a
 * Lambda SQS event, and delete what succeeded. With ReportBatchItemFailures the reported
 * item ids stay on the queue; a thrown error, a timeout or an invalid response returns the
 * whole batch (nothing deleted; visibility expiry redelivers).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import type { FunctionHost, InvokeResult } from "./lambda-host";
import type { MetricStore } from "./metrics";
import { toSqsRecord } from "./sqs-records";

/** Lambda's synchronous invocation payload limit, bytes: a batch stops growing before it. */
const INVOKE_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** The synthesized settings of one aws_lambda_event_source_mapping. */
export interface MappingSpec {
  readonly address: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Default 10. */
  readonly batchSize: number;
  /** Default 0. */
  readonly batchingWindowSeconds: number;
  /** scaling_config.maximum_concurrency; default (unset) 1000, capped by the host's threads. */
  readonly maximumConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

/** Counters of one mapping. */
export interface PollerStats {
  batches: number;
  received: number;
  deleted: number;
  /** Records reported in batchItemFailures. */
  itemFailures: number;
  /** Invocations whose whole batch returned to the queue (error, timeout, throttle, bad response). */
  failedBatches: number;
  maxInFlight: number;
}

/** Validates a partial batch response as Lambda does; undefined when it is invalid. */
export function failedItemIds(payload: unknown, batch: readonly SQSRecord[]): Set<string> | undefined {
  if (payload === null || payload === undefined) return new Set();
  if (typeof payload !== "object") return undefined;
  const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const ids = new Set(batch.map((r) => r.messageId));
  const out = new Set<string>();
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !id || !ids.has(id)) return undefined;
    out.add(id);
  }
  return out;
}

/** One running event source mapping. */
export class SqsPoller {
  readonly stats: PollerStats = { batches: 0, received: 0, deleted: 0, itemFailures: 0, failedBatches: 0, maxInFlight: 0 };
  private running = false;
  private inFlight = 0;
  private loops: Promise<void>[] = [];
  private readonly controller = new AbortController();

  constructor(
    readonly spec: MappingSpec,
    private readonly host: FunctionHost,
    private readonly sqs: SQSClient,
    private readonly region: string,
    private readonly metrics?: MetricStore,
  ) {}

  /** Starts the pollers (no-op for a disabled mapping). */
  start(): void {
    if (this.running || !this.spec.enabled) return;
    this.running = true;
    for (let i = 0; i < this.spec.maximumConcurrency; i++) this.loops.push(this.loop());
  }

  /** Stops polling and waits for in-flight batches to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.controller.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const batch = await this.collect();
        if (!batch.length) continue;
        await this.deliver(batch);
      } catch (error) {
        if (!this.running) return;
        await new Promise((r) => setTimeout(r, 200));
        void error;
      }
    }
  }

  /** Receives up to batch size, within the batching window (which starts with the first record). */
  private async collect(): Promise<Message[]> {
    const batch: Message[] = [];
    let bytes = 0;
    let deadline = 0;
    for (;;) {
      const remainingMs = deadline - Date.now();
      const answer = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.spec.queueUrl,
          MaxNumberOfMessages: Math.min(10, this.spec.batchSize - batch.length),
          WaitTimeSeconds: batch.length === 0 ? 1 : Math.max(0, Math.min(20, Math.floor(remainingMs / 1000))),
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: this.controller.signal },
      );
      const received = answer.Messages ?? [];
      if (batch.length === 0 && received.length) deadline = Date.now() + this.spec.batchingWindowSeconds * 1000;
      for (const m of received) {
        bytes += Buffer.byteLength(m.Body ?? "") + 1024;
        batch.push(m);
      }
      if (!this.running || batch.length === 0) return batch;
      if (batch.length >= this.spec.batchSize || bytes >= INVOKE_PAYLOAD_LIMIT / 2) return batch;
      if (this.spec.batchingWindowSeconds === 0 || Date.now() >= deadline) return batch;
      if (!received.length) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
    }
  }

  private async deliver(messages: Message[]): Promise<void> {
    this.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
    this.stats.batches++;
    this.stats.received += messages.length;
    try {
      const records = messages.map((m) => toSqsRecord(m, this.spec.queueArn, this.region));
      const event: SQSEvent = { Records: records };
      const result = await this.host.invoke(event);
      this.record(result);
      let keep: Set<string> | undefined;
      if (!result.ok) keep = undefined;
      else if (this.spec.reportBatchItemFailures) keep = failedItemIds(result.payload, records);
      else keep = new Set();
      if (!keep) {
        this.stats.failedBatches++;
        return;
      }
      this.stats.itemFailures += keep.size;
      const done = records.filter((r) => !keep.has(r.messageId));
      for (let i = 0; i < done.length; i += 10) {
        const chunk = done.slice(i, i + 10);
        const answer = await this.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.spec.queueUrl, Entries: chunk.map((r, k) => ({ Id: String(k), ReceiptHandle: r.receiptHandle })) }),
        );
        this.stats.deleted += answer.Successful?.length ?? 0;
      }
    } finally {
      this.inFlight--;
    }
  }

  private record(result: InvokeResult): void {
    const m = this.metrics;
    if (!m) return;
    const dims = { FunctionName: this.host.spec.name };
    const throttled = !result.ok && result.throttled === true;
    m.put("AWS/Lambda", "Invocations", dims, throttled ? 0 : 1);
    m.put("AWS/Lambda", "Errors", dims, !result.ok && !throttled ? 1 : 0);
    m.put("AWS/Lambda", "Throttles", dims, throttled ? 1 : 0);
    m.put("AWS/Lambda", "Duration", dims, result.durationMs);
    m.put("AWS/Lambda", "ConcurrentExecutions", dims, this.inFlight);
  }
}
