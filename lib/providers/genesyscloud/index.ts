/**
 * Typed bindings for the `genesyscloud` Terraform provider (registry source
 * `mypurecloud/genesyscloud`), hand-written in the shape of the bindings `cdktf get`
 * generates (which needs the Terraform registry; no prebuilt bindings exist). Only the
 * resources, data sources and arguments this project uses are bound. They sit apart from
 * the constructs that use them (lib/constructs/genesys), as generated providers do.
 */
export * from "./regions";
export * from "./provider";
export * from "./conversations-messaging-integrations-open";
export * from "./conversations-messaging-settings";
export * from "./conversations-messaging-supportedcontent";
export * from "./integration";
export * from "./data-organizations-me";
export { GENESYSCLOUD_PROVIDER } from "./binding-util";
