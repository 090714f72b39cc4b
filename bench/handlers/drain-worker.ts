/**
 * The drain benchmark's worker: real messages are acknowledged without a downstream call;
 * synthetic ones spend their `workMs` (the runtime does that) and nothing else, so the
 * drain time measures the pipeline, not a downstream's rate limit.
 */
import { createWorker } from "cdktf-genesys-consumer/runtime";

export const handler = createWorker({
  async handle() {},
});
