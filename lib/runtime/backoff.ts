/**
 * Backoff shared by the worker (redelivery delays) and the load generator (client retries):
 * full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter")
 * and Retry-After parsing (RFC 9110 section 10.2.3: delta-seconds or an HTTP-date).
 */

import { SQS_MAX_VISIBILITY_SECONDS } from "./aws-limits";
import { WORKER_CONTRACT } from "./contract";

export { SQS_MAX_VISIBILITY_SECONDS };

/** The worker's default cap of a redelivery delay, seconds: the contract's default of `GCX_BACKOFF_MAX_SECONDS`. */
export const DEFAULT_BACKOFF_MAX_SECONDS: number = WORKER_CONTRACT.backoffMaxSeconds.default;

/**
 * Full jitter: a uniform draw in `[0, min(cap, base * 2^attempt))`.
 * Unit-agnostic: the result has the unit of `base` and `cap`.
 *
 * @param base the delay scale (e.g. seconds); >= 0
 * @param attempt the retry index, from 0 (the first retry draws within `[0, base)`)
 * @param cap the largest ceiling, same unit as `base`; default no cap
 * @param random a uniform source in [0, 1); default Math.random
 */
export function fullJitter(base: number, attempt: number, cap = Number.POSITIVE_INFINITY, random: () => number = Math.random): number {
  if (!(base >= 0) || !Number.isFinite(base)) throw new RangeError(`fullJitter: base must be a finite number >= 0, got ${base}`);
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`fullJitter: attempt must be an integer >= 0, got ${attempt}`);
  if (!(cap >= 0)) throw new RangeError(`fullJitter: cap must be >= 0, got ${cap}`);
  // 2^attempt overflows to Infinity for large attempts; min() with the cap keeps it finite.
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 1024));
  if (!Number.isFinite(ceiling)) throw new RangeError("fullJitter: without a cap the ceiling is infinite; pass a cap");
  return random() * ceiling;
}

/**
 * Parses a Retry-After header value into seconds from `nowMs`.
 * Accepts delta-seconds (`"7"`) or an HTTP-date (`"Fri, 14 Mar 2025 09:27:00 GMT"`);
 * a date in the past gives 0. Returns undefined for a missing or unparseable value.
 * Fractional delta-seconds (not RFC-conformant but seen in the wild) are accepted.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  // An HTTP-date always names a weekday or month; Date.parse alone accepts too much ("1e3").
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - nowMs) / 1000);
}

/** How long a failed message stays invisible before its next attempt. */
export interface RedeliveryDelayInput {
  /** The receive count of the attempt that failed, from 1. */
  readonly attempt: number;
  /** Backoff base, seconds. */
  readonly baseSeconds: number;
  /** Cap of the delay, seconds; clamped to SQS's 43,200. */
  readonly maxSeconds: number;
  /** The downstream's Retry-After, seconds, when it gave one. */
  readonly retryAfterSeconds?: number;
  /** Uniform source in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/**
 * delay = min(cap, max(Retry-After, fullJitter(base, attempt - 1))), in whole seconds
 * (SQS visibility timeouts are integers; a Retry-After is rounded up so it is honoured).
 */
export function redeliveryDelaySeconds(input: RedeliveryDelayInput): number {
  const cap = Math.min(Math.max(0, input.maxSeconds), SQS_MAX_VISIBILITY_SECONDS);
  const jitter = fullJitter(input.baseSeconds, Math.max(0, input.attempt - 1), cap, input.random);
  const retryAfter = input.retryAfterSeconds ?? 0;
  return Math.min(cap, Math.max(Math.ceil(retryAfter), Math.round(jitter)));
}
