/**
 * An SQS event source mapping, run locally: pollers receive batches (batch size, batching
 * window) and invoke the function synchronously with a Lambda SQS event, at most
 * `maximum_concurrency` invocations at once, then delete what succeeded. With
 * ReportBatchItemFailures the reported item ids stay on the queue; a thrown error, a
 * timeout or an invalid response returns the whole batch (nothing deleted; visibility
 * expiry redelivers).
 *
 * As Lambda's pollers do, receiving does not wait for the function: while every allowed
 * invocation is running, one more batch is received ahead, so the next invocation starts
 * as soon as one ends; the delete of a finished batch runs alongside the next invocation.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { LAMBDA_MAX_SYNC_PAYLOAD_BYTES, SQS_MAX_RECEIVE_WAIT_SECONDS } from "../runtime/aws-limits";
import type { FunctionHost, InvokeResult } from "./lambda-host";
import type { MetricStore } from "./metrics";
import { toSqsRecord } from "./sqs-records";

/** Lambda's synchronous invocation payload limit, bytes: a batch stops growing before it. */
const INVOKE_PAYLOAD_LIMIT = LAMBDA_MAX_SYNC_PAYLOAD_BYTES;

/** Batches received ahead of a free invocation slot, at most. */
const PREFETCH_BATCHES = 1;

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
  /**
   * The mapping's `uuid` as the emulator resolves it (what `${aws_lambda_event_source_mapping.x.uuid}`
   * in an alarm's dimensions becomes): the EventSourceMappingUUID dimension of the event
   * source mapping metrics.
   * @default none: no event source mapping metrics are emitted
   */
  readonly uuid?: string;
  /**
   * The synthesized `metrics_config.metrics`. As on Lambda, the event source mapping metrics
   * exist only when it holds `EventCount`.
   * @default none: no event source mapping metrics are emitted
   */
  readonly metrics?: readonly string[];
}

/**
 * The event source mapping metrics settings of a synthesized mapping's resolved config
 * (`metrics_config`, a block or a one-element list) and its resolved `uuid`, to spread into a
 * {@link MappingSpec}.
 */
export function eventSourceMetricsSettings(config: Readonly<Record<string, unknown>>, uuid: string): Pick<MappingSpec, "uuid" | "metrics"> {
  const raw = config.metrics_config as { metrics?: unknown } | { metrics?: unknown }[] | undefined;
  const block = Array.isArray(raw) ? raw[0] : raw;
  const metrics = Array.isArray(block?.metrics) ? block.metrics.map(String) : undefined;
  return { uuid, metrics };
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

/** When one batch went through the mapping (epoch ms), kept when the mapping is asked to. */
export interface BatchTiming {
  readonly records: number;
  /** The receive that made the batch started / ended. */
  readonly receiveStartMs: number;
  readonly receivedMs: number;
  /** The invocation started / returned. */
  readonly invokedMs: number;
  readonly returnedMs: number;
  /** The function's own duration, ms. */
  readonly durationMs: number;
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
  /** Every batch's timing, when `options.timeline` is set. */
  readonly timeline?: BatchTiming[];
  private running = false;
  /** Invocations running. */
  private inFlight = 0;
  /** Receive calls (or batching windows) under way. */
  private receiving = 0;
  /** Whether the last receive filled a batch (the queue has a backlog). */
  private backlog = false;
  /** Batches received and waiting for a free invocation slot. */
  private readonly ready: { messages: Message[]; receiveStartMs: number; receivedMs: number }[] = [];
  /** Receives, invocations and deletes under way (stop waits for them). */
  private readonly tasks = new Set<Promise<void>>();
  private readonly controller = new AbortController();

  constructor(
    readonly spec: MappingSpec,
    private readonly host: FunctionHost,
    private readonly sqs: SQSClient,
    private readonly region: string,
    private readonly metrics?: MetricStore,
    options: { readonly timeline?: boolean } = {},
  ) {
    if (options.timeline) this.timeline = [];
  }

  /** Starts the pollers (no-op for a disabled mapping). */
  start(): void {
    if (this.running || !this.spec.enabled) return;
    this.running = true;
    this.poll();
  }

  /** Stops polling and waits for in-flight batches to finish (a batch received ahead is left to its visibility timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.controller.abort();
    while (this.tasks.size) await Promise.all([...this.tasks]);
  }

  private track(task: Promise<void>): void {
    // A failed invocation call (the host closed under it) has nothing left to clean up.
    const settled = task.catch(() => undefined).finally(() => this.tasks.delete(settled));
    this.tasks.add(settled);
  }

  /**
   * Keeps one receive going per free invocation slot, plus the batch received ahead; but
   * while the queue yields less than full batches, one receive at a time, so that a few
   * arriving messages make one batch rather than a handful of tiny ones (Lambda likewise
   * adds pollers only while it finds messages).
   */
  private poll(): void {
    const room = this.spec.maximumConcurrency + PREFETCH_BATCHES - this.inFlight - this.ready.length;
    const receivers = this.backlog ? room : Math.min(1, room);
    while (this.running && this.receiving < receivers) {
      this.receiving++;
      this.track(this.receive());
    }
  }

  private async receive(): Promise<void> {
    try {
      const receiveStartMs = Date.now();
      const batch = await this.collect();
      this.backlog = batch.length >= this.spec.batchSize;
      if (batch.length) this.ready.push({ messages: batch, receiveStartMs, receivedMs: Date.now() });
    } catch {
      if (this.running) await new Promise((r) => setTimeout(r, 200));
    } finally {
      this.receiving--;
    }
    this.dispatch();
    this.poll();
  }

  /** Invokes the function with received batches while invocation slots are free. */
  private dispatch(): void {
    while (this.running && this.inFlight < this.spec.maximumConcurrency && this.ready.length) {
      this.track(this.deliver(this.ready.shift()!));
    }
  }

  /**
   * Receives up to batch size, within the batching window (which starts with the first record).
   *
   * SQS long polling on AWS answers as soon as a message is visible; local-aws-sqs instead
   * holds a long poll until it has every message asked for (or the wait ends), which would
   * keep the last few messages of a backlog, or a trickle, waiting a whole second. So a
   * batch starts with a short receive (local-aws-sqs answers it within about 40 ms with what
   * is visible), and only an empty queue gets a long poll, for one message, topped up with
   * a short receive.
   */
  private async collect(): Promise<Message[]> {
    const batch: Message[] = [];
    let bytes = 0;
    let deadline = 0;
    let step: "look" | "wait" | "top-up" | "window" = "look";
    for (;;) {
      const room = Math.min(10, this.spec.batchSize - batch.length);
      const remainingMs = deadline - Date.now();
      const answer = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.spec.queueUrl,
          MaxNumberOfMessages: step === "wait" ? 1 : room,
          WaitTimeSeconds:
            step === "wait"
              ? 1
              : step === "window"
                ? Math.max(0, Math.min(SQS_MAX_RECEIVE_WAIT_SECONDS, Math.floor(remainingMs / 1000)))
                : 0,
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
      if (!this.running) return batch;
      if (batch.length === 0) {
        if (step === "wait") return batch; // nothing within the long poll: the next receive starts over
        step = "wait";
        continue;
      }
      if (batch.length >= this.spec.batchSize || bytes >= INVOKE_PAYLOAD_LIMIT / 2) return batch;
      if (this.spec.batchingWindowSeconds === 0) {
        // without a window the batch is what one receive found (the long poll's one message gets a top-up)
        if (step !== "wait") return batch;
        step = "top-up";
        continue;
      }
      if (Date.now() >= deadline) return batch;
      if (step === "window" && !received.length) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
      step = "window";
    }
  }

  private async deliver(batch: { messages: Message[]; receiveStartMs: number; receivedMs: number }): Promise<void> {
    const messages = batch.messages;
    this.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
    this.stats.batches++;
    this.stats.received += messages.length;
    const records = messages.map((m) => toSqsRecord(m, this.spec.queueArn, this.region));
    this.eventCount("PolledEventCount", records.length);
    this.eventCount("InvokedEventCount", records.length);
    let result: InvokeResult;
    try {
      const event: SQSEvent = { Records: records };
      const invokedMs = Date.now();
      result = await this.host.invoke(event);
      this.timeline?.push({
        records: records.length,
        receiveStartMs: batch.receiveStartMs,
        receivedMs: batch.receivedMs,
        invokedMs,
        returnedMs: Date.now(),
        durationMs: result.durationMs,
      });
      this.record(result);
    } finally {
      // The instance is free once the invocation returns: the next batch starts while this one is deleted.
      this.inFlight--;
      this.dispatch();
      this.poll();
    }
    let keep: Set<string> | undefined;
    if (!result.ok) keep = undefined;
    else if (this.spec.reportBatchItemFailures) keep = failedItemIds(result.payload, records);
    else keep = new Set();
    if (!keep) {
      this.stats.failedBatches++;
      this.eventCount("FailedInvokeEventCount", records.length);
      return;
    }
    this.stats.itemFailures += keep.size;
    this.eventCount("FailedInvokeEventCount", keep.size);
    const done = records.filter((r) => !keep.has(r.messageId));
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      try {
        const answer = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.spec.queueUrl,
            Entries: chunk.map((r, k) => ({ Id: String(k), ReceiptHandle: r.receiptHandle })),
          }),
        );
        this.stats.deleted += answer.Successful?.length ?? 0;
        this.eventCount("DeletedEventCount", answer.Successful?.length ?? 0);
      } catch {
        // not deleted: the messages come back after their visibility timeout, as on Lambda
      }
    }
  }

  /**
   * One event source mapping metric (AWS/Lambda, dimension EventSourceMappingUUID), only when
   * the synthesized mapping asks for them (`metrics_config { metrics = ["EventCount"] }`), as
   * Lambda does. Polled and invoked count every received record (no filter criteria run
   * locally); failed counts a failed or invalid invocation's records, else the records the
   * function reported in batchItemFailures; deleted counts what SQS confirmed deleted.
   */
  private eventCount(
    metric: "PolledEventCount" | "InvokedEventCount" | "FailedInvokeEventCount" | "DeletedEventCount",
    count: number,
  ): void {
    if (!this.metrics || !this.spec.uuid || !this.spec.metrics?.includes("EventCount")) return;
    this.metrics.put("AWS/Lambda", metric, { EventSourceMappingUUID: this.spec.uuid }, count);
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
