/**
 * The replay window: a signed body is processed only when its signed `channel.time` is close
 * to the time SQS first received it (`SentTimestamp` of its first delivery), never compared
 * with the clock at processing time, so a backlog after an outage is not refused. The
 * idempotency record bounds replays for its TTL (`GCX_IDEMPOTENCY_TTL_SECONDS`); the window
 * bounds them for good.
 */
import { WORKER_CONTRACT } from "./contract";

/** Default replay window, seconds: the contract's default of `GCX_REPLAY_WINDOW_SECONDS` (0 turns the check off). */
export const DEFAULT_REPLAY_WINDOW_SECONDS: number = WORKER_CONTRACT.replayWindowSeconds.default;

/**
 * Smallest replay window the constructs accept (other than 0, off), seconds: Genesys retries a
 * webhook for about 85 s after its first try, and each retry carries the first one's signed time.
 */
export const MIN_REPLAY_WINDOW_SECONDS = 300;

/**
 * How far a signed time may be ahead of the time SQS first received the message, seconds
 * (clock skew between Genesys and AWS). Further ahead is refused: such a body could be
 * replayed for longer than the window.
 */
export const SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS = 300;

/** Where the first-delivery time can be read from, all as SQS hands them over (strings). */
export interface FirstSentSources {
  /** This delivery's `SentTimestamp`, epoch milliseconds. */
  readonly sentTimestamp?: string;
  /** The `x-first-sent-timestamp` message attribute (FIRST_SENT_ATTRIBUTE)'s value. */
  readonly firstSentAttribute?: string;
  /** The `x-dead-letter` message attribute's value (a move task keeps it). */
  readonly deadLetterContext?: string;
}

function epochMs(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : typeof value === "number" ? value : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The first-delivery time a dead-letter context carries: `firstSentMs`, else (older contexts) `firstReceiveMs`. */
function fromContext(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  try {
    const context = JSON.parse(raw) as Record<string, unknown>;
    return epochMs(context.firstSentMs) ?? epochMs(context.firstReceiveMs);
  } catch {
    return undefined;
  }
}

/**
 * When SQS first received the message, epoch milliseconds: the earliest of this delivery's
 * `SentTimestamp` and a time carried by `x-first-sent-timestamp` or an `x-dead-letter`
 * context (a carried time later than this delivery is impossible and ignored). Undefined
 * when none is readable.
 */
export function firstSentMs(sources: FirstSentSources): number | undefined {
  const sent = epochMs(sources.sentTimestamp);
  const carried = [epochMs(sources.firstSentAttribute), fromContext(sources.deadLetterContext)].filter((n): n is number => n !== undefined);
  const candidates = sent === undefined ? carried : [sent, ...carried.filter((n) => n <= sent)];
  return candidates.length ? Math.min(...candidates) : undefined;
}

/** An ISO-8601 date-time with a time zone (a local time would depend on the worker's zone). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** What the replay window concluded about a signed time. */
export type SignedTimeVerdict = { readonly ok: true } | { readonly ok: false; readonly errorName: string; readonly message: string };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Judges a verified body's signed `channel.time` against `firstSentMs` (when SQS first
 * received it). Refused: no signed time, one that is not an ISO-8601 time with a zone, one
 * more than `windowSeconds` older, or more than {@link SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS}
 * ahead. `windowSeconds` 0 accepts everything.
 */
export function judgeSignedTime(signedTime: unknown, firstSent: number, windowSeconds: number): SignedTimeVerdict {
  if (windowSeconds === 0) return { ok: true };
  if (signedTime === undefined || signedTime === null || signedTime === "") {
    return {
      ok: false,
      errorName: "MissingSignedTimeError",
      message: `the signed body has no channel.time, so the ${windowSeconds} s replay window cannot place it`,
    };
  }
  const signedMs = typeof signedTime === "string" && ISO_8601.test(signedTime) ? Date.parse(signedTime) : Number.NaN;
  if (!Number.isFinite(signedMs)) {
    return {
      ok: false,
      errorName: "UnparseableSignedTimeError",
      message: `the signed channel.time ${JSON.stringify(signedTime).slice(0, 80)} is not an ISO-8601 time with a time zone`,
    };
  }
  const ageSeconds = Math.round((firstSent - signedMs) / 1000);
  if (firstSent - signedMs > windowSeconds * 1000) {
    return {
      ok: false,
      errorName: "StaleSignedTimeError",
      message: `the signed channel.time ${iso(signedMs)} is ${ageSeconds} s older than the time SQS first received the message (${iso(firstSent)}), more than the ${windowSeconds} s replay window`,
    };
  }
  if (signedMs - firstSent > SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS * 1000) {
    return {
      ok: false,
      errorName: "SignedTimeAheadError",
      message: `the signed channel.time ${iso(signedMs)} is ${-ageSeconds} s ahead of the time SQS first received the message (${iso(firstSent)}), more than the ${SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS} s clock-skew allowance`,
    };
  }
  return { ok: true };
}
