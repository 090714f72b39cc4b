/**
 * The token bucket API Gateway throttles with: `rate` tokens per second refill a bucket of
 * `burst` tokens; a request takes one token or is throttled.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate refill, tokens per second (API Gateway's `throttling_rate_limit`)
   * @param burst capacity, tokens (API Gateway's `throttling_burst_limit`); the bucket starts full
   * @param now clock in milliseconds (injectable for tests)
   */
  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the request is throttled. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
