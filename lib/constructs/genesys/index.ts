/**
 * The Genesys Cloud side: the constructs that point Genesys at a pipeline (Open Messaging
 * webhook, Event Streams), and the hand-written typed bindings for the genesyscloud provider
 * they use (lib/providers/genesyscloud), re-exported here.
 *
 * What this folder offers the rest of the library; the package's public subset is chosen in
 * `lib/index.ts`.
 */
export {
  GENESYSCLOUD_PROVIDER,
  isGenesysRegion,
  genesysApiBaseUrl,
  genesysLoginBaseUrl,
  GENESYS_REGION_DOMAINS,
  GENESYS_REGIONS,
  GenesysProvider,
  GenesyscloudConversationsMessagingIntegrationsOpen,
  GenesyscloudConversationsMessagingSettings,
  GenesyscloudConversationsMessagingSupportedcontent,
  INTEGRATION_INTENDED_STATES,
  GenesyscloudIntegration,
  DataGenesyscloudOrganizationsMe,
} from "../../providers/genesyscloud";
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
} from "../../providers/genesyscloud";
export { GenesysConfigError } from "./errors";
export {
  OpenMessagingWebhook,
  openMessagingWebhookProblems,
  MIN_WEBHOOK_SECRET_LENGTH,
  DEFAULT_SUPPORTED_MEDIA_TYPES,
  RESERVED_WEBHOOK_HEADERS,
} from "./open-messaging-webhook";
export type {
  OpenMessagingSettingsOptions,
  OpenMessagingSupportedContentOptions,
  OpenMessagingWebhookProps,
  OpenMessagingWebhookValidatedProps,
} from "./open-messaging-webhook";
export { GenesysEventStreams, eventStreamsQueues, eventStreamsProblems, topicMatcher, topicsEventPattern } from "./event-streams";
export type {
  EventStreamsQueue,
  EventStreamsDeadLetterQueue,
  GenesysEventStreamsProps,
  QueueWithDeadLetterLike,
  TopicMatcher,
  EventStreamsValidatedProps,
} from "./event-streams";
