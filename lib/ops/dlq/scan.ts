/**
 * Paging through a queue without consuming it: what inspect and the one-by-one redrive read the
 * DLQ with. Also the small helpers every DLQ operation shares.
 */
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { SQS_MAX_BATCH_MESSAGES } from "../../runtime/aws-limits";
import { resolveQueue, sqsCall, type QueueRef } from "../queues";

/** Why a scan stopped: the queue had nothing more (`empty`), only messages already seen (`only-seen`), the limit, the time budget, the caller was done, or SQS held back the rest of a FIFO queue's message groups (`fifo-groups`). */
export type ScanStop = "empty" | "only-seen" | "limit" | "time" | "done" | "fifo-groups";

/** How a {@link Scanner} pages. */
export interface ScanOptions {
  /** Most messages to read, messages. */
  readonly limit: number;
  /** When to stop reading, epoch milliseconds. */
  readonly deadlineMs: number;
  /** How long read messages stay hidden, seconds. */
  readonly visibilityTimeoutSeconds: number;
  /** Long-poll wait of each receive, seconds. */
  readonly waitTimeSeconds: number;
}

/**
 * Pages through a queue, each message once: received messages stay invisible (held) for the
 * visibility timeout so the next receive returns others, and are made visible again at the end
 * ({@link Scanner.releaseAll}). If the process dies, they reappear when the timeout expires.
 */
export class Scanner {
  private readonly held = new Map<string, string>();
  private readonly seen = new Set<string>();
  stoppedBecause: ScanStop | undefined;

  constructor(
    private readonly client: SQSClient,
    private readonly queue: QueueRef,
    private readonly options: ScanOptions,
  ) {}

  get scanned(): number {
    return this.seen.size;
  }

  stop(reason: ScanStop): void {
    this.stoppedBecause ??= reason;
  }

  /** The next messages not seen before; undefined when the scan is over ({@link stoppedBecause} says why). */
  async next(): Promise<Message[] | undefined> {
    if (this.stoppedBecause) return undefined;
    if (this.seen.size >= this.options.limit) return this.end("limit");
    if (Date.now() >= this.options.deadlineMs) return this.end("time");
    const out = await sqsCall("sqs:ReceiveMessage", this.queue.url, () =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queue.url,
          MaxNumberOfMessages: Math.max(1, Math.min(SQS_MAX_BATCH_MESSAGES, this.options.limit - this.seen.size)),
          VisibilityTimeout: this.options.visibilityTimeoutSeconds,
          WaitTimeSeconds: this.options.waitTimeSeconds,
          // local-aws-sqs ignores MessageSystemAttributeNames; the legacy parameter works everywhere.
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      ),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return this.end("empty");
    const fresh: Message[] = [];
    for (const m of messages) {
      if (!m.MessageId || !m.ReceiptHandle) continue;
      // The newest receipt handle is the one SQS honours.
      this.held.set(m.MessageId, m.ReceiptHandle);
      if (this.seen.has(m.MessageId)) continue;
      this.seen.add(m.MessageId);
      fresh.push(m);
    }
    if (fresh.length === 0) return this.end("only-seen");
    return fresh;
  }

  private end(reason: ScanStop): undefined {
    this.stop(reason);
    return undefined;
  }

  /** The message was deleted: nothing to release. */
  forget(messageId: string): void {
    this.held.delete(messageId);
  }

  /** Makes every held message visible again; returns warnings for the ones that failed (they reappear at the timeout anyway). */
  async releaseAll(): Promise<string[]> {
    const entries = [...this.held.entries()];
    this.held.clear();
    const warnings: string[] = [];
    for (let i = 0; i < entries.length; i += SQS_MAX_BATCH_MESSAGES) {
      warnings.push(...(await this.release(entries.slice(i, i + SQS_MAX_BATCH_MESSAGES))));
    }
    return warnings;
  }

  /** Makes one batch of held messages (message id, receipt handle) visible again; returns warnings for the ones that failed. */
  private async release(chunk: readonly (readonly [string, string])[]): Promise<string[]> {
    const warnings: string[] = [];
    try {
      const out = await sqsCall("sqs:ChangeMessageVisibility", this.queue.url, () =>
        this.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queue.url,
            Entries: chunk.map(([, handle], j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })),
          }),
        ),
      );
      for (const f of out.Failed ?? []) {
        warnings.push(
          `message ${chunk[Number(f.Id)]?.[0]} stays hidden until its visibility timeout expires: ${f.Code} ${f.Message ?? ""}`.trim(),
        );
      }
    } catch (error) {
      warnings.push(
        `${chunk.length} message(s) stay hidden for up to ${this.options.visibilityTimeoutSeconds} s (visibility reset failed): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return warnings;
  }
}

/** The queue an operation names: resolved when given by URL, ARN or name, as is when already resolved. */
export function queueOf(client: SQSClient, queue: string | QueueRef): Promise<QueueRef> {
  return typeof queue === "string" ? resolveQueue(client, queue) : Promise.resolve(queue);
}

/** Waits this many milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
