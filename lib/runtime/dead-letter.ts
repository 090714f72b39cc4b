/**
 * The dead-letter context: one SQS message attribute, `x-dead-letter`, holding JSON.
 * SQS allows 10 attributes a message; one is enough and leaves room for the originals.
 */
import { z } from "zod";

export const DEAD_LETTER_ATTRIBUTE = "x-dead-letter";

/**
 * Reserved message attribute (String, epoch milliseconds): when SQS first received the
 * message from the ingress, i.e. the `SentTimestamp` of its first delivery. Set on a message
 * the pipeline re-sends itself, which SQS gives a new `SentTimestamp`: a one-by-one `dlq
 * redrive`, and the worker moving an unverified FIFO message out of its group. It takes the
 * place of `x-dead-letter` (never both on one message), so it costs no attribute slot, and
 * the ingress cannot set it (`extraHeaders` refuses the name).
 */
export const FIRST_SENT_ATTRIBUTE = "x-first-sent-timestamp";

/**
 * Why the worker dead-lettered a message. `stale`: the signed `channel.time` is outside the
 * replay window around the time SQS first received the message (or missing, or not a time).
 */
export const DEAD_LETTER_REASONS = ["invalid-signature", "malformed", "permanent", "exhausted", "stale"] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export const deadLetterContextSchema = z.object({
  reason: z.enum(DEAD_LETTER_REASONS),
  /** Error name (class), e.g. "PermanentError". */
  error: z.string(),
  /** Error message, truncated to 1,000 characters. */
  message: z.string(),
  /** Attempts made (the receive count of the last one). */
  attempts: z.number().int().min(0),
  /** First receive, epoch milliseconds. */
  firstReceiveMs: z.number().nonnegative(),
  /** Last receive, epoch milliseconds. */
  lastReceiveMs: z.number().nonnegative(),
  /**
   * When SQS first received the message from the ingress (the `SentTimestamp` of its first
   * delivery), epoch milliseconds: what the replay window is judged against after a redrive.
   * Absent in contexts written before it existed.
   */
  firstSentMs: z.number().int().positive().optional(),
  /** Lambda request id of the invocation that dead-lettered it. */
  requestId: z.string(),
  /** ARN of the queue the message came from: where a redrive puts it back. */
  sourceQueueArn: z.string(),
});
export type DeadLetterContext = z.infer<typeof deadLetterContextSchema>;

const MAX_MESSAGE = 1000;
const MAX_ERROR_NAME = 200;

/**
 * Largest encoded context, UTF-8 bytes: the part of the size budget (lib/runtime/ingress-body.ts)
 * the DLQ keeps free above the main queue's largest message, so every message fits there with
 * its context. {@link encodeDeadLetterContext} never exceeds it.
 */
export const DEAD_LETTER_CONTEXT_MAX_BYTES = 2048;

/** `text` cut to `length` UTF-16 units, without leaving half a surrogate pair. */
function cut(text: string, length: number): string {
  const out = text.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(out) ? out.slice(0, -1) : out;
}

/** The longest cut of `text` (by halving steps) for which `encode` fits {@link DEAD_LETTER_CONTEXT_MAX_BYTES}. */
function fitting(text: string, encode: (cutText: string) => string): string {
  const fits = (length: number) => Buffer.byteLength(encode(cut(text, length)), "utf8") <= DEAD_LETTER_CONTEXT_MAX_BYTES;
  if (fits(text.length)) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return cut(text, low);
}

/**
 * The attribute value: JSON, with the error message cut to 1,000 characters and the error name
 * to 200, then both shortened further until the whole is at most
 * {@link DEAD_LETTER_CONTEXT_MAX_BYTES} UTF-8 bytes (escaped and multi-byte characters count).
 */
export function encodeDeadLetterContext(context: DeadLetterContext): string {
  const parsed = deadLetterContextSchema.parse({
    ...context,
    message: cut(context.message, MAX_MESSAGE),
    error: cut(context.error, MAX_ERROR_NAME),
  });
  const message = fitting(parsed.message, (m) => JSON.stringify({ ...parsed, message: m, error: "" }));
  const error = fitting(parsed.error, (e) => JSON.stringify({ ...parsed, message, error: e }));
  return JSON.stringify({ ...parsed, message, error });
}

/** Parses the attribute value; undefined when it is absent, throws when it is not a context. */
export function parseDeadLetterContext(value: string | undefined): DeadLetterContext | undefined {
  if (value === undefined) return undefined;
  return deadLetterContextSchema.parse(JSON.parse(value));
}
