/** Careful baseline: a per-instance token bucket at the construct's per-instance rate, waiting in the Lambda; 429s retried with full jitter, Retry-After ignored. */
import { createWorker } from "cdktf-genesys-consumer/runtime";
import { sendReceiptWithInProcessRetry, type BaselineStrategy } from "./baseline-client";

const strategy: BaselineStrategy = { kind: "token-bucket", baseMs: 100, capMs: 20_000, maxAttempts: 3 };

export const handler = createWorker({
  handle: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
  handleSynthetic: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
});
