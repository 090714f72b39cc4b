/** Baseline worker: on a 429, sleep a fixed second inside the Lambda and try again (up to 20 attempts). */
import { createWorker } from "cdktf-genesys-consumer/runtime";
import { sendReceiptWithInProcessRetry, type BaselineStrategy } from "./baseline-client";

const strategy: BaselineStrategy = { kind: "fixed", sleepMs: 1000, maxAttempts: 20 };

export const handler = createWorker({
  handle: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
  handleSynthetic: (message, ctx) => sendReceiptWithInProcessRetry(message, ctx, strategy),
});
