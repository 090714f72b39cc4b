/**
 * Redrive one by one: each selected dead letter is sent back to its destination, then deleted
 * from the DLQ (send before delete, so a crash duplicates at most one message and loses none).
 */
import { createHash } from "node:crypto";
import {
  DeleteMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SendMessageCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { DEAD_LETTER_ATTRIBUTE, FIRST_SENT_ATTRIBUTE } from "../../runtime/dead-letter";
import { firstSentMs } from "../../runtime/replay-window";
import { RefusedError } from "../errors";
import { resolveQueue, sqsCall, type QueueRef } from "../queues";
import {
  EVENTBRIDGE_DELIVERY_FAILED,
  EVENTBRIDGE_DLQ_ATTRIBUTES,
  INSPECT_REASONS,
  describeDeadLetter,
  type DeadLetter,
  type InspectReason,
} from "./classify";
import { INVALID_SIGNATURE_REFUSAL, checkDestination, destinationResolver } from "./redrive-policy";
import { Scanner, queueOf, sleep, type ScanStop } from "./scan";

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

/** Rejects reasons, rates and an invalid-signature selection without force before anything is read. */
function validateSelection(options: RedriveSelectedOptions): void {
  for (const r of options.reasons ?? []) {
    if (!(INSPECT_REASONS as readonly string[]).includes(r)) {
      throw new RangeError(`unknown reason ${JSON.stringify(r)}: use one of ${INSPECT_REASONS.join(", ")}`);
    }
  }
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(rate > 0 && Number.isFinite(rate)))
    throw new RangeError(`rate must be a positive number of messages per second (got ${rate})`);
  if (options.reasons?.includes("invalid-signature") && !options.force) {
    throw new RefusedError(`refusing to redrive invalid-signature dead letters without --force: ${INVALID_SIGNATURE_REFUSAL}`);
  }
}

/** A function to await before each send so that sends keep to `ratePerSecond` (none: no wait). */
function pacer(ratePerSecond: number | undefined): () => Promise<void> {
  const interval = ratePerSecond ? 1000 / ratePerSecond : 0;
  let nextSendAt = 0;
  return async () => {
    if (!interval) return;
    const now = Date.now();
    if (nextSendAt > now) await sleep(nextSendAt - now);
    nextSendAt = Math.max(now, nextSendAt) + interval;
  };
}

/** Sends a dead letter back as it was stored (body, attributes but the context, trace header; FIFO: its group and a stable deduplication id). */
function sendBack(client: SQSClient, message: Message, letter: DeadLetter, destination: QueueRef): Promise<SendMessageCommandOutput> {
  return sqsCall("sqs:SendMessage", destination.url, () =>
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
}

/** What a one-by-one redrive has done so far. */
interface Tally {
  /** Ids of the selected messages read. */
  readonly found: Set<string>;
  readonly moved: MovedMessage[];
  readonly refused: DeadLetter[];
  readonly unresolved: DeadLetter[];
  matched: number;
}

/** Everything moving one message needs: the run's settings, its helpers and its tally. */
interface Run {
  readonly client: SQSClient;
  readonly dlq: QueueRef;
  readonly options: RedriveSelectedOptions;
  readonly scanner: Scanner;
  readonly selects: (letter: DeadLetter) => boolean;
  readonly destinationFor: (letter: DeadLetter) => Promise<QueueRef | undefined>;
  readonly pace: () => Promise<void>;
  readonly tally: Tally;
}

/** Handles one message read from the DLQ: skips it unless selected, refuses or leaves it when it cannot go, else sends it back and deletes it. */
async function redriveOne(run: Run, message: Message): Promise<void> {
  const { client, dlq, options, tally } = run;
  const letter = describeDeadLetter(message);
  if (!run.selects(letter)) return;
  tally.matched += 1;
  tally.found.add(letter.messageId);
  if (letter.reason === "invalid-signature" && !options.force) {
    tally.refused.push(letter);
    return;
  }
  const destination = await run.destinationFor(letter);
  if (!destination) {
    tally.unresolved.push(letter);
    return;
  }
  await run.pace();
  const sent = await sendBack(client, message, letter, destination);
  await options.hooks?.afterSend?.(letter, destination);
  await sqsCall("sqs:DeleteMessage", dlq.url, () =>
    client.send(new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: message.ReceiptHandle })),
  );
  run.scanner.forget(letter.messageId);
  tally.moved.push({
    messageId: letter.messageId,
    newMessageId: sent.MessageId ?? "",
    reason: letter.reason,
    destination: destination.url,
  });
  options.onProgress?.({ scanned: run.scanner.scanned, moved: tally.moved.length, refused: tally.refused.length });
}

/**
 * Moves dead letters back one by one: each is sent to its destination with its original body and
 * attributes (without `x-dead-letter`; FIFO: same group, deduplication id from the DLQ message id)
 * BEFORE it is deleted from the DLQ, so a crash duplicates at most the message in hand and loses
 * nothing; a re-run finishes the job.
 */
export async function redriveSelected(client: SQSClient, options: RedriveSelectedOptions): Promise<RedriveSelectedResult> {
  validateSelection(options);
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
  const tally: Tally = { found: new Set(), moved: [], refused: [], unresolved: [], matched: 0 };
  const run: Run = {
    client,
    dlq,
    options,
    scanner,
    selects: (letter) => (!reasons || reasons.has(letter.reason)) && (!wanted || wanted.has(letter.messageId)),
    destinationFor: destinationResolver(client, dlq, fixed),
    pace: pacer(options.ratePerSecond),
    tally,
  };
  let warnings: string[] = [];
  try {
    for (let page = await scanner.next(); page; page = await scanner.next()) {
      for (const message of page) await redriveOne(run, message);
      if (wanted && tally.found.size >= wanted.size) scanner.stop("done");
    }
  } finally {
    warnings = await scanner.releaseAll();
  }
  const stoppedBecause = scanner.stoppedBecause ?? "done";
  return {
    queue: dlq,
    moved: tally.moved,
    refused: tally.refused,
    unresolved: tally.unresolved,
    missingIds: wanted ? [...wanted].filter((id) => !tally.found.has(id)) : [],
    scanned: scanner.scanned,
    matched: tally.matched,
    complete: stoppedBecause !== "limit" && stoppedBecause !== "time",
    stoppedBecause,
    warnings,
  };
}
