/**
 * The dead-letter context: one SQS message attribute, `x-dead-letter`, holding JSON.
 * SQS allows 10 attributes a message; one is enough and leaves room for the originals.
 */
import { z } from "zod";

export const DEAD_LETTER_ATTRIBUTE = "x-dead-letter";

export const DEAD_LETTER_REASONS = ["invalid-signature", "malformed", "permanent", "exhausted"] as const;
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
  /** Lambda request id of the invocation that dead-lettered it. */
  requestId: z.string(),
  /** ARN of the queue the message came from: where a redrive puts it back. */
  sourceQueueArn: z.string(),
});
export type DeadLetterContext = z.infer<typeof deadLetterContextSchema>;

const MAX_MESSAGE = 1000;

export function encodeDeadLetterContext(context: DeadLetterContext): string {
  const trimmed = { ...context, message: context.message.slice(0, MAX_MESSAGE) };
  return JSON.stringify(deadLetterContextSchema.parse(trimmed));
}

/** Parses the attribute value; undefined when it is absent, throws when it is not a context. */
export function parseDeadLetterContext(value: string | undefined): DeadLetterContext | undefined {
  if (value === undefined) return undefined;
  return deadLetterContextSchema.parse(JSON.parse(value));
}
