/**
 * A per-instance token bucket: `ratePerSecond` tokens a second up to `burst`. Callers
 * wait for a token when the wait is short; when it would exceed `maxWaitMs` the caller
 * gets a {@link RetryableError} carrying the wait as Retry-After, so the message goes back
 * on the queue instead of holding the Lambda (never a long sleep inside the handler).
 */
import { RetryableError } from "../errors";

export interface TokenBucketOptions {
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** Bucket size, tokens. Default 1. */
  readonly burst?: number;
  /** Longest a caller waits for a token before a RetryableError, milliseconds. Default 5000. */
  readonly maxWaitMs?: number;
  /** Clock, epoch milliseconds. Default Date.now. */
  readonly now?: () => number;
}

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly maxWaitMs: number;
  private readonly now: () => number;
  private tokens: number;
  private updatedMs: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError(`TokenBucket: ratePerSecond must be a finite number > 0, got ${options.ratePerSecond}`);
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? 1);
    this.maxWaitMs = options.maxWaitMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.tokens = this.burst;
    this.updatedMs = this.now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedMs) / 1000) * this.ratePerSecond);
    this.updatedMs = now;
  }

  /**
   * Reserves one token without waiting: returns 0 when one was available, otherwise the
   * milliseconds until the reserved token is due (the reservation stands: wait that long).
   * Returns -1 and reserves nothing when the wait would exceed `maxWaitMs` (or `limitMs`,
   * when smaller).
   */
  reserve(limitMs = this.maxWaitMs): number {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    const waitMs = Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
    if (waitMs > Math.min(this.maxWaitMs, limitMs)) {
      this.tokens += 1;
      return -1;
    }
    return waitMs;
  }

  /** Takes one token, waiting up to `maxWaitMs` (or `limitMs`, when smaller); throws a RetryableError when the wait would be longer. */
  async take(limitMs = this.maxWaitMs): Promise<void> {
    const waitMs = this.reserve(limitMs);
    if (waitMs === 0) return;
    if (waitMs < 0) {
      const deficit = 1 - this.tokens;
      throw new RetryableError(`downstream rate limit (${this.ratePerSecond}/s per instance) reached; backing off`, {
        retryAfterSeconds: Math.ceil(deficit / this.ratePerSecond),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
