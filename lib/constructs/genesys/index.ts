/**
 * The Genesys Cloud side: the constructs that point Genesys at a pipeline (Open Messaging
 * webhook, Event Streams), and the hand-written typed bindings for the genesyscloud provider
 * they use (lib/providers/genesyscloud), re-exported here.
 */
export * from "../../providers/genesyscloud";
export { GenesysConfigError } from "./errors";
export * from "./open-messaging-webhook";
export * from "./event-streams";
