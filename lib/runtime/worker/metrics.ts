/** Names of the worker's EMF metrics (Powertools metrics, one namespace per deployment). */
export const WORKER_METRICS = {
  /** Messages whose handling completed in this delivery (count). */
  processed: "processed",
  /** Deliveries put back on the queue with a delay (count). */
  retried: "retried",
  /** Retries caused by a 429 (or a synthetic throttle fault) (count). */
  throttled: "throttled",
  /** Retries deferred because a circuit breaker was open, no downstream call made (count). */
  circuitOpen: "circuitOpen",
  /** Messages the worker sent to the DLQ or the quarantine queue (count). */
  deadLettered: "deadLettered",
  /** Dead letters whose signature was missing or wrong (count; also in deadLettered). */
  invalidSignature: "invalidSignature",
  /** FIFO messages whose signature could not be checked yet, moved out of their message group to be checked after the next secret reload (count). */
  setAside: "setAside",
  /** Deliveries of a message already processed: acknowledged without running the handler (count). */
  duplicate: "duplicate",
  /** Time from SendMessage to the end of processing (milliseconds). */
  messageAge: "messageAge",
  /** Records reported as batch failures without a visibility change (delete or send failures, timeout margin) (count). */
  batchItemFailures: "batchItemFailures",
  /** Downstream requests of synthetic messages answered by the simulation, no network call (count). */
  syntheticCallsSimulated: "syntheticCallsSimulated",
  /** Downstream requests of synthetic messages made for real (synthetic downstream `call`/`call-genesys`; `fetch` and Genesys requests) (count). */
  syntheticCallsMade: "syntheticCallsMade",
} as const;
export type WorkerMetricName = (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS];
