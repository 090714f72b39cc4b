/**
 * The synthetic spike harness: open-model profiles, a backoff-aware signed sender,
 * HDR measurement from the planned send time, reconciliation against receipts, a
 * verdict, and reports (terminal, JSON, HTML, EMF).
 *
 * What this folder offers the rest of the library (the CLI, the emulator, the tests); the
 * package's public subset is chosen in `lib/runtime/index.ts`.
 */
export { LoadgenError } from "./errors";
export {
  ProfileError,
  countArrivals,
  defaultSpikeProfile,
  expandPhases,
  parseProfile,
  peakRatePerSecond,
  planArrivals,
  profileDurationSeconds,
  smokeSpikeProfile,
  profileSchema,
  phaseSchema,
  spikeShapeSchema,
  GENESYS_WEBHOOK_TIMEOUT_MS,
} from "./profile";
export type { Phase, SpikeProfile, SpikeProfileInput, SpikeShape } from "./profile";
export { SyntheticMessageFactory, buildSyntheticRequest, faultForSeq, messageIdFor, messageKindFor } from "./message";
export { MAX_SYNTHETIC_BODY_BYTES, MESSAGE_KINDS, MessageMix, drawSize, normalCdf, normalQuantile } from "./mix";
export type { MessageKind } from "./mix";
export { poissonInstants, seededRandom } from "./arrivals";
export { scenarioPlanOf, scenarioReports } from "./scenarios";
export type { Scenario, ScenarioReport } from "./scenarios";
export {
  decodeHistogram,
  encodeHistogram,
  mergeEncodedHistograms,
  newHistogram,
  recordMs,
  summarize,
  CURVE_PERCENTILES,
} from "./histogram";
export type { LatencySummary, Histogram } from "./histogram";
export { runIngress, ABORT_CHECK_INTERVAL_MS } from "./engine";
export type { IngressOptions, IngressPart, IngressProgress, IngressCounts, IngressTimeline } from "./engine";
export { inspectRedrivePolicy, reconcile, runIdUsed, reconcileUntil } from "./reconcile";
export type {
  DeliveryResult,
  ReconcileOptions,
  RedriveInspection,
  InFlightMessage,
  ReceiptsSource,
  FaultViolation,
  AwsClientOptions,
  PausedReconciliation,
} from "./reconcile";
export { SLO_FIELD_EXPRESSIONS, judge, VERDICTS } from "./verdict";
export type { Verdict, VerdictCheck, VerdictInput, VerdictResult, LatencyJudgement } from "./verdict";
export { abortWatcher, ThresholdError } from "./thresholds";
export { phaseSpans, resumeSpike, runSpike } from "./run";
export type {
  ResumeOptions,
  SpikeContinuation,
  SpikeOptions,
  SpikeProgress,
  SpikeReport,
  AgentAssignment,
  MachineLoad,
  PhaseSpan,
} from "./run";
export {
  PRIMARY_TARGET,
  TARGETS_START_DELAY_MS,
  TargetError,
  combineTargetReports,
  isMultiTargetReport,
  runSpikeAcrossTargets,
  splitProfileByTarget,
  targetRunId,
  targetTotals,
} from "./targets";
export type {
  MultiTargetSpikeOptions,
  MultiTargetSpikeReport,
  MultiTargetTotals,
  MultiTargetVerdict,
  SpikeTarget,
  TargetShare,
  TargetSpikeReport,
} from "./targets";
export { renderMultiTargetHtmlIndex, renderMultiTargetSummary, targetHtmlPath, writeMultiTargetReports } from "./targets-report";
export { deriveReconcileDeadline, pipelineRetryProblems } from "./deadline";
export { renderSummary } from "./summary";
export { renderHtmlReport } from "./html";
export type { HtmlReportOptions } from "./html";
export { HEARTBEAT_METRIC, VERDICT_METRIC, emfRecord, writeReports, DEFAULT_METRICS_NAMESPACE } from "./reports";
export {
  CompareInputError,
  DEFAULT_TOLERANCES,
  compareReports,
  comparisonExitCode,
  loadReportFile,
  parseReport,
  parseTolerances,
  renderBaselineSection,
  renderComparison,
} from "./compare";
export type {
  ComparableReport,
  CompareOptions,
  CompareTolerances,
  Comparison,
  MetricComparison,
  ToleranceOverrides,
  RunIdentity,
  MetricKind,
  Outcome,
  WorseDirection,
  ComparablePercentiles,
} from "./compare";
export { BACKPRESSURE_SERIES } from "./backpressure";
export type { CloudWatchLike, BackpressureBlock, BackpressureSeriesName, BackpressurePoint } from "./backpressure";
export { CONTINUATION_MARGIN_MS, lambdaBudgetProblems, createLoadgenHandler, START_BARRIER_MS, MIN_RECONCILE_SLICE_MS } from "./lambda";
export type {
  AgentEvent,
  ContinuedResult,
  ControllerEvent,
  ControllerResult,
  LoadgenEvent,
  LoadgenHandlerContext,
  LoadgenHandlerDeps,
  ReconcileEvent,
} from "./lambda";
export type { AgentAbort, LiveIngress, SpikeAbort, MetricValues, ThresholdSpec } from "./thresholds";
export type {
  ObjectStore,
  StoredRun,
  StoredObject,
  VersionedObject,
  HistoryIndex,
  HistoryEntry,
  ReportLocation,
  S3StoreOptions,
} from "./report-store";
export type { DeadlineDerivation, PipelineRetrySettings } from "./deadline";
export type { EdgeKeySource } from "./edge-key-source";
export {
  storeRun,
  memoryObjectStore,
  s3ObjectStore,
  DEFAULT_HISTORY_LENGTH,
  DEFAULT_REPORTS_PREFIX,
  HISTORY_WRITE_ATTEMPTS,
  historyEntrySchema,
  historySchema,
} from "./report-store";
