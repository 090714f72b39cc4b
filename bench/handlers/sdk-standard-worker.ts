/** Careful baseline: the AWS SDK's standard retry mode (3 attempts, full jitter, retry quota), honouring Retry-After. No client-side limit. */
import { createWorker } from "cdktf-genesys-consumer/runtime";
import { sendReceiptWithInProcessRetry, type BaselineStrategy } from "./baseline-client";

const strategy: BaselineStrategy = { kind: "sdk-standard", baseMs: 100, capMs: 20_000, maxAttempts: 3 };

export const handler = createWorker({
  handle: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
  handleSynthetic: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
});
