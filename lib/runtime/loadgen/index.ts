/**
 * The synthetic spike harness: open-model profiles, a backoff-aware signed sender,
 * HDR measurement from the planned send time, reconciliation against receipts, a
 * verdict, and reports (terminal, JSON, HTML, EMF).
 */
export * from "./profile";
export * from "./message";
export * from "./mix";
export * from "./arrivals";
export * from "./scenarios";
export * from "./retry-budget";
export * from "./histogram";
export * from "./sender";
export * from "./edge-key-source";
export * from "./engine";
export * from "./reconcile";
export * from "./verdict";
export * from "./thresholds";
export * from "./run";
export * from "./deadline";
export * from "./summary";
export * from "./html";
export * from "./reports";
export * from "./report-store";
export * from "./history";
export * from "./compare";
export * from "./backpressure";
export {
  createLoadgenHandler,
  CONTINUATION_MARGIN_MS,
  agentsFor,
  lambdaBudgetProblems,
  LAMBDA_MAX_SECONDS,
  DEFAULT_AGENT_CAPACITY_PER_SECOND,
  START_BARRIER_MS,
} from "./lambda";
export type {
  LoadgenEvent,
  ControllerEvent,
  AgentEvent,
  ReconcileEvent,
  ContinuedResult,
  ControllerResult,
  LoadgenHandlerDeps,
} from "./lambda";
