/**
 * A per-run retry budget shaped like the AWS SDK's retry quota (standard retry mode):
 * it stops a retry storm when the target is failing. Retry-After parsing and full
 * jitter come from the shared `../backoff`.
 */

/** Settings of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Tokens at the start of the run (and the most the budget ever holds). */
  readonly tokens: number;
  /** Cost of a retry after a throttle or an error response. */
  readonly retryCost: number;
  /** Cost of a retry after a timeout or a connection error. */
  readonly timeoutRetryCost: number;
  /** Tokens a first-attempt success returns. */
  readonly successRefund: number;
}

/**
 * A per-run retry quota: each retry spends tokens, each first-attempt success refunds a
 * few, and a success after a retry gives that retry's cost back. When the budget cannot
 * pay for a retry, the retry is not made: under a sustained failure the generator stops
 * multiplying its own load.
 */
export class RetryBudget {
  private available: number;
  /** Retries refused for lack of tokens. */
  refused = 0;

  constructor(private readonly options: RetryBudgetOptions) {
    this.available = options.tokens;
  }

  /** Tokens left. */
  get tokens(): number {
    return this.available;
  }

  /** Tries to pay for one retry; returns the cost paid, or undefined when the budget is exhausted. */
  acquire(kind: "error" | "timeout"): number | undefined {
    const cost = kind === "timeout" ? this.options.timeoutRetryCost : this.options.retryCost;
    if (cost > this.available) {
      this.refused++;
      return undefined;
    }
    this.available -= cost;
    return cost;
  }

  /** Records a success: `retryCostPaid` is what the last retry of that message cost (0 for a first attempt). */
  release(retryCostPaid: number): void {
    const refund = retryCostPaid > 0 ? retryCostPaid : this.options.successRefund;
    this.available = Math.min(this.options.tokens, this.available + refund);
  }
}
