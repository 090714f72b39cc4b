/**
 * `cdktf-genesys-consumer`: typed CDK for Terraform constructs for a spike-proof
 * consumer of Genesys Cloud messaging webhooks on AWS.
 *
 * The public surface is the list below, name by name (docs/decisions/0004-public-api-and-report.md):
 * the constructs, their props and option types, the errors a user may catch, the defaults and
 * limits a user reads, and the few functions the README documents. Everything else in `lib/`
 * is internal, even when its module exports it for the library's own use.
 *
 * @packageDocumentation
 * @module cdktf-genesys-consumer
 */

// Errors a user may catch.
export { ValidationError } from "./constructs/errors";
export type { ValidationProblem } from "./constructs/errors";

// Lambda bundles (esbuild), as the constructs build them.
export { bundleEntry, bundleFunction, BUNDLE_FILE } from "./constructs/bundle";
export type { BundleProps, BundleOutput, BundledFunction } from "./constructs/bundle";

// IAM policy documents, as the constructs write them.
export type { PolicyStatement } from "./constructs/policy";

// Log retention.
export { LOG_RETENTION_DAYS, DEFAULT_LOG_RETENTION_DAYS } from "./constructs/log-retention";

// Queues.
export { QueueWithDlq, QUEUE_DEFAULTS } from "./constructs/queue-with-dlq";
export type { QueueOptions, QueueWithDlqProps, QueueRole, QueueRef, NamedQueueRef, PipelineQueues } from "./constructs/queue-with-dlq";
export { ExistingQueues } from "./constructs/existing-queues";
export type { ExistingQueuesOptions, ExistingQueuesProps } from "./constructs/existing-queues";

// Ingress.
export { WebhookIngress, INGRESS_DEFAULTS, INGRESS_STATUS, BODY_TOO_LARGE_METRIC } from "./constructs/webhook-ingress";
export type { WebhookIngressOptions, ExistingRestApi, WebhookIngressProps } from "./constructs/webhook-ingress";
export { webhookRequestTemplate } from "./constructs/ingress-template";
export { EdgeApiKey, EDGE_API_KEY_DEFAULTS } from "./constructs/edge-api-key";
export type { EdgeApiKeyOptions, EdgeApiKeyProps, EdgeApiKeyGeneration } from "./constructs/edge-api-key";
export { ApiGatewayAccount } from "./constructs/api-gateway-account";
export type { ApiGatewayAccountProps } from "./constructs/api-gateway-account";

// Worker.
export { Worker, WORKER_DEFAULTS } from "./constructs/worker";
export type {
  WorkerOptions,
  WorkerGenesysOptions,
  WorkerSyntheticOptions,
  ExistingRole,
  GenesysApiOptions,
  WorkerQueues,
  WorkerProps,
  ProvisionedPollers,
} from "./constructs/worker";

// Tables, secrets, alarms.
export { PipelineTables } from "./constructs/pipeline-tables";
export type { TableRef, PipelineTablesProps } from "./constructs/pipeline-tables";
export { PipelineSecrets, GenesysCredentialsSecret, MIN_SECRET_LENGTH, SECRET_DEFAULTS } from "./constructs/pipeline-secrets";
export type {
  PipelineSecretsProps,
  SigningSecret,
  GenesysCredentialsSecretProps,
  GenesysCredentialsSecretRef,
} from "./constructs/pipeline-secrets";
export { PipelineAlarms, ALARM_DEFAULTS } from "./constructs/pipeline-alarms";
export type { AlarmOptions, PipelineAlarmsProps, AlarmKey } from "./constructs/pipeline-alarms";

// The whole pipeline.
export { ConsumerPipeline, PIPELINE_TAG } from "./constructs/consumer-pipeline";
export type {
  WebhookIngressKind,
  EventStreamsIngressKind,
  PipelineIngressOptions,
  PipelineIngressKind,
  PipelineTablesOptions,
  PipelineQueueOptions,
  PipelineGenesysWebhookOptions,
  PipelineSpikeGeneratorOptions,
  ConsumerPipelineProps,
} from "./constructs/consumer-pipeline";

// The Genesys Cloud side.
export {
  GenesysConfigError,
  GENESYSCLOUD_PROVIDER,
  GENESYS_REGIONS,
  GENESYS_REGION_DOMAINS,
  isGenesysRegion,
  genesysApiBaseUrl,
  genesysLoginBaseUrl,
  GenesysProvider,
  GenesyscloudConversationsMessagingIntegrationsOpen,
  GenesyscloudConversationsMessagingSettings,
  GenesyscloudConversationsMessagingSupportedcontent,
  INTEGRATION_INTENDED_STATES,
  GenesyscloudIntegration,
  DataGenesyscloudOrganizationsMe,
  OpenMessagingWebhook,
  openMessagingWebhookProblems,
  MIN_WEBHOOK_SECRET_LENGTH,
  DEFAULT_SUPPORTED_MEDIA_TYPES,
  RESERVED_WEBHOOK_HEADERS,
  GenesysEventStreams,
  eventStreamsQueues,
  eventStreamsProblems,
} from "./constructs/genesys";
export type {
  GenesysRegion,
  GenesysProviderConfig,
  GenesyscloudConversationsMessagingIntegrationsOpenConfig,
  MessagingSettingState,
  MessagingSettingsInboundToggle,
  MessagingSettingsStory,
  MessagingSettingsContent,
  MessagingSettingsTypingOn,
  MessagingSettingsTyping,
  MessagingSettingsEvent,
  GenesyscloudConversationsMessagingSettingsConfig,
  SupportedContentMediaType,
  SupportedContentAllow,
  SupportedContentMediaTypes,
  GenesyscloudConversationsMessagingSupportedcontentConfig,
  IntegrationIntendedState,
  GenesyscloudIntegrationConfigBlock,
  GenesyscloudIntegrationConfig,
  DataGenesyscloudOrganizationsMeConfig,
  OpenMessagingSettingsOptions,
  OpenMessagingSupportedContentOptions,
  OpenMessagingWebhookProps,
  EventStreamsQueue,
  EventStreamsDeadLetterQueue,
  GenesysEventStreamsProps,
  QueueWithDeadLetterLike,
  OpenMessagingWebhookValidatedProps,
  EventStreamsValidatedProps,
  TopicMatcher,
} from "./constructs/genesys";

// The synthetic spike generator on AWS.
export { SpikeGenerator, SPIKE_GENERATOR_DEFAULTS, spikeGeneratorProblems } from "./constructs/spike-generator";
export type { SpikeGeneratorProps, SpikeBackpressureProps } from "./constructs/spike-generator";
export { ReportBucket } from "./constructs/report-bucket";
export type { SpikeReportsProps, ReportBucketProps } from "./constructs/report-bucket";
export type { MissingRunAlarmShape } from "./constructs/schedule-expression";

// Runtime types the construct props use (the runtime entry point exports them too), from their
// modules rather than the runtime barrels, so loading the constructs loads no more of the runtime.
export { INGRESS_KINDS } from "./runtime/contract";
export type { IngressKind } from "./runtime/contract";
export { profileSchema } from "./runtime/loadgen/profile";
export type { SpikeProfile, SpikeProfileInput } from "./runtime/loadgen/profile";
export type { ThresholdSpec } from "./runtime/loadgen/thresholds";
export type { PipelineRetrySettings } from "./runtime/loadgen/deadline";
