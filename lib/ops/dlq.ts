/**
 * Operating a dead-letter queue: inspect (peek without consuming), redrive (all through
 * SQS's message move task, or a filtered subset one by one, send before delete) and purge.
 *
 * Each function takes an SQS client (see {@link createSqsClient}) and a queue given by URL,
 * ARN or name. Errors are the operator-facing errors of ./errors.
 */
import { createHash } from "node:crypto";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { SQS_MAX_VISIBILITY_SECONDS } from "../runtime/backoff";
import {
  DEAD_LETTER_ATTRIBUTE,
  DEAD_LETTER_REASONS,
  FIRST_SENT_ATTRIBUTE,
  parseDeadLetterContext,
  type DeadLetterReason,
} from "../runtime/dead-letter";
import { firstSentMs } from "../runtime/replay-window";
import { decodeMessageBody } from "../runtime/ingress-body";
import { SYNTHETIC_KEY, syntheticMarkerSchema } from "../runtime/synthetic";
import { DestinationError, MoveTaskError, QueueNotFoundError, RefusedError } from "./errors";
import { deadLetterSources, queueDepth, resolveQueue, sqsCall, type QueueRef } from "./queues";

/** Reason of a message that carries no `x-dead-letter` context: SQS's own redrive moved it (maxReceiveCount reached, e.g. after a crash). */
export const REDRIVEN_BY_SQS = "redriven-by-sqs";
/** Reason of a message whose `x-dead-letter` attribute is present but not a valid context. */
export const UNREADABLE_CONTEXT = "unreadable-context";

/**
 * Reason of an event EventBridge could not deliver to an Event Streams pipeline's queue (the
 * rule target's dead-letter queue): no `x-dead-letter` context, but EventBridge's attributes.
 */
export const EVENTBRIDGE_DELIVERY_FAILED = "eventbridge-delivery-failed";

/**
 * The message attributes EventBridge puts on each event it moves to a target's dead-letter
 * queue ("Using dead-letter queues to process undelivered events in EventBridge",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html): the rule and target,
 * the error code (e.g. `SQS_PERMISSIONS_ERROR`, `NO_PERMISSIONS`, `RESOURCE_NOT_FOUND`) and
 * message, and, after retries, the retry condition and attempts.
 */
export const EVENTBRIDGE_DLQ_ATTRIBUTES = {
  ruleArn: "RULE_ARN",
  targetArn: "TARGET_ARN",
  errorCode: "ERROR_CODE",
  errorMessage: "ERROR_MESSAGE",
  exhaustedRetryCondition: "EXHAUSTED_RETRY_CONDITION",
  retryAttempts: "RETRY_ATTEMPTS",
} as const;

/** Every reason a dead letter can have, as shown by inspect and accepted by `--reason`. */
export const INSPECT_REASONS = [...DEAD_LETTER_REASONS, REDRIVEN_BY_SQS, EVENTBRIDGE_DELIVERY_FAILED, UNREADABLE_CONTEXT] as const;
export type InspectReason = (typeof INSPECT_REASONS)[number];

/** Human labels of the reasons. */
export const REASON_LABELS: Readonly<Record<InspectReason, string>> = {
  "invalid-signature": "invalid signature",
  malformed: "malformed",
  permanent: "permanent error",
  exhausted: "retries exhausted",
  stale: "signed time outside the replay window",
  [REDRIVEN_BY_SQS]: "redriven by SQS",
  [EVENTBRIDGE_DELIVERY_FAILED]: "EventBridge could not deliver",
  [UNREADABLE_CONTEXT]: "unreadable context",
};

/** Why redriving an invalid-signature dead letter is refused without `force`. */
export const INVALID_SIGNATURE_REFUSAL =
  "messages dead-lettered for an invalid signature were never verified to come from Genesys: " +
  "redriving them makes the worker reject them again (back to the DLQ), or, if the signing secret has since changed, " +
  "lets unverified content through. Check the signing secret (rotation, the value configured in Genesys) and the " +
  "ingress logs first. Forged ones can stay: they expire with the DLQ's retention (or purge the DLQ once nothing " +
  "else in it is needed: a purge deletes every message). Pass --force only when you know they are genuine.";

/** One dead letter, as inspect reports it. */
export interface DeadLetter {
  /** The message id in the DLQ. */
  readonly messageId: string;
  readonly reason: InspectReason;
  /** Error name (class) from the context, e.g. "PermanentError". */
  readonly errorName?: string;
  /** Error message from the context (up to 1,000 characters). */
  readonly errorMessage?: string;
  /** Attempts the worker made. */
  readonly attempts?: number;
  /** First attempt, epoch milliseconds. */
  readonly firstAttemptMs?: number;
  /** Last attempt, epoch milliseconds. */
  readonly lastAttemptMs?: number;
  /** Lambda request id of the invocation that dead-lettered it. */
  readonly requestId?: string;
  /**
   * Queue it came from: the context's sourceQueueArn, else SQS's DeadLetterQueueSourceArn; for
   * an EventBridge delivery failure, the queue it was meant for (the target, when an SQS queue),
   * where a redrive sends it.
   */
  readonly sourceQueueArn?: string;
  /** EventBridge delivery failures: the rule whose target failed (`RULE_ARN`). */
  readonly ruleArn?: string;
  /** EventBridge delivery failures: the target it could not be delivered to (`TARGET_ARN`). */
  readonly targetArn?: string;
  /** EventBridge delivery failures: why it stopped retrying (`EXHAUSTED_RETRY_CONDITION`, e.g. MaximumRetryAttemptsExhausted). */
  readonly retryCondition?: string;
  /** The conversation's ordering key (`channel.id:<party id>`), or "-" when the body is not a NormalizedMessage. */
  readonly orderingKey: string;
  /** FIFO message group, when the DLQ is FIFO. */
  readonly messageGroupId?: string;
  /** Run id of a synthetic message (body key `x-synthetic`). */
  readonly syntheticRunId?: string;
  /** Sequence number of a synthetic message. */
  readonly syntheticSeq?: number;
  /** When it was sent to the queue it is in now (SentTimestamp), epoch milliseconds. */
  readonly sentMs?: number;
  /** Body size as the producer sent it, bytes (decoded when stored base64-encoded). */
  readonly bodyBytes: number;
  /**
   * `base64` when the body is stored base64-encoded (`x-body-encoding`, every webhook body): it
   * is decoded to read it here, and a redrive re-sends it as stored, marker included.
   */
  readonly bodyEncoding?: string;
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The ordering key of a NormalizedMessage body: `channel.id:channel.to.id` for an outbound
 * message, `channel.id:channel.from.id` for an inbound one (the external party's address on
 * the integration); "-" when the body is not such a message.
 */
export function orderingKeyOf(body: unknown): string {
  const channel = obj(obj(body)?.channel);
  const channelId = str(channel?.id);
  if (!channel || !channelId) return "-";
  const direction = str(obj(body)?.direction)?.toLowerCase();
  const to = str(obj(channel.to)?.id);
  const from = str(obj(channel.from)?.id);
  const party = direction === "inbound" ? from : direction === "outbound" ? to : (to ?? from);
  return party ? `${channelId}:${party}` : "-";
}

/**
 * True when a message was put in a DLQ by EventBridge (a rule target's dead-letter queue): it
 * carries EventBridge's `ERROR_CODE` and `RULE_ARN` / `TARGET_ARN` attributes.
 */
export function isEventBridgeDeadLetter(message: Message): boolean {
  const a = message.MessageAttributes ?? {};
  const has = (name: string) => str(a[name]?.StringValue) !== undefined;
  return (
    has(EVENTBRIDGE_DLQ_ATTRIBUTES.errorCode) && (has(EVENTBRIDGE_DLQ_ATTRIBUTES.ruleArn) || has(EVENTBRIDGE_DLQ_ATTRIBUTES.targetArn))
  );
}

/** What EventBridge's attributes tell of an event it could not deliver. */
function eventBridgeFailure(message: Message): Omit<DeadLetter, "messageId" | "orderingKey" | "bodyBytes"> {
  const a = message.MessageAttributes ?? {};
  const get = (name: string) => str(a[name]?.StringValue);
  const targetArn = get(EVENTBRIDGE_DLQ_ATTRIBUTES.targetArn);
  const attempts = num(get(EVENTBRIDGE_DLQ_ATTRIBUTES.retryAttempts));
  const retryCondition = get(EVENTBRIDGE_DLQ_ATTRIBUTES.exhaustedRetryCondition);
  const ruleArn = get(EVENTBRIDGE_DLQ_ATTRIBUTES.ruleArn);
  return {
    reason: EVENTBRIDGE_DELIVERY_FAILED,
    errorName: get(EVENTBRIDGE_DLQ_ATTRIBUTES.errorCode),
    errorMessage: get(EVENTBRIDGE_DLQ_ATTRIBUTES.errorMessage),
    ...(attempts !== undefined ? { attempts } : {}),
    ...(ruleArn ? { ruleArn } : {}),
    ...(targetArn ? { targetArn } : {}),
    ...(retryCondition ? { retryCondition } : {}),
    // the queue the event was meant for: a redrive delivers it there, as EventBridge would have
    ...(targetArn?.startsWith("arn:") && targetArn.split(":")[2] === "sqs" ? { sourceQueueArn: targetArn } : {}),
  };
}

/** Describes one received DLQ message (received with AttributeNames and MessageAttributeNames ["All"]). */
export function describeDeadLetter(message: Message): DeadLetter {
  let body: { text?: string; bytes: number; encoding?: string };
  try {
    const decoded = decodeMessageBody(message.Body, message.MessageAttributes);
    body = { text: decoded.text, bytes: decoded.bytes.length, encoding: decoded.encoding };
  } catch {
    // marked but not decodable: described from what is stored
    body = { bytes: Buffer.byteLength(message.Body ?? "", "utf8") };
  }
  let parsed: unknown;
  try {
    parsed = body.text === undefined ? undefined : JSON.parse(body.text);
  } catch {
    parsed = undefined;
  }
  const marker = obj(parsed)?.[SYNTHETIC_KEY];
  const syntheticMarker = marker === undefined ? undefined : syntheticMarkerSchema.safeParse(marker);
  const synthetic = syntheticMarker?.success
    ? { syntheticRunId: syntheticMarker.data.runId, syntheticSeq: syntheticMarker.data.seq }
    : marker !== undefined
      ? { syntheticRunId: str(obj(marker)?.runId) ?? "(invalid marker)" }
      : {};
  const attributes = message.Attributes ?? {};
  const common = {
    messageId: message.MessageId ?? "",
    orderingKey: orderingKeyOf(parsed),
    bodyBytes: body.bytes,
    ...(body.encoding ? { bodyEncoding: body.encoding } : {}),
    ...(attributes.MessageGroupId ? { messageGroupId: attributes.MessageGroupId } : {}),
    ...(num(attributes.SentTimestamp) !== undefined ? { sentMs: num(attributes.SentTimestamp) } : {}),
    ...synthetic,
  };
  const raw = message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue;
  const sqsSource = attributes.DeadLetterQueueSourceArn;
  if (raw === undefined && !sqsSource && isEventBridgeDeadLetter(message)) return { ...common, ...eventBridgeFailure(message) };
  if (raw === undefined) {
    return { ...common, reason: REDRIVEN_BY_SQS, ...(sqsSource ? { sourceQueueArn: sqsSource } : {}) };
  }
  try {
    const context = parseDeadLetterContext(raw)!;
    if (sqsSource) {
      // The worker's dead letters are new messages (SendMessage), which never carry SQS's
      // DeadLetterQueueSourceArn. Both at once: a move task took the worker's dead letter back
      // with its context, and SQS's redrive moved it here again (the worker crashed or timed
      // out on it). The context tells the earlier story, not this one.
      return {
        ...common,
        reason: REDRIVEN_BY_SQS,
        errorMessage: `moved here by SQS's redrive after a redrive; the ${DEAD_LETTER_ATTRIBUTE} context is from before (${context.reason}: ${context.message.slice(0, 300)})`,
        sourceQueueArn: sqsSource,
      };
    }
    return {
      ...common,
      reason: context.reason,
      errorName: context.error,
      errorMessage: context.message,
      attempts: context.attempts,
      firstAttemptMs: context.firstReceiveMs,
      lastAttemptMs: context.lastReceiveMs,
      requestId: context.requestId,
      sourceQueueArn: context.sourceQueueArn || sqsSource,
    };
  } catch (error) {
    return {
      ...common,
      reason: UNREADABLE_CONTEXT,
      errorName: "UnreadableDeadLetterContext",
      errorMessage: `${DEAD_LETTER_ATTRIBUTE} is not a dead-letter context: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
      ...(sqsSource ? { sourceQueueArn: sqsSource } : {}),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Paging through a queue without consuming it
// ---------------------------------------------------------------------------------------------

/** Why a scan stopped: the queue had nothing more (`empty`), only messages already seen (`only-seen`), the limit, the time budget, the caller was done, or SQS held back the rest of a FIFO queue's message groups (`fifo-groups`). */
export type ScanStop = "empty" | "only-seen" | "limit" | "time" | "done" | "fifo-groups";

interface ScanOptions {
  readonly limit: number;
  readonly deadlineMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly waitTimeSeconds: number;
}

/**
 * Pages through a queue, each message once: received messages stay invisible (held) for the
 * visibility timeout so the next receive returns others, and are made visible again at the end
 * ({@link Scanner.releaseAll}). If the process dies, they reappear when the timeout expires.
 */
class Scanner {
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
          MaxNumberOfMessages: Math.max(1, Math.min(10, this.options.limit - this.seen.size)),
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
    for (let i = 0; i < entries.length; i += 10) {
      const chunk = entries.slice(i, i + 10);
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
    }
    return warnings;
  }
}

function queueOf(client: SQSClient, queue: string | QueueRef): Promise<QueueRef> {
  return typeof queue === "string" ? resolveQueue(client, queue) : Promise.resolve(queue);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// inspect
// ---------------------------------------------------------------------------------------------

export interface InspectOptions {
  /** The DLQ (or the synthetic quarantine queue): URL, ARN or name. */
  readonly queue: string | QueueRef;
  /** Most messages to read, messages. Default 100. */
  readonly limit?: number;
  /** Time budget of the scan, seconds. Default 20. */
  readonly budgetSeconds?: number;
  /** How long read messages stay hidden while the scan pages on, seconds (they are made visible again at the end). Default budget + 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** Long-poll wait of each receive, seconds (0..20). Default 1: a short poll can miss messages on a large queue. */
  readonly waitTimeSeconds?: number;
}

export interface InspectResult {
  readonly queue: QueueRef;
  /** Messages in the queue before the scan (visible + in flight + delayed), approximate. */
  readonly approximateMessages: number;
  readonly messages: readonly DeadLetter[];
  /** Messages per reason among those read. */
  readonly countsByReason: Readonly<Partial<Record<InspectReason, number>>>;
  /** True when the scan read everything visible (it did not stop at the limit or the time budget). */
  readonly complete: boolean;
  readonly stoppedBecause: ScanStop;
  /** Non-fatal problems (messages whose visibility could not be reset). */
  readonly warnings: readonly string[];
}

/** How much longer than its time budget a scan keeps what it read hidden, seconds. */
const SCAN_VISIBILITY_MARGIN_SECONDS = 30;

/** Longest scan budget, seconds: what it reads stays hidden for the budget plus the margin, within SQS's limit. */
export const MAX_SCAN_BUDGET_SECONDS = SQS_MAX_VISIBILITY_SECONDS - SCAN_VISIBILITY_MARGIN_SECONDS;

/** Lists dead letters without consuming them: each is read once and made visible again. */
export async function inspectDlq(client: SQSClient, options: InspectOptions): Promise<InspectResult> {
  const queue = await queueOf(client, options.queue);
  const limit = options.limit ?? 100;
  const budgetSeconds = options.budgetSeconds ?? 20;
  if (!(limit >= 1)) throw new RangeError(`limit must be at least 1 message (got ${limit})`);
  if (!(budgetSeconds > 0 && budgetSeconds <= MAX_SCAN_BUDGET_SECONDS)) {
    throw new RangeError(
      `the scan budget must be more than 0 and at most ${MAX_SCAN_BUDGET_SECONDS} seconds (SQS's 12-hour visibility limit, less 30 s), got ${budgetSeconds}`,
    );
  }
  const depth = await queueDepth(client, queue);
  const scanner = new Scanner(client, queue, {
    limit,
    deadlineMs: Date.now() + budgetSeconds * 1000,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? Math.ceil(budgetSeconds) + SCAN_VISIBILITY_MARGIN_SECONDS,
    waitTimeSeconds: options.waitTimeSeconds ?? 1,
  });
  const messages: DeadLetter[] = [];
  let warnings: string[] = [];
  try {
    for (let page = await scanner.next(); page; page = await scanner.next()) messages.push(...page.map(describeDeadLetter));
  } finally {
    warnings = await scanner.releaseAll();
  }
  let stoppedBecause: ScanStop = scanner.stoppedBecause ?? "done";
  if (queue.fifo && (stoppedBecause === "empty" || stoppedBecause === "only-seen") && messages.length < depth.visible) {
    // SQS returns no message of a FIFO group while another of the group is held, so a scan
    // (which holds what it reads) sees only the first messages of each group: an "empty"
    // answer then means "blocked", not "all read".
    stoppedBecause = "fifo-groups";
    warnings.push(
      `read ${messages.length} of ~${depth.visible} visible dead letter(s): on a FIFO queue a scan sees only the first messages of each message group (SQS hides the rest while those are held)`,
    );
  }
  return {
    queue,
    approximateMessages: depth.visible + depth.inFlight + depth.delayed,
    messages,
    countsByReason: countByReason(messages),
    complete: stoppedBecause === "empty" || stoppedBecause === "only-seen",
    stoppedBecause,
    warnings,
  };
}

/** Messages per reason. */
export function countByReason(messages: readonly DeadLetter[]): Partial<Record<InspectReason, number>> {
  const counts: Partial<Record<InspectReason, number>> = {};
  for (const m of messages) counts[m.reason] = (counts[m.reason] ?? 0) + 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// redrive, one by one
// ---------------------------------------------------------------------------------------------

export interface RedriveSelectedOptions {
  /** The DLQ: URL, ARN or name. */
  readonly queue: string | QueueRef;
  /** Destination queue (URL, ARN or name). Default: each message's source (context, then SQS's DeadLetterQueueSourceArn), then the DLQ's only source queue. */
  readonly to?: string;
  /** Move only messages with one of these reasons. Default: any reason. */
  readonly reasons?: readonly InspectReason[];
  /** Move only messages with one of these DLQ message ids. Default: any id. */
  readonly ids?: readonly string[];
  /** Most messages sent per second, messages per second. Default: unlimited. */
  readonly ratePerSecond?: number;
  /** Also move invalid-signature dead letters. Default false (they are refused; see {@link INVALID_SIGNATURE_REFUSAL}). */
  readonly force?: boolean;
  /** Most messages to read from the DLQ, messages. Default: no limit. */
  readonly limit?: number;
  /**
   * How long read messages stay hidden, seconds. Messages not selected stay hidden while the scan
   * pages on (made visible again at the end); the run stops at 80 % of it and reports itself
   * incomplete, so run it again to continue. Default 300.
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Long-poll wait of each receive, seconds. Default 1. */
  readonly waitTimeSeconds?: number;
  /** Called after each moved message. */
  readonly onProgress?: (progress: { readonly scanned: number; readonly moved: number; readonly refused: number }) => void;
  /** Test hooks. `afterSend` runs after the send to the destination and before the delete from the DLQ (a crash there duplicates, never loses). */
  readonly hooks?: { readonly afterSend?: (letter: DeadLetter, destination: QueueRef) => void | Promise<void> };
}

export interface MovedMessage {
  /** Message id in the DLQ. */
  readonly messageId: string;
  /** Message id in the destination. */
  readonly newMessageId: string;
  readonly reason: InspectReason;
  readonly destination: string;
}

export interface RedriveSelectedResult {
  readonly queue: QueueRef;
  readonly moved: readonly MovedMessage[];
  /** Selected but refused: invalid signature without force. */
  readonly refused: readonly DeadLetter[];
  /** Selected but without a destination (no --to, no source in the context, several or no source queues). */
  readonly unresolved: readonly DeadLetter[];
  /** Ids asked for with `ids` that were not found. */
  readonly missingIds: readonly string[];
  readonly scanned: number;
  readonly matched: number;
  /** True when the whole DLQ was scanned (run again to continue when false). */
  readonly complete: boolean;
  readonly stoppedBecause: ScanStop;
  readonly warnings: readonly string[];
}

/** The deduplication id of a redriven FIFO message: derived from its DLQ message id, so a re-run after a crash is deduplicated by SQS (5-minute window). */
export function redriveDeduplicationId(messageId: string): string {
  return `redrive-${createHash("sha256").update(messageId).digest("hex").slice(0, 64)}`;
}

/**
 * The message attributes to send back, in SendMessage's shape: all of them except the
 * dead-letter context, plus `x-first-sent-timestamp`, when SQS first received the message
 * (from the context, else the dead letter's own SentTimestamp, which SQS's redrive keeps on
 * standard queues), so the worker judges the signed time against that, not the redrive.
 */
function forwardedAttributes(message: Message, letter?: DeadLetter): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  // EventBridge's failure attributes describe the failed delivery, not the event: a redriven
  // event reaches the worker as EventBridge would have delivered it (the body alone).
  const dropped = new Set<string>(letter?.reason === EVENTBRIDGE_DELIVERY_FAILED ? Object.values(EVENTBRIDGE_DLQ_ATTRIBUTES) : []);
  const firstSent = firstSentMs({
    sentTimestamp: message.Attributes?.SentTimestamp,
    firstSentAttribute: message.MessageAttributes?.[FIRST_SENT_ATTRIBUTE]?.StringValue,
    deadLetterContext: message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue,
  });
  if (firstSent !== undefined) out[FIRST_SENT_ATTRIBUTE] = { DataType: "String", StringValue: String(firstSent) };
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (name === DEAD_LETTER_ATTRIBUTE || name === FIRST_SENT_ATTRIBUTE || dropped.has(name) || !value.DataType) continue;
    out[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: value.BinaryValue }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" };
  }
  return Object.keys(out).length ? out : undefined;
}

function checkDestination(dlq: QueueRef, destination: QueueRef): QueueRef {
  if (destination.arn === dlq.arn)
    throw new DestinationError(`the destination ${destination.url} is the DLQ itself: name the source queue with --to`);
  if (destination.fifo !== dlq.fifo) {
    throw new DestinationError(
      `the destination ${destination.url} is ${destination.fifo ? "a FIFO" : "a standard"} queue and the DLQ ${dlq.url} is ${dlq.fifo ? "a FIFO" : "a standard"} queue: they must be of the same type`,
    );
  }
  return destination;
}

function validateReasons(reasons: readonly string[] | undefined): void {
  for (const r of reasons ?? []) {
    if (!(INSPECT_REASONS as readonly string[]).includes(r)) {
      throw new RangeError(`unknown reason ${JSON.stringify(r)}: use one of ${INSPECT_REASONS.join(", ")}`);
    }
  }
}

function validateRate(rate: number | undefined): void {
  if (rate !== undefined && !(rate > 0 && Number.isFinite(rate)))
    throw new RangeError(`rate must be a positive number of messages per second (got ${rate})`);
}

/**
 * Moves dead letters back one by one: each is sent to its destination with its original body and
 * attributes (without `x-dead-letter`; FIFO: same group, deduplication id from the DLQ message id)
 * BEFORE it is deleted from the DLQ, so a crash duplicates at most the message in hand and loses
 * nothing; a re-run finishes the job.
 */
export async function redriveSelected(client: SQSClient, options: RedriveSelectedOptions): Promise<RedriveSelectedResult> {
  validateReasons(options.reasons);
  validateRate(options.ratePerSecond);
  if (options.reasons?.includes("invalid-signature") && !options.force) {
    throw new RefusedError(`refusing to redrive invalid-signature dead letters without --force: ${INVALID_SIGNATURE_REFUSAL}`);
  }
  const dlq = await queueOf(client, options.queue);
  const fixed = options.to ? checkDestination(dlq, await resolveQueue(client, options.to)) : undefined;
  const visibility = options.visibilityTimeoutSeconds ?? 300;
  const scanner = new Scanner(client, dlq, {
    limit: options.limit ?? Number.POSITIVE_INFINITY,
    deadlineMs: Date.now() + visibility * 800,
    visibilityTimeoutSeconds: visibility,
    waitTimeSeconds: options.waitTimeSeconds ?? 1,
  });
  const reasons = options.reasons?.length ? new Set<string>(options.reasons) : undefined;
  const wanted = options.ids?.length ? new Set(options.ids) : undefined;
  const found = new Set<string>();
  const moved: MovedMessage[] = [];
  const refused: DeadLetter[] = [];
  const unresolved: DeadLetter[] = [];
  let matched = 0;

  const byArn = new Map<string, Promise<QueueRef | undefined>>();
  let onlySource: Promise<QueueRef | undefined> | undefined;
  const destinationFor = async (letter: DeadLetter): Promise<QueueRef | undefined> => {
    if (fixed) return fixed;
    if (letter.sourceQueueArn) {
      const arn = letter.sourceQueueArn;
      if (!byArn.has(arn)) {
        // A source queue deleted since leaves its dead letters without a destination (they stay,
        // and the result asks for --to), rather than stopping the redrive of every other one.
        const resolved = resolveQueue(client, arn).then(
          (q) => checkDestination(dlq, q),
          (error: unknown) => {
            if (error instanceof QueueNotFoundError) return undefined;
            throw error;
          },
        );
        byArn.set(arn, resolved);
      }
      return byArn.get(arn)!;
    }
    onlySource ??= deadLetterSources(client, dlq).then((urls) =>
      urls.length === 1 ? resolveQueue(client, urls[0]).then((q) => checkDestination(dlq, q)) : undefined,
    );
    return onlySource;
  };

  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
  let nextSendAt = 0;
  const pace = async () => {
    if (!interval) return;
    const now = Date.now();
    if (nextSendAt > now) await sleep(nextSendAt - now);
    nextSendAt = Math.max(now, nextSendAt) + interval;
  };

  let warnings: string[] = [];
  try {
    for (let page = await scanner.next(); page; page = await scanner.next()) {
      for (const message of page) {
        const letter = describeDeadLetter(message);
        if (reasons && !reasons.has(letter.reason)) continue;
        if (wanted && !wanted.has(letter.messageId)) continue;
        matched += 1;
        found.add(letter.messageId);
        if (letter.reason === "invalid-signature" && !options.force) {
          refused.push(letter);
          continue;
        }
        const destination = await destinationFor(letter);
        if (!destination) {
          unresolved.push(letter);
          continue;
        }
        await pace();
        const sent = await sqsCall("sqs:SendMessage", destination.url, () =>
          client.send(
            new SendMessageCommand({
              QueueUrl: destination.url,
              MessageBody: message.Body ?? "",
              MessageAttributes: forwardedAttributes(message, letter),
              ...(message.Attributes?.AWSTraceHeader
                ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: message.Attributes.AWSTraceHeader } } }
                : {}),
              ...(destination.fifo
                ? {
                    MessageGroupId: letter.messageGroupId ?? (letter.orderingKey !== "-" ? letter.orderingKey : letter.messageId),
                    MessageDeduplicationId: redriveDeduplicationId(letter.messageId),
                  }
                : {}),
            }),
          ),
        );
        await options.hooks?.afterSend?.(letter, destination);
        await sqsCall("sqs:DeleteMessage", dlq.url, () =>
          client.send(new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: message.ReceiptHandle })),
        );
        scanner.forget(letter.messageId);
        moved.push({
          messageId: letter.messageId,
          newMessageId: sent.MessageId ?? "",
          reason: letter.reason,
          destination: destination.url,
        });
        options.onProgress?.({ scanned: scanner.scanned, moved: moved.length, refused: refused.length });
      }
      if (wanted && found.size >= wanted.size) scanner.stop("done");
    }
  } finally {
    warnings = await scanner.releaseAll();
  }
  const stoppedBecause = scanner.stoppedBecause ?? "done";
  return {
    queue: dlq,
    moved,
    refused,
    unresolved,
    missingIds: wanted ? [...wanted].filter((id) => !found.has(id)) : [],
    scanned: scanner.scanned,
    matched,
    complete: stoppedBecause !== "limit" && stoppedBecause !== "time",
    stoppedBecause,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// redrive, all, through SQS's message move task
// ---------------------------------------------------------------------------------------------

/** Progress of a message move task. */
export interface MoveTaskProgress {
  readonly status: string;
  readonly moved: number;
  readonly toMove: number;
  readonly elapsedMs: number;
}

export interface RedriveAllOptions {
  /** The DLQ: URL, ARN or name. */
  readonly queue: string | QueueRef;
  /** Destination (URL, ARN or name). Default: the one source named by the dead letters' contexts, else the DLQ's only source queue (ListDeadLetterSourceQueues). */
  readonly to?: string;
  /** MaxNumberOfMessagesPerSecond of the move task, messages per second (1..500). Default: SQS chooses. */
  readonly ratePerSecond?: number;
  /** Move even if invalid-signature dead letters are found. Default false. */
  readonly force?: boolean;
  /** Messages read (and made visible again) before the task starts, to look for invalid-signature dead letters and source queues, messages. Default 1000. */
  readonly scanLimit?: number;
  /** Time budget of that scan, seconds. Default 20. */
  readonly scanBudgetSeconds?: number;
  /** Long-poll wait of each scan receive, seconds. Default 1. */
  readonly waitTimeSeconds?: number;
  /** Interval between progress polls (ListMessageMoveTasks), milliseconds. Default 1000. */
  readonly pollIntervalMs?: number;
  /** Called after each poll. */
  readonly onProgress?: (progress: MoveTaskProgress) => void;
}

export interface RedriveAllResult {
  readonly queue: QueueRef;
  readonly destination: string;
  /** True when a task already running for this DLQ was followed instead of starting one. */
  readonly resumed: boolean;
  readonly status: string;
  readonly moved: number;
  readonly toMove: number;
  readonly elapsedMs: number;
  /** Dead letters read before the task started (a sample when the DLQ is larger than scanLimit). */
  readonly scanned: number;
  readonly countsByReason: Readonly<Partial<Record<InspectReason, number>>>;
  readonly warnings: readonly string[];
}

const FINAL_STATES = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

/**
 * Moves every dead letter back with SQS's message move task (StartMessageMoveTask with an explicit
 * DestinationArn and rate), then follows it with ListMessageMoveTasks until it completes. A task
 * already running for the DLQ (an interrupted earlier run) is followed, not started twice.
 */
export async function redriveAll(client: SQSClient, options: RedriveAllOptions): Promise<RedriveAllResult> {
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 500)) {
    throw new RangeError(`rate of a message move task must be a whole number of messages per second from 1 to 500 (got ${rate})`);
  }
  const dlq = await queueOf(client, options.queue);
  const listTasks = async (): Promise<ListMessageMoveTasksResultEntry[]> =>
    (
      await sqsCall("sqs:ListMessageMoveTasks", dlq.arn, () =>
        client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 10 })),
      )
    ).Results ?? [];

  let warnings: string[] = [];
  let countsByReason: Partial<Record<InspectReason, number>> = {};
  let scanned = 0;
  let destination: QueueRef | undefined;
  let taskHandle: string | undefined;
  const running = (await listTasks()).find((t) => t.Status === "RUNNING");
  if (running) {
    if (options.to) {
      const wanted = await resolveQueue(client, options.to);
      if (running.DestinationArn && running.DestinationArn !== wanted.arn) {
        throw new DestinationError(
          `a message move task from ${dlq.arn} to ${running.DestinationArn} is already running (SQS allows one a queue); wait for it or cancel it (aws sqs cancel-message-move-task) before moving to ${wanted.arn}`,
        );
      }
    }
    taskHandle = running.TaskHandle;
  } else {
    const sample = await inspectDlq(client, {
      queue: dlq,
      limit: options.scanLimit ?? 1000,
      budgetSeconds: options.scanBudgetSeconds ?? 20,
      waitTimeSeconds: options.waitTimeSeconds,
    });
    warnings = [...sample.warnings];
    countsByReason = sample.countsByReason;
    scanned = sample.messages.length;
    const invalid = sample.countsByReason["invalid-signature"] ?? 0;
    if (invalid > 0 && !options.force) {
      const others = (Object.keys(sample.countsByReason) as InspectReason[]).filter((r) => r !== "invalid-signature");
      throw new RefusedError(
        `refusing to redrive all: ${invalid} of the ${scanned} dead letter(s) read failed signature verification; ${INVALID_SIGNATURE_REFUSAL}` +
          (others.length ? ` To move the others only: --reason ${others.join(" ")}.` : ""),
      );
    }
    const sqsMoved = sample.countsByReason[REDRIVEN_BY_SQS] ?? 0;
    if (sqsMoved > 0) {
      // A move task keeps attributes but gives a new SentTimestamp: the worker's dead letters
      // carry their first-delivery time in their context, these carry none.
      warnings.push(
        `${sqsMoved} dead letter(s) were moved here by SQS's own redrive and carry no first-delivery time: the move task gives them a new SentTimestamp, so one whose signed channel.time is older than the worker's replay window (default 900 s) is dead-lettered again as stale. Move them one by one first (--reason ${REDRIVEN_BY_SQS}), which carries their original SentTimestamp.`,
      );
    }
    if (!sample.complete) {
      // The signature guard above saw only what was read. Forged requests among the rest are
      // moved too; the worker verifies them again and dead-letters them again.
      warnings.push(
        `only ${scanned} of ~${sample.approximateMessages} dead letter(s) were read before starting (scan ${sample.stoppedBecause}); the move task moves all of them, including any unread one that failed signature verification (the worker rejects it again)`,
      );
    }
    if (scanned === 0 && sample.approximateMessages === 0) {
      return {
        queue: dlq,
        destination: "",
        resumed: false,
        status: "NOTHING_TO_MOVE",
        moved: 0,
        toMove: 0,
        elapsedMs: 0,
        scanned,
        countsByReason,
        warnings,
      };
    }
    destination = await chooseDestination(client, dlq, options.to, sample.messages, sample.complete);
    const started = await sqsCall("sqs:StartMessageMoveTask", dlq.arn, () =>
      client
        .send(
          new StartMessageMoveTaskCommand({
            SourceArn: dlq.arn,
            DestinationArn: destination!.arn,
            ...(rate !== undefined ? { MaxNumberOfMessagesPerSecond: rate } : {}),
          }),
        )
        .catch((error: unknown) => {
          const text = error instanceof Error ? error.message : String(error);
          if (/configured as a Dead Letter Queue|not.*dead.?letter/i.test(text)) {
            throw new DestinationError(
              `SQS cannot run a message move task from ${dlq.url}: no queue's redrive policy targets it (${text}). ` +
                "Move its messages one by one instead: add --one-by-one (or filter with --reason/--id).",
            );
          }
          throw error;
        }),
    );
    taskHandle = started.TaskHandle;
  }

  const startedAt = Date.now();
  for (;;) {
    const tasks = await listTasks();
    const task = tasks.find((t) => taskHandle !== undefined && t.TaskHandle === taskHandle) ?? tasks[0];
    if (!task) throw new MoveTaskError("UNKNOWN", undefined, `the message move task of ${dlq.arn} is not listed by ListMessageMoveTasks`);
    const progress: MoveTaskProgress = {
      status: task.Status ?? "UNKNOWN",
      moved: task.ApproximateNumberOfMessagesMoved ?? 0,
      toMove: task.ApproximateNumberOfMessagesToMove ?? 0,
      elapsedMs: Date.now() - (task.StartedTimestamp ?? startedAt),
    };
    options.onProgress?.(progress);
    if (FINAL_STATES.has(progress.status)) {
      if (progress.status !== "COMPLETED") {
        throw new MoveTaskError(
          progress.status,
          task.FailureReason,
          `the message move task ended ${progress.status} after moving ${progress.moved} of ${progress.toMove} message(s)` +
            (task.FailureReason ? `: ${task.FailureReason}` : "") +
            "; the rest are still in the DLQ, run the redrive again",
        );
      }
      // The task moves what SQS estimated when it started: a message that arrived meanwhile, or
      // was in flight or uncounted then, is still in the DLQ.
      const left = await queueDepth(client, dlq);
      if (left.visible + left.delayed > 0) {
        warnings = [
          ...warnings,
          `about ${left.visible + left.delayed} message(s) are still in ${dlq.url} after the move task completed (they arrived after it started, or were in flight or not counted when it did): run the redrive again to move them`,
        ];
      }
      return {
        queue: dlq,
        destination: task.DestinationArn ?? destination?.arn ?? "",
        resumed: running !== undefined,
        status: progress.status,
        moved: progress.moved,
        toMove: progress.toMove,
        elapsedMs: progress.elapsedMs,
        scanned,
        countsByReason,
        warnings,
      };
    }
    await sleep(options.pollIntervalMs ?? 1000);
  }
}

/** The one destination of a full redrive: --to, else the sources the dead letters name, else the DLQ's only source queue. */
async function chooseDestination(
  client: SQSClient,
  dlq: QueueRef,
  to: string | undefined,
  letters: readonly DeadLetter[],
  complete = true,
): Promise<QueueRef> {
  if (to) return checkDestination(dlq, await resolveQueue(client, to));
  if (!complete) {
    // The letters read name one queue, but the unread ones may name another: one move task
    // would send them all to the first.
    const sources = await deadLetterSources(client, dlq);
    if (sources.length > 1) {
      throw new DestinationError(
        `${sources.length} queues use ${dlq.url} as their DLQ (${sources.join(", ")}) and not every dead letter was read, so they may come from more than one: name the destination with --to, or move them one by one (each goes back to its own queue)`,
      );
    }
  }
  const named = [...new Set(letters.map((l) => l.sourceQueueArn).filter((a): a is string => !!a))];
  if (named.length > 1) {
    throw new DestinationError(
      `the dead letters come from ${named.length} queues (${named.join(", ")}): name one with --to, or filter with --reason/--id`,
    );
  }
  if (named.length === 1) return checkDestination(dlq, await resolveQueue(client, named[0]));
  const sources = await deadLetterSources(client, dlq);
  if (sources.length === 1) return checkDestination(dlq, await resolveQueue(client, sources[0]));
  throw new DestinationError(
    sources.length === 0
      ? `no destination for ${dlq.url}: its dead letters name no source queue and no queue's redrive policy targets it; name one with --to`
      : `${sources.length} queues use ${dlq.url} as their DLQ (${sources.join(", ")}) and the dead letters name none of them: name one with --to`,
  );
}

// ---------------------------------------------------------------------------------------------
// purge
// ---------------------------------------------------------------------------------------------

export interface PurgeOptions {
  /** The DLQ: URL, ARN or name. */
  readonly queue: string | QueueRef;
  /** The confirmation guard: without it nothing is deleted. Default false. */
  readonly yes?: boolean;
}

export interface PurgeResult {
  readonly queue: QueueRef;
  /** Messages in the queue when it was purged (visible + in flight + delayed), approximate. */
  readonly purged: number;
}

/** Deletes every message of the queue (PurgeQueue). Refuses without `yes`, saying how many messages are there. */
export async function purgeDlq(client: SQSClient, options: PurgeOptions): Promise<PurgeResult> {
  const queue = await queueOf(client, options.queue);
  const depth = await queueDepth(client, queue);
  const total = depth.visible + depth.inFlight + depth.delayed;
  if (!options.yes) {
    throw new RefusedError(
      `refusing to purge ${queue.url} without --yes: it holds ~${total} message(s) (${depth.visible} visible, ${depth.inFlight} in flight, ${depth.delayed} delayed) and a purge deletes them for good. ` +
        `Nothing was deleted. Look first (dlq inspect --queue ${queue.name}), then run: dlq purge --queue ${queue.name} --yes`,
    );
  }
  await sqsCall("sqs:PurgeQueue", queue.url, () => client.send(new PurgeQueueCommand({ QueueUrl: queue.url })));
  return { queue, purged: total };
}

export type { DeadLetterReason };
