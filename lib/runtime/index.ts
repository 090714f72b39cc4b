/**
 * `cdktf-genesys-consumer/runtime`: the code that runs inside Lambda. Never imports cdktf.
 *
 * The public surface is the list below, name by name (docs/decisions/0004-public-api-and-report.md):
 * the worker factory and its types, the errors a handler throws or catches, the clients a
 * handler calls, the contract and the message formats a user reads, and the spike harness's
 * functions and types. Everything else in `lib/runtime` is internal.
 *
 * @packageDocumentation
 * @module cdktf-genesys-consumer/runtime
 */

// The worker: the factory, what a handler gets, what it throws.
export { createWorker, SyntheticPoisonError, WORKER_METRICS } from "./worker";
export type { SqsBatchHandler, WorkerContext, WorkerHandlers, CreateWorkerOptions, WorkerMetricName } from "./worker";
export {
  WorkerError,
  RetryableError,
  ThrottledError,
  InvocationDeadlineError,
  DownstreamUnavailableError,
  CircuitOpenError,
  PermanentError,
  DownstreamRejectedError,
} from "./errors";

// The clients a handler calls (`ctx.genesys`, `ctx.downstream(name)`), and their transports.
export {
  GenesysClient,
  GenesysNotConfiguredError,
  simulatedGenesysTransport,
  Downstream,
  SimulatedCallRefusedError,
  markSimulated,
  simulatedTransport,
  genesysBaseUrls,
  GENESYS_REGION_DOMAINS,
} from "./genesys";
export type {
  GenesysCredentials,
  GenesysClientOptions,
  InboundKind,
  CircuitBreakerOptions,
  DownstreamOptions,
  BreakerState,
  HttpTransport,
  GenesysRegion,
} from "./genesys";
export { withInvocationDeadline, invocationTimeLeftMs } from "./invocation";
export type { InvocationDeadline } from "./invocation";
export { fullJitter, parseRetryAfter, redeliveryDelaySeconds, DEFAULT_BACKOFF_MAX_SECONDS } from "./backoff";
export type { RedeliveryDelayInput } from "./backoff";

// The contract between the constructs and the functions (`GCX_*` settings).
export {
  missingWorkerSettings,
  parseWorkerContract,
  parseLoadgenContract,
  workerEnvironment,
  loadgenEnvironment,
  CONTRACT_PREFIX,
  INGRESS_KINDS,
  SYNTHETIC_DOWNSTREAM_MODES,
  DEFAULT_SYNTHETIC_DOWNSTREAM,
  WORKER_CONTRACT,
  WORKER_CAPABILITY_SETTINGS,
  LOADGEN_CONTRACT,
  ContractError,
} from "./contract";
export type {
  IngressKind,
  SyntheticDownstreamMode,
  WorkerCapability,
  WorkerContract,
  WorkerContractInput,
  LoadgenContract,
  ContractDefinition,
  ContractVariable,
  DefaultedContractVariable,
  ParsedContract,
  ContractInput,
  ContractEnvironment,
  IsAlwaysPresent,
} from "./contract";

// Messages: the parsed webhook message and Event Streams event, signatures, stored bodies.
export {
  normalizedMessageSchema,
  genesysEventBridgeEventSchema,
  orderingKey,
  ORDERING_KEY,
  defaultIdempotencyKey,
} from "./normalized-message";
export type { NormalizedMessage, GenesysEventBridgeEvent } from "./normalized-message";
export { sign, signer, verify, SIGNATURE_HEADER } from "./signature";
export { API_KEY_HEADER, MIN_API_KEY_LENGTH, MAX_API_KEY_LENGTH, EdgeKey, EdgeKeyError, DEFAULT_KEY_REREAD_INTERVAL_MS } from "./edge-key";
export type { EdgeKeyOptions } from "./edge-key";
export {
  decodeMessageBody,
  decodedTextOrUndefined,
  maxIngressBodyBytes,
  BodyEncodingError,
  BODY_ENCODING_ATTRIBUTE,
  BASE64_BODY_ENCODING,
  DEFAULT_MAX_INGRESS_BODY_BYTES,
  MAX_QUEUE_MESSAGE_BYTES,
} from "./ingress-body";
export type { DecodedBody, ForwardedHeader, MessageAttributesLike } from "./ingress-body";
export { DEFAULT_REPLAY_WINDOW_SECONDS, MIN_REPLAY_WINDOW_SECONDS } from "./replay-window";

// Dead letters: the context the worker attaches, which operators and scripts read.
export {
  parseDeadLetterContext,
  DEAD_LETTER_ATTRIBUTE,
  FIRST_SENT_ATTRIBUTE,
  DEAD_LETTER_REASONS,
  deadLetterContextSchema,
} from "./dead-letter";
export type { DeadLetterReason, DeadLetterContext } from "./dead-letter";

// Tables: the idempotency and receipts tables; a consumer of its own records receipts for the harness with these updates.
export {
  IDEMPOTENCY_TABLE,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  RECEIPTS_TABLE,
  RECEIPT_OUTCOMES,
  receiptUpdate,
  retryingMarkUpdate,
} from "./tables";
export type { ReceiptOutcome, Receipt, ReceiptWrite, RetryingMark } from "./tables";

// Synthetic messages: the marker a synthetic message carries.
export {
  readSyntheticMarker,
  SYNTHETIC_KEY,
  FAULT_KINDS,
  InvalidSyntheticMarkerError,
  syntheticMarkerSchema,
  faultSchema,
} from "./synthetic";
export type { FaultKind, Fault, SyntheticMarker } from "./synthetic";

// The synthetic spike harness.
export {
  parseProfile,
  ProfileError,
  defaultSpikeProfile,
  smokeSpikeProfile,
  planArrivals,
  runSpike,
  resumeSpike,
  runSpikeAcrossTargets,
  splitProfileByTarget,
  combineTargetReports,
  targetTotals,
  targetRunId,
  isMultiTargetReport,
  renderMultiTargetSummary,
  renderMultiTargetHtmlIndex,
  writeMultiTargetReports,
  targetHtmlPath,
  PRIMARY_TARGET,
  TARGETS_START_DELAY_MS,
  TargetError,
  renderSummary,
  renderHtmlReport,
  writeReports,
  emfRecord,
  runIngress,
  reconcile,
  inspectRedrivePolicy,
  judge,
  mergeEncodedHistograms,
  createLoadgenHandler,
  loadReportFile,
  parseReport,
  compareReports,
  parseTolerances,
  DEFAULT_TOLERANCES,
  renderComparison,
  renderBaselineSection,
  comparisonExitCode,
  CompareInputError,
  LoadgenError,
  ThresholdError,
  profileSchema,
  phaseSchema,
  spikeShapeSchema,
  VERDICTS,
  BACKPRESSURE_SERIES,
  deriveReconcileDeadline,
  reconcileUntil,
  HEARTBEAT_METRIC,
  VERDICT_METRIC,
  DEFAULT_METRICS_NAMESPACE,
  CURVE_PERCENTILES,
  GENESYS_WEBHOOK_TIMEOUT_MS,
  ABORT_CHECK_INTERVAL_MS,
  START_BARRIER_MS,
  MIN_RECONCILE_SLICE_MS,
  storeRun,
  memoryObjectStore,
  s3ObjectStore,
  DEFAULT_HISTORY_LENGTH,
  DEFAULT_REPORTS_PREFIX,
  HISTORY_WRITE_ATTEMPTS,
  historyEntrySchema,
  historySchema,
} from "./loadgen";
export type {
  SpikeProfile,
  SpikeProfileInput,
  Phase,
  SpikeShape,
  Scenario,
  SpikeOptions,
  MultiTargetSpikeOptions,
  MultiTargetSpikeReport,
  MultiTargetTotals,
  MultiTargetVerdict,
  SpikeTarget,
  TargetShare,
  TargetSpikeReport,
  ResumeOptions,
  SpikeContinuation,
  SpikeProgress,
  SpikeReport,
  IngressOptions,
  IngressPart,
  ReconcileOptions,
  DeliveryResult,
  RedriveInspection,
  Verdict,
  VerdictCheck,
  VerdictInput,
  VerdictResult,
  LoadgenHandlerContext,
  LoadgenHandlerDeps,
  LoadgenEvent,
  ControllerEvent,
  AgentEvent,
  ReconcileEvent,
  ContinuedResult,
  ControllerResult,
  ComparableReport,
  CompareOptions,
  CompareTolerances,
  ToleranceOverrides,
  Comparison,
  MetricComparison,
  RunIdentity,
  MetricKind,
  Outcome,
  WorseDirection,
  ComparablePercentiles,
  AgentAssignment,
  MachineLoad,
  PhaseSpan,
  InFlightMessage,
  ReceiptsSource,
  FaultViolation,
  AwsClientOptions,
  LiveIngress,
  SpikeAbort,
  HtmlReportOptions,
  AgentAbort,
  MetricValues,
  IngressProgress,
  IngressCounts,
  IngressTimeline,
  BackpressureBlock,
  CloudWatchLike,
  ObjectStore,
  StoredRun,
  Histogram,
  LatencySummary,
  DeadlineDerivation,
  PipelineRetrySettings,
  EdgeKeySource,
  ScenarioReport,
  LatencyJudgement,
  ThresholdSpec,
  BackpressureSeriesName,
  BackpressurePoint,
  StoredObject,
  VersionedObject,
  HistoryIndex,
  HistoryEntry,
  PausedReconciliation,
  ReportLocation,
  S3StoreOptions,
} from "./loadgen";
