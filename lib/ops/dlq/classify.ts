/**
 * Classifying a dead letter: why it is in the DLQ (the worker's `x-dead-letter` context, SQS's
 * own redrive, or EventBridge's failure attributes), its ordering key, synthetic marker and
 * body size, read from one received message without any call to SQS.
 */
import type { Message } from "@aws-sdk/client-sqs";
import { DEAD_LETTER_ATTRIBUTE, DEAD_LETTER_REASONS, parseDeadLetterContext } from "../../runtime/dead-letter";
import { decodeMessageBody } from "../../runtime/ingress-body";
import { channelSchema, orderingKey, type NormalizedMessage } from "../../runtime/normalized-message";
import { SYNTHETIC_KEY, syntheticMarkerSchema } from "../../runtime/synthetic";
import { z } from "zod";

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
  /**
   * The conversation's ordering key, the runtime's `orderingKey` (`channel.id:<party id>`), or
   * "-" when the body is not a NormalizedMessage with a channel (see {@link orderingKeyOf}).
   */
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

/** The fields of a NormalizedMessage the ordering key reads, typed as the worker's schema types them. */
const keyedBodySchema = z.object({ channel: channelSchema, direction: z.string().optional() }).passthrough();

/**
 * The ordering key of a dead letter's body: the runtime's `orderingKey`, the key the worker and
 * the ingress's FIFO group use (`channel.id:channel.to.id` for an outbound message or one without
 * a direction, `channel.id:channel.from.id` for an inbound one, a missing value counting as
 * empty); "-" when the body is not a NormalizedMessage with a channel (not JSON, not an object,
 * no `channel` object, or those fields of another type than the worker's schema allows).
 */
export function orderingKeyOf(body: unknown): string {
  const keyed = keyedBodySchema.safeParse(body);
  return keyed.success ? orderingKey(keyed.data as NormalizedMessage) : "-";
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

/** The fields of a dead letter that say why it is there (everything but the ones every letter has). */
type Classification = Omit<DeadLetter, "messageId" | "orderingKey" | "bodyBytes">;

/** What EventBridge's attributes tell of an event it could not deliver. */
function eventBridgeFailure(message: Message): Classification {
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

/** The body as the producer sent it (decoded when stored base64-encoded), its size, and its JSON when it is JSON. */
function readBody(message: Message): { bytes: number; encoding?: string; parsed: unknown } {
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
  return { bytes: body.bytes, encoding: body.encoding, parsed };
}

/** The synthetic marker's run id and sequence number, when the body carries one ("(invalid marker)" when it is not valid). */
function syntheticFields(parsed: unknown): Pick<DeadLetter, "syntheticRunId" | "syntheticSeq"> {
  const marker = obj(parsed)?.[SYNTHETIC_KEY];
  const syntheticMarker = marker === undefined ? undefined : syntheticMarkerSchema.safeParse(marker);
  return syntheticMarker?.success
    ? { syntheticRunId: syntheticMarker.data.runId, syntheticSeq: syntheticMarker.data.seq }
    : marker !== undefined
      ? { syntheticRunId: str(obj(marker)?.runId) ?? "(invalid marker)" }
      : {};
}

/**
 * Why a message with an `x-dead-letter` attribute (`raw`) is here: the worker's context, or SQS's
 * redrive when SQS's DeadLetterQueueSourceArn is there too, or an unreadable context.
 */
function classifyByContext(raw: string, sqsSource: string | undefined): Classification {
  try {
    const context = parseDeadLetterContext(raw)!;
    if (sqsSource) {
      // The worker's dead letters are new messages (SendMessage), which never carry SQS's
      // DeadLetterQueueSourceArn. Both at once: a move task took the worker's dead letter back
      // with its context, and SQS's redrive moved it here again (the worker crashed or timed
      // out on it). The context tells the earlier story, not this one.
      return {
        reason: REDRIVEN_BY_SQS,
        errorMessage: `moved here by SQS's redrive after a redrive; the ${DEAD_LETTER_ATTRIBUTE} context is from before (${context.reason}: ${context.message.slice(0, 300)})`,
        sourceQueueArn: sqsSource,
      };
    }
    return {
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
      reason: UNREADABLE_CONTEXT,
      errorName: "UnreadableDeadLetterContext",
      errorMessage: `${DEAD_LETTER_ATTRIBUTE} is not a dead-letter context: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
      ...(sqsSource ? { sourceQueueArn: sqsSource } : {}),
    };
  }
}

/** Why a message is here: EventBridge's attributes, else SQS's redrive (no context), else its `x-dead-letter` context. */
function classify(message: Message): Classification {
  const raw = message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue;
  const sqsSource = message.Attributes?.DeadLetterQueueSourceArn;
  if (raw === undefined && !sqsSource && isEventBridgeDeadLetter(message)) return eventBridgeFailure(message);
  if (raw === undefined) return { reason: REDRIVEN_BY_SQS, ...(sqsSource ? { sourceQueueArn: sqsSource } : {}) };
  return classifyByContext(raw, sqsSource);
}

/** Describes one received DLQ message (received with AttributeNames and MessageAttributeNames ["All"]). */
export function describeDeadLetter(message: Message): DeadLetter {
  const body = readBody(message);
  const attributes = message.Attributes ?? {};
  const common = {
    messageId: message.MessageId ?? "",
    orderingKey: orderingKeyOf(body.parsed),
    bodyBytes: body.bytes,
    ...(body.encoding ? { bodyEncoding: body.encoding } : {}),
    ...(attributes.MessageGroupId ? { messageGroupId: attributes.MessageGroupId } : {}),
    ...(num(attributes.SentTimestamp) !== undefined ? { sentMs: num(attributes.SentTimestamp) } : {}),
    ...syntheticFields(body.parsed),
  };
  return { ...common, ...classify(message) };
}

/** Messages per reason. */
export function countByReason(messages: readonly DeadLetter[]): Partial<Record<InspectReason, number>> {
  const counts: Partial<Record<InspectReason, number>> = {};
  for (const m of messages) counts[m.reason] = (counts[m.reason] ?? 0) + 1;
  return counts;
}
