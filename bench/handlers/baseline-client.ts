/**
 * The downstream clients the goodput benchmark compares with the runtime's, each a strategy a
 * team could write by hand around a plain `fetch` of the Genesys receipt. Everything else
 * (token, message, worker runtime around it) is the demo worker's, so only the client differs.
 *
 * Careful clients:
 * - `sdk-standard`: the AWS SDK's "standard" retry mode (3 attempts, full-jitter exponential
 *   backoff from 100 ms capped at 20 s, a retry quota of 500 tokens per environment costing 5
 *   a retry and refunding 1 a success), and it honours Retry-After: the wait is Retry-After
 *   plus the full-jitter backoff. No client-side rate limit.
 * - `token-bucket`: a client-side token bucket at the per-instance rate the construct computes
 *   (GCX_DOWNSTREAM_RATE_PER_SECOND, burst GCX_DOWNSTREAM_BURST), waiting in the Lambda for a
 *   token however long it takes; on a 429 it retries with full-jitter backoff (3 attempts)
 *   and ignores Retry-After.
 *
 * Naive clients (the patterns users post; kept as the lower bound):
 * - `fixed`: no limit, on 429 sleep a fixed interval and retry;
 * - `exponential`: no limit, on 429 exponential backoff without jitter.
 *
 * After the last attempt each throws a RetryableError: the runtime puts the message back on
 * the queue (and the DLQ takes it after maxReceiveCount receives).
 */
import { RetryableError, type NormalizedMessage, type WorkerContext } from "cdktf-genesys-consumer/runtime";

export type BaselineStrategy =
  | { kind: "fixed"; sleepMs: number; maxAttempts: number }
  | { kind: "exponential"; baseMs: number; capMs: number; maxAttempts: number }
  | { kind: "sdk-standard"; baseMs: number; capMs: number; maxAttempts: number }
  | { kind: "token-bucket"; baseMs: number; capMs: number; maxAttempts: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SDK standard mode's retry quota, per execution environment (module scope). */
const RETRY_QUOTA = { capacity: 500, retryCost: 5, successRefund: 1 };
let retryTokens = RETRY_QUOTA.capacity;

/** A per-instance token bucket (module scope: one per execution environment), reserving a slot per caller. */
class Bucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  /** Milliseconds this caller has to wait for its token (the token is reserved). */
  reserve(): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }
}
let bucket: Bucket | undefined;

const fullJitter = (baseMs: number, capMs: number, attempt: number) => Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));

/** Seconds of a Retry-After header (delta-seconds or an HTTP date), or undefined. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** How long to wait before attempt `attempt + 1` after a 429, or undefined to give up. */
function waitAfter429(strategy: BaselineStrategy, attempt: number, response: Response): number | undefined {
  if (attempt >= strategy.maxAttempts) return undefined;
  switch (strategy.kind) {
    case "fixed":
      return strategy.sleepMs;
    case "exponential":
      return Math.min(strategy.capMs, strategy.baseMs * 2 ** (attempt - 1));
    case "token-bucket":
      return fullJitter(strategy.baseMs, strategy.capMs, attempt);
    case "sdk-standard": {
      if (retryTokens < RETRY_QUOTA.retryCost) return undefined;
      retryTokens -= RETRY_QUOTA.retryCost;
      return (retryAfterMs(response.headers.get("retry-after")) ?? 0) + fullJitter(strategy.baseMs, strategy.capMs, attempt);
    }
  }
}

/** Sends the "Delivered" receipt of `message`, retrying 429s in-process with `strategy`. */
export async function sendReceiptWithInProcessRetry(
  message: NormalizedMessage,
  ctx: WorkerContext,
  strategy: BaselineStrategy,
): Promise<void> {
  const integrationId = message.channel.id;
  if (!integrationId) return;
  const token = await ctx.genesys.accessToken();
  const url = `${ctx.genesys.apiBaseUrl}/api/v2/conversations/messages/${encodeURIComponent(integrationId)}/inbound/open/receipt`;
  const body = JSON.stringify({
    id: message.id,
    channel: { to: message.channel.to, time: new Date().toISOString() },
    status: "Delivered",
    direction: "Outbound",
    isFinalReceipt: true,
  });
  if (strategy.kind === "token-bucket") {
    bucket ??= new Bucket(Number(process.env.GCX_DOWNSTREAM_RATE_PER_SECOND ?? 1), Number(process.env.GCX_DOWNSTREAM_BURST ?? 1));
  }
  for (let attempt = 1; ; attempt++) {
    if (bucket && strategy.kind === "token-bucket") await sleep(bucket.reserve());
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) {
      if (strategy.kind === "sdk-standard") retryTokens = Math.min(RETRY_QUOTA.capacity, retryTokens + RETRY_QUOTA.successRefund);
      return;
    }
    const wait = response.status === 429 ? waitAfter429(strategy, attempt, response) : undefined;
    if (wait === undefined) throw new RetryableError(`receipt: HTTP ${response.status} after ${attempt} attempts`);
    await sleep(wait);
  }
}
