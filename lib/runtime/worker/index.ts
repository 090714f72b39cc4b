/**
 * The worker runtime: `createWorker` and the types a handler sees. The package's public subset
 * is chosen in `lib/runtime/index.ts`.
 */
export { createWorker, SyntheticPoisonError } from "./worker";
export type { SqsBatchHandler } from "./worker";
export type { WorkerContext, WorkerHandlers, CreateWorkerOptions } from "./types";
export { WORKER_METRICS } from "./metrics";
export type { WorkerMetricName } from "./metrics";
