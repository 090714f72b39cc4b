/**
 * The hand-written genesyscloud bindings synthesize the exact attribute names of the
 * provider's schema (reference/genesys.md, provider tag v1.84.1). Each binding is synthesized
 * with every attribute set and its key structure compared to the schema encoded below, so a
 * typo in an attribute name cannot ship.
 */
import { Testing, TerraformOutput } from "cdktf";
import {
  DataGenesyscloudOrganizationsMe,
  GENESYS_REGIONS,
  GENESYS_REGION_DOMAINS,
  GenesysProvider,
  GenesyscloudConversationsMessagingIntegrationsOpen,
  GenesyscloudConversationsMessagingSettings,
  GenesyscloudConversationsMessagingSupportedcontent,
  GenesyscloudIntegration,
  INTEGRATION_INTENDED_STATES,
  genesysApiBaseUrl,
  genesysLoginBaseUrl,
  isGenesysRegion,
} from "../../../lib/providers/genesyscloud";
import { ValidationError } from "../../../lib/constructs/errors";
import { KeyTree, keyTree, newStack, only, problemsOf, synthJson } from "./helpers";

// The schemas from reference/genesys.md. `true` is an attribute, an object a nested block.
const PROVIDER_SCHEMA: KeyTree = {
  access_token: true,
  alias: true, // Terraform's provider meta-argument
  aws_region: true,
  oauthclient_id: true,
  oauthclient_secret: true,
  token_pool_size: true,
};
const INTEGRATIONS_OPEN_SCHEMA: KeyTree = {
  messaging_setting_id: true,
  name: true,
  outbound_notification_webhook_signature_secret_token: true,
  outbound_notification_webhook_url: true,
  supported_content_id: true,
  webhook_headers: true,
};
const MESSAGING_SETTINGS_SCHEMA: KeyTree = {
  content: { story: { mention: { inbound: true }, reply: { inbound: true } } },
  event: { typing: { on: { inbound: true, outbound: true } } },
  name: true,
};
const SUPPORTED_CONTENT_SCHEMA: KeyTree = {
  media_types: { allow: { inbound: { type: true }, outbound: { type: true } } },
  name: true,
};
const INTEGRATION_SCHEMA: KeyTree = {
  config: { advanced: true, credentials: true, name: true, notes: true, properties: true },
  intended_state: true,
  integration_type: true,
};

const REFERENCE_REGIONS: Record<string, string> = {
  "us-east-1": "mypurecloud.com",
  "us-east-2": "use2.us-gov-pure.cloud",
  "us-west-2": "usw2.pure.cloud",
  "ca-central-1": "cac1.pure.cloud",
  "sa-east-1": "sae1.pure.cloud",
  "mx-central-1": "mxc1.pure.cloud",
  "eu-west-1": "mypurecloud.ie",
  "eu-west-2": "euw2.pure.cloud",
  "eu-central-1": "mypurecloud.de",
  "eu-central-2": "euc2.pure.cloud",
  "eusc-de-east-1": "edee1.eusc-pure.cloud",
  "me-central-1": "mec1.pure.cloud",
  "ap-south-1": "aps1.pure.cloud",
  "ap-southeast-1": "apse1.pure.cloud",
  "ap-southeast-2": "mypurecloud.com.au",
  "ap-northeast-1": "mypurecloud.jp",
  "ap-northeast-2": "apne2.pure.cloud",
  "ap-northeast-3": "apne3.pure.cloud",
};

function everyAttributeStack() {
  const { stack } = newStack("bindings");
  new GenesysProvider(stack, "genesys", {
    oauthclientId: "client-id",
    oauthclientSecret: "client-secret",
    awsRegion: "eu-central-1",
    accessToken: "token",
    tokenPoolSize: 20,
    alias: "org-a",
  });
  new GenesyscloudConversationsMessagingSettings(stack, "settings", {
    name: "settings",
    content: { story: { mention: { inbound: "Enabled" }, reply: { inbound: "Disabled" } } },
    event: { typing: { on: { inbound: "Enabled", outbound: "Disabled" } } },
  });
  new GenesyscloudConversationsMessagingSupportedcontent(stack, "content", {
    name: "content",
    mediaTypes: { allow: { inbound: [{ type: "image/*" }, { type: "application/pdf" }], outbound: [{ type: "image/png" }] } },
  });
  new GenesyscloudConversationsMessagingIntegrationsOpen(stack, "open", {
    name: "open",
    outboundNotificationWebhookUrl: "https://example.com/webhook",
    outboundNotificationWebhookSignatureSecretToken: "0123456789abcdef",
    supportedContentId: "content-id",
    messagingSettingId: "settings-id",
    webhookHeaders: '{"X-Tenant":"acme"}',
  });
  new GenesyscloudIntegration(stack, "integration", {
    integrationType: "amazon-eventbridge-source",
    intendedState: "ENABLED",
    config: { name: "n", notes: "notes", properties: "{}", advanced: "{}", credentials: { basicAuth: "cred-id" } },
  });
  const org = new DataGenesyscloudOrganizationsMe(stack, "org");
  new TerraformOutput(stack, "org-id", { value: org.id });
  return stack;
}

describe("genesyscloud bindings", () => {
  test("every attribute of every binding synthesizes under the schema's exact name", () => {
    const json = synthJson(everyAttributeStack());

    expect(keyTree(json.provider.genesyscloud[0])).toEqual(PROVIDER_SCHEMA);
    expect(keyTree(only(json, "resource", "genesyscloud_conversations_messaging_integrations_open"))).toEqual(INTEGRATIONS_OPEN_SCHEMA);
    expect(keyTree(only(json, "resource", "genesyscloud_conversations_messaging_settings"))).toEqual(MESSAGING_SETTINGS_SCHEMA);
    expect(keyTree(only(json, "resource", "genesyscloud_conversations_messaging_supportedcontent"))).toEqual(SUPPORTED_CONTENT_SCHEMA);
    expect(keyTree(only(json, "resource", "genesyscloud_integration"))).toEqual(INTEGRATION_SCHEMA);
    // The data source takes no arguments.
    expect(only(json, "data", "genesyscloud_organizations_me")).toEqual({});
  });

  test("values land where the schema puts them; Max:1 blocks are single-element lists", () => {
    const json = synthJson(everyAttributeStack());
    expect(json.provider.genesyscloud).toEqual([
      {
        access_token: "token",
        alias: "org-a",
        aws_region: "eu-central-1",
        oauthclient_id: "client-id",
        oauthclient_secret: "client-secret",
        token_pool_size: 20,
      },
    ]);
    expect(only(json, "resource", "genesyscloud_conversations_messaging_settings")).toEqual({
      name: "settings",
      content: [{ story: [{ mention: [{ inbound: "Enabled" }], reply: [{ inbound: "Disabled" }] }] }],
      event: [{ typing: [{ on: [{ inbound: "Enabled", outbound: "Disabled" }] }] }],
    });
    expect(only(json, "resource", "genesyscloud_conversations_messaging_supportedcontent")).toEqual({
      name: "content",
      media_types: [{ allow: [{ inbound: [{ type: "image/*" }, { type: "application/pdf" }], outbound: [{ type: "image/png" }] }] }],
    });
    expect(only(json, "resource", "genesyscloud_integration")).toEqual({
      integration_type: "amazon-eventbridge-source",
      intended_state: "ENABLED",
      config: [{ name: "n", notes: "notes", properties: "{}", advanced: "{}", credentials: { basicAuth: "cred-id" } }],
    });
  });

  test("the provider is in required_providers with its registry source and a version constraint", () => {
    const json = synthJson(everyAttributeStack());
    expect(json.terraform.required_providers.genesyscloud).toEqual({ source: "mypurecloud/genesyscloud", version: "~> 1.84" });
  });

  test("output attributes are tokens referencing the resource", () => {
    const { stack } = newStack("outputs");
    const open = new GenesyscloudConversationsMessagingIntegrationsOpen(stack, "open", {
      name: "open",
      outboundNotificationWebhookUrl: "https://example.com/webhook",
      outboundNotificationWebhookSignatureSecretToken: "0123456789abcdef",
    });
    const org = new DataGenesyscloudOrganizationsMe(stack, "org");
    new TerraformOutput(stack, "integration-id", { value: open.id });
    new TerraformOutput(stack, "org-id", { value: org.id });
    const json = synthJson(stack);
    expect(json.output["integration-id"].value).toMatch(
      /^\$\{genesyscloud_conversations_messaging_integrations_open\.open(_[A-F0-9]+)?\.id\}$/,
    );
    expect(json.output["org-id"].value).toMatch(/^\$\{data\.genesyscloud_organizations_me\.org(_[A-F0-9]+)?\.id\}$/);
    // Optional attributes that were not set are not written.
    expect(Object.keys(only(json, "resource", "genesyscloud_conversations_messaging_integrations_open")).sort()).toEqual([
      "name",
      "outbound_notification_webhook_signature_secret_token",
      "outbound_notification_webhook_url",
    ]);
  });

  test("HCL synthesis renders nested blocks as blocks", () => {
    const hcl = Testing.synthHcl(everyAttributeStack()) as string;
    expect(hcl).toContain('provider "genesyscloud" {');
    expect(hcl).toMatch(/event \{\s*typing \{\s*on \{\s*inbound = "Enabled"\s*outbound = "Disabled"\s*\}\s*\}\s*\}/);
    expect(hcl).toMatch(
      /allow \{\s*inbound \{\s*type = "image\/\*"\s*\}\s*inbound \{\s*type = "application\/pdf"\s*\}\s*outbound \{\s*type = "image\/png"\s*\}/,
    );
    expect(hcl).toMatch(
      /config \{\s*advanced = "\{\}"\s*credentials = \{\s*basicAuth = "cred-id"\s*\}\s*name = "n"\s*notes = "notes"\s*properties = "\{\}"\s*\}/,
    );
    expect(hcl).toContain('data "genesyscloud_organizations_me"');
  });

  test("the region list is the documented one, with its API and login hosts", () => {
    expect(GENESYS_REGION_DOMAINS).toEqual(REFERENCE_REGIONS);
    expect(GENESYS_REGIONS).toEqual(Object.keys(REFERENCE_REGIONS));
    expect(isGenesysRegion("eu-west-1")).toBe(true);
    expect(isGenesysRegion("eu-west-3")).toBe(false);
    expect(genesysApiBaseUrl("eu-central-2")).toBe("https://api.euc2.pure.cloud");
    expect(genesysLoginBaseUrl("ap-southeast-2")).toBe("https://login.mypurecloud.com.au");
  });

  test.each(Object.keys(REFERENCE_REGIONS))("region %s is accepted", (region) => {
    const { stack } = newStack();
    new GenesysProvider(stack, "genesys", { awsRegion: region });
    expect(synthJson(stack).provider.genesyscloud[0].aws_region).toBe(region);
  });

  test("a bad region and an out-of-range token pool fail together, with exact messages", () => {
    const { stack } = newStack("bad");
    expect(problemsOf(() => new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-3", tokenPoolSize: 51 }))).toEqual([
      `awsRegion: "eu-west-3" is not a Genesys Cloud region. Use one of: ${Object.keys(REFERENCE_REGIONS).join(", ")}.`,
      "tokenPoolSize: 51 is out of range. Use an integer from 1 to 50 (the provider's default is 10).",
    ]);
    expect(problemsOf(() => new GenesysProvider(stack, "g2", { tokenPoolSize: 0 }))).toEqual([
      "tokenPoolSize: 0 is out of range. Use an integer from 1 to 50 (the provider's default is 10).",
    ]);
    expect(problemsOf(() => new GenesysProvider(stack, "g3", { tokenPoolSize: 2.5 }))).toEqual([
      "tokenPoolSize: 2.5 is out of range. Use an integer from 1 to 50 (the provider's default is 10).",
    ]);
  });

  test("genesyscloud_integration offers exactly the intended_state values of the pinned provider (v1.84.1: ENABLED, DISABLED)", () => {
    // genesyscloud/integration/resource_genesyscloud_integration_schema.go at v1.84.1:
    // validation.StringInSlice([]string{"ENABLED", "DISABLED"}, false)
    expect(INTEGRATION_INTENDED_STATES).toEqual(["ENABLED", "DISABLED"]);
    const { stack } = newStack("states");
    for (const state of INTEGRATION_INTENDED_STATES)
      new GenesyscloudIntegration(stack, `i-${state}`, { integrationType: "t", intendedState: state });
    expect(
      Object.values(synthJson(stack).resource.genesyscloud_integration)
        .map((r) => (r as { intended_state: string }).intended_state)
        .sort(),
    ).toEqual(["DISABLED", "ENABLED"]);
    expect(
      problemsOf(() => new GenesyscloudIntegration(stack, "deleted", { integrationType: "t", intendedState: "DELETED" as never })),
    ).toEqual([
      'intendedState: "DELETED" is not a state the genesyscloud provider accepts. Use "ENABLED" or "DISABLED" (to delete the integration, remove the resource).',
    ]);
  });

  test("the error message names the construct type, its path and every problem (the library's one ValidationError)", () => {
    const { stack } = newStack("paths");
    expect(() => new GenesysProvider(stack, "genesys", { awsRegion: "mars-1" })).toThrow(ValidationError);
    expect(() => new GenesysProvider(stack, "genesys2", { awsRegion: "mars-1" })).toThrow(
      `GenesysProvider "paths/genesys2" has 1 invalid prop:\n  - awsRegion: "mars-1" is not a Genesys Cloud region. Use one of: ${Object.keys(REFERENCE_REGIONS).join(", ")}.`,
    );
  });
});
