/**
 * The Genesys Cloud side: hand-written typed bindings for the genesyscloud provider and the
 * constructs that point Genesys at a pipeline (Open Messaging webhook, Event Streams).
 */
export * from "./regions";
export { GenesysConfigError } from "./errors";
export * from "./provider";
export * from "./conversations-messaging-integrations-open";
export * from "./conversations-messaging-settings";
export * from "./conversations-messaging-supportedcontent";
export * from "./integration";
export * from "./data-organizations-me";
export * from "./open-messaging-webhook";
export * from "./event-streams";
export { GENESYSCLOUD_PROVIDER } from "./binding-util";
