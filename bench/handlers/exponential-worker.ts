/** Baseline worker: on a 429, exponential backoff without jitter inside the Lambda (100 ms doubling, capped at 5 s, up to 10 attempts). */
import { createWorker } from "cdktf-genesys-consumer/runtime";
import { sendReceiptWithInProcessRetry, type BaselineStrategy } from "./baseline-client";

const strategy: BaselineStrategy = { kind: "exponential", baseMs: 100, capMs: 5000, maxAttempts: 10 };

export const handler = createWorker({
  handle: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
  handleSynthetic: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
});
