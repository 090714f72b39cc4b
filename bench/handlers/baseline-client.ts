/**
 * The two downstream baselines of the goodput benchmark, as users commonly write them:
 * call the API directly (no client-side rate limit) and, on a 429, wait inside the Lambda
 * and try again, either a fixed interval ("sleep 1 s and retry") or exponential backoff
 * without jitter (100 ms, 200 ms, 400 ms ... capped). Everything else (token, message,
 * worker runtime around it) is the same as the demo worker's, so only the 429 strategy
 * differs.
 */
import { RetryableError, type NormalizedMessage, type WorkerContext } from "cdktf-genesys-consumer/runtime";

export type BaselineStrategy =
  { kind: "fixed"; sleepMs: number; maxAttempts: number } | { kind: "exponential"; baseMs: number; capMs: number; maxAttempts: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    if (response.status !== 429 || attempt >= strategy.maxAttempts)
      throw new RetryableError(`receipt: HTTP ${response.status} after ${attempt} attempts`);
    await sleep(strategy.kind === "fixed" ? strategy.sleepMs : Math.min(strategy.capMs, strategy.baseMs * 2 ** (attempt - 1)));
  }
}
