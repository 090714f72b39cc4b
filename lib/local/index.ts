/**
 * The local emulator of a synthesized stack: `runLocalStack` runs `cdktf.out/stacks/<stack>/cdk.tf.json`
 * on this machine (SQS, DynamoDB, Secrets Manager, the REST API, pollers and the bundled functions).
 *
 * Not a package entry point (the CLI imports its modules directly). Every name is listed, so
 * a new export of a module is not re-exported by accident.
 */
export { LocalEmulatorError } from "./errors";
export {
  loadStack,
  parseStack,
  supportOf,
  planStack,
  ofType,
  StackLoadError,
  RESOURCE_SUPPORT,
  NOT_EMULATED_PREFIXES,
  DATA_SOURCE_SUPPORT,
  UnsupportedResourceError,
} from "./stack";
export type { TfBlock, TfItem, SynthesizedStack, Support, StackPlan } from "./stack";
export { hasInterpolation, evaluateTemplate, ExpressionError } from "./expressions";
export type { ReferenceLookup } from "./expressions";
export { LOCAL_ACCOUNT_ID, ResolveError, StackResolver } from "./resolver";
export type { LocalAccount } from "./resolver";
export {
  closeServer,
  listenLoopback,
  startSqsServer,
  startDynamoServer,
  queueAttributes,
  createQueues,
  tableInput,
  createTables,
  LOCAL_CREDENTIALS,
} from "./services";
export type { LocalEndpoint, LocalQueue, LocalTable } from "./services";
export {
  jsonPath,
  javaUrlEncode,
  escapeJavaScript,
  inputFor,
  javaRegex,
  renderTemplate,
  renderResponseTemplate,
  TemplateError,
  util,
} from "./vtl";
export type { TemplateRequest, TemplateContext, ResponseOverride } from "./vtl";
export { TokenBucket } from "./token-bucket";
export {
  sqsXmlToJson,
  headersAsSent,
  startRestApi,
  ACCOUNT_THROTTLE,
  buildRestApi,
  UnsupportedIntegrationError,
  PAYLOAD_LIMIT_BYTES,
} from "./api-gateway";
export type { RestApiModel, ApiStats, RestApiServerOptions, RestApiServer } from "./api-gateway";
export { aggregate, ingestEmfLine, MetricStore } from "./metrics";
export type { DataPoint, Statistic } from "./metrics";
export { evaluateAlarms } from "./alarms";
export type { AlarmVerdict } from "./alarms";
export { readZip, extractZip, ZipError } from "./zip";
export type { ZipEntry } from "./zip";
export { functionSpecOf, functionExecArgv, unpackBundle, sdkModulePath, FunctionHost } from "./lambda-host";
export type { FunctionSpec, InvokeResult, FunctionStats, FunctionHostOptions } from "./lambda-host";
export { eventSourceMetricsSettings, failedItemIds, SqsPoller } from "./poller";
export type { MappingSpec, PollerStats, BatchTiming } from "./poller";
export {
  synthesizedDownstreamBudget,
  runLocalStack,
  synthesizedPipelineRetry,
  LOCAL_SYNTHETIC_TARGET,
  renderEmulatorSummary,
  ApiChoiceError,
} from "./run";
export type { LocalOverrides, LocalRunOptions, RunningStack, EmulatorReport, EmulatorOverride, LocalRunResult } from "./run";
