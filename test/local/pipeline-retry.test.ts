/**
 * The local run derives the reconciliation deadline from the synthesized worker and queue, as
 * the SpikeGenerator does on AWS, and never supplies a setting the stack lacks.
 */
import { synthesizedPipelineRetry } from "../../lib/local/run";

test("reads GCX_MAX_RECEIVE_COUNT, GCX_BACKOFF_*, the function timeout, the batching window and the queue's visibility timeout", () => {
  const env = { GCX_MAX_RECEIVE_COUNT: "5", GCX_BACKOFF_BASE_SECONDS: "1", GCX_BACKOFF_MAX_SECONDS: "8" };
  expect(synthesizedPipelineRetry(env, 30, 2, { attributes: { VisibilityTimeout: "182" } })).toEqual({
    maxReceiveCount: 5,
    backoffBaseSeconds: 1,
    backoffMaxSeconds: 8,
    functionTimeoutSeconds: 30,
    batchingWindowSeconds: 2,
    visibilityTimeoutSeconds: 182,
  });
});

test("without GCX_BACKOFF_* the worker's defaults apply (left undefined); without a visibility timeout SQS's 30 s; without a maxReceiveCount nothing is derived", () => {
  expect(synthesizedPipelineRetry({ GCX_MAX_RECEIVE_COUNT: "10" }, 3, 0, { attributes: {} })).toEqual({
    maxReceiveCount: 10,
    backoffBaseSeconds: undefined,
    backoffMaxSeconds: undefined,
    functionTimeoutSeconds: 3,
    batchingWindowSeconds: 0,
    visibilityTimeoutSeconds: 30,
  });
  expect(synthesizedPipelineRetry({}, 30, 0, { attributes: {} })).toBeUndefined();
});
