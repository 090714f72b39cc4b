/**
 * OpenMessagingWebhook: the Open Messaging integration pointed at the ingress and signed
 * with the pipeline's secret; validation of the URL, the secret and the headers; the
 * messaging settings and supported content profiles; and the signature round trip the
 * worker depends on.
 */
import { TerraformOutput, TerraformVariable } from "cdktf";
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { DEFAULT_SUPPORTED_MEDIA_TYPES, OpenMessagingWebhook, OpenMessagingWebhookProps } from "../../../lib/constructs/genesys";
import { sign, verify } from "../../../lib/runtime/signature";
import { newStack, only, problemsOf, synthJson } from "./helpers";

const URL_OK = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/webhook";
const SECRET = "s3cr3t-0f-sixteen+chars";
const OPEN = "genesyscloud_conversations_messaging_integrations_open";
const SETTINGS = "genesyscloud_conversations_messaging_settings";
const CONTENT = "genesyscloud_conversations_messaging_supportedcontent";

// The outbound NormalizedMessage example of reference/genesys.md.
const NORMALIZED_MESSAGE = {
  id: "c327c2078ca056db130c55ce648d9fa2",
  channel: {
    id: "73cb7fb7-c2db-4996-88f3-0a83a4fea1da",
    platform: "Open",
    type: "Private",
    messageId: "c327c2078ca056db130c55ce648d9fa2",
    to: { id: "customer-42@acme-chat", idType: "Opaque" },
    from: { id: "73cb7fb7-c2db-4996-88f3-0a83a4fea1da", idType: "Opaque", nickname: "Acme Support" },
    time: "2025-03-14T09:26:53.589Z",
  },
  type: "Text",
  text: "Hi Ana, your order shipped today.",
  direction: "Outbound",
  originatingEntity: "Human",
  content: [],
};

function webhook(props: Partial<OpenMessagingWebhookProps> = {}, stackId = "test") {
  const { stack } = newStack(stackId);
  const construct = new OpenMessagingWebhook(stack, "genesys", { webhookUrl: URL_OK, secretToken: SECRET, ...props });
  return { stack, construct, json: synthJson(stack) };
}

describe("OpenMessagingWebhook", () => {
  test("creates the integration with the webhook URL, the raw secret and created profiles", () => {
    const { json } = webhook();
    const open = only(json, "resource", OPEN);
    expect(open.outbound_notification_webhook_url).toBe(URL_OK);
    expect(open.outbound_notification_webhook_signature_secret_token).toBe(SECRET);
    expect(open.name).toBe("test-genesys");
    expect(open.messaging_setting_id).toMatch(new RegExp(`^\\$\\{${SETTINGS}\\.[^.]+\\.id\\}$`));
    expect(open.supported_content_id).toMatch(new RegExp(`^\\$\\{${CONTENT}\\.[^.]+\\.id\\}$`));
    expect(open.webhook_headers).toBeUndefined();
  });

  test("safe defaults: typing events disabled both ways, images only both ways", () => {
    const { json } = webhook();
    expect(only(json, "resource", SETTINGS)).toEqual({
      name: "test-genesys-settings",
      event: [{ typing: [{ on: [{ inbound: "Disabled", outbound: "Disabled" }] }] }],
    });
    const types = DEFAULT_SUPPORTED_MEDIA_TYPES.map((type) => ({ type }));
    expect(DEFAULT_SUPPORTED_MEDIA_TYPES).toEqual(["image/jpeg", "image/png", "image/gif"]);
    expect(only(json, "resource", CONTENT)).toEqual({
      name: "test-genesys-content",
      media_types: [{ allow: [{ inbound: types, outbound: types }] }],
    });
  });

  test("profiles created from typed options", () => {
    const { json } = webhook({
      name: "acme-support",
      messagingSettings: {
        name: "acme-settings",
        typingEvents: { inbound: "Enabled" },
        storyMentions: "Enabled",
        storyReplies: "Disabled",
      },
      supportedContent: { name: "acme-content", inboundMediaTypes: ["image/*", "application/pdf"], outboundMediaTypes: [] },
    });
    expect(only(json, "resource", SETTINGS)).toEqual({
      name: "acme-settings",
      content: [{ story: [{ mention: [{ inbound: "Enabled" }], reply: [{ inbound: "Disabled" }] }] }],
      event: [{ typing: [{ on: [{ inbound: "Enabled", outbound: "Disabled" }] }] }],
    });
    expect(only(json, "resource", CONTENT)).toEqual({
      name: "acme-content",
      media_types: [{ allow: [{ inbound: [{ type: "image/*" }, { type: "application/pdf" }], outbound: [] }] }],
    });
    expect(only(json, "resource", OPEN).name).toBe("acme-support");
  });

  test("ids of existing profiles are used as given and nothing is created", () => {
    const { json, construct } = webhook({ messagingSettingId: "ms-1", supportedContentId: "sc-1" });
    expect(json.resource[SETTINGS]).toBeUndefined();
    expect(json.resource[CONTENT]).toBeUndefined();
    expect(construct.messagingSettings).toBeUndefined();
    expect(construct.supportedContent).toBeUndefined();
    const open = only(json, "resource", OPEN);
    expect(open.messaging_setting_id).toBe("ms-1");
    expect(open.supported_content_id).toBe("sc-1");
  });

  test("headers are rendered as a JSON string that round-trips", () => {
    const headers = { "X-Tenant": "acme", "X-Route": 'eu "west" / ünïcode', Authorization: "Bearer abc.def" };
    const { json, construct } = webhook({ webhookHeaders: headers });
    const rendered = only(json, "resource", OPEN).webhook_headers;
    expect(typeof rendered).toBe("string");
    expect(JSON.parse(rendered)).toEqual(headers);
    expect(construct.webhookHeadersJson).toBe(rendered);
  });

  test("an empty header map writes no webhook_headers", () => {
    expect(only(webhook({ webhookHeaders: {} }).json, "resource", OPEN).webhook_headers).toBeUndefined();
  });

  test("a header value that is a token is rendered with jsonencode, so the JSON stays valid", () => {
    const { stack } = newStack("tok");
    new RandomProvider(stack, "random");
    const key = new Password(stack, "key", { length: 32, special: false });
    new OpenMessagingWebhook(stack, "genesys", { webhookUrl: URL_OK, secretToken: SECRET, webhookHeaders: { "X-Api-Key": key.result } });
    const rendered = only(synthJson(stack), "resource", OPEN).webhook_headers as string;
    expect(rendered).toMatch(/^\$\{jsonencode\(\{"X-Api-Key" = random_password\.key(_[A-F0-9]+)?\.result\}\)\}$/);
  });

  test("tokens for the URL and the secret pass and reference their resources", () => {
    const { stack } = newStack("tokens");
    new RandomProvider(stack, "random");
    const secret = new Password(stack, "secret", { length: 64, special: false });
    const ingressUrl = new TerraformVariable(stack, "ingress-url", { type: "string" });
    const construct = new OpenMessagingWebhook(stack, "genesys", {
      webhookUrl: `${ingressUrl.stringValue}/webhook`,
      secretToken: secret.result,
    });
    new TerraformOutput(stack, "integration-id", { value: construct.integrationId });
    const json = synthJson(stack);
    const open = only(json, "resource", OPEN);
    expect(open.outbound_notification_webhook_url).toBe("${var.ingress-url}/webhook");
    expect(open.outbound_notification_webhook_signature_secret_token).toMatch(/^\$\{random_password\.secret(_[A-F0-9]+)?\.result\}$/);
    expect(json.output["integration-id"].value).toMatch(new RegExp(`^\\$\\{${OPEN}\\.[^.]+\\.id\\}$`));
  });

  test("an http URL fails with the exact message", () => {
    const { stack } = newStack();
    expect(
      problemsOf(() => new OpenMessagingWebhook(stack, "g", { webhookUrl: "http://example.com/webhook", secretToken: SECRET })),
    ).toEqual([
      'webhookUrl: "http://example.com/webhook" must use https (Genesys calls webhooks over HTTPS on port 443 only). Pass the ingress\'s https:// invoke URL.',
    ]);
  });

  test("a custom port fails with the exact message; an explicit :443 is accepted", () => {
    const { stack } = newStack();
    expect(
      problemsOf(() => new OpenMessagingWebhook(stack, "g", { webhookUrl: "https://example.com:8443/webhook", secretToken: SECRET })),
    ).toEqual([
      'webhookUrl: "https://example.com:8443/webhook" uses port 8443; Genesys calls port 443 only. Remove the port, or put a custom domain on port 443 in front of the ingress.',
    ]);
    expect(only(webhook({ webhookUrl: "https://example.com:443/webhook" }).json, "resource", OPEN).outbound_notification_webhook_url).toBe(
      "https://example.com:443/webhook",
    );
  });

  test("a relative URL and a URL with credentials fail", () => {
    const { stack } = newStack();
    expect(problemsOf(() => new OpenMessagingWebhook(stack, "g1", { webhookUrl: "/webhook", secretToken: SECRET }))).toEqual([
      'webhookUrl: "/webhook" is not an absolute URL. Pass the ingress\'s https:// invoke URL.',
    ]);
    expect(
      problemsOf(() => new OpenMessagingWebhook(stack, "g2", { webhookUrl: "https://user:pw@example.com/webhook", secretToken: SECRET })),
    ).toEqual([
      'webhookUrl: "https://example.com/webhook" carries credentials in the URL. Remove them; the signature authenticates Genesys.',
    ]);
  });

  test("a short secret fails with the exact message, without echoing the secret; 16 characters pass", () => {
    const { stack } = newStack();
    const problems = problemsOf(() => new OpenMessagingWebhook(stack, "g", { webhookUrl: URL_OK, secretToken: "fifteen-chars!!" }));
    expect(problems).toEqual([
      "secretToken: the secret has 15 characters; Genesys requires more than 15. Use a random secret of at least 16 characters, such as the pipeline's generated signing secret.",
    ]);
    expect(problems.join()).not.toContain("fifteen-chars!!");
    expect(
      only(webhook({ secretToken: "sixteen-chars!!!" }).json, "resource", OPEN).outbound_notification_webhook_signature_secret_token,
    ).toBe("sixteen-chars!!!");
  });

  test("bad headers fail with one exact message each", () => {
    const { stack } = newStack();
    const headers = {
      "Bad Name": "x",
      "Content-Type": "text/plain",
      "X-Hub-Signature-256": "sha256=forged",
      "X-Count": 3 as unknown as string,
      "X-Split": "a\r\nInjected: yes",
    };
    expect(
      problemsOf(() => new OpenMessagingWebhook(stack, "g", { webhookUrl: URL_OK, secretToken: SECRET, webhookHeaders: headers })),
    ).toEqual([
      'webhookHeaders["Bad Name"]: the name must be a literal HTTP header name (letters, digits and !#$%&\'*+.^_`|~-). Rename the header.',
      'webhookHeaders["Content-Type"]: this header is set by Genesys or HTTP itself. Remove it.',
      'webhookHeaders["X-Hub-Signature-256"]: this header is set by Genesys or HTTP itself. Remove it.',
      'webhookHeaders["X-Count"]: the value must be a string, got number (the provider silently drops non-string values). Convert it with String().',
      'webhookHeaders["X-Split"]: the value contains a line break or control character. Remove it.',
    ]);
  });

  test("every problem is reported at once: URL, secret, both ids and options, media types", () => {
    const { stack } = newStack("many");
    expect(
      problemsOf(
        () =>
          new OpenMessagingWebhook(stack, "g", {
            webhookUrl: "http://example.com",
            secretToken: "short",
            name: " ",
            messagingSettingId: "ms",
            messagingSettings: {},
            supportedContentId: "sc",
            supportedContent: { inboundMediaTypes: ["image/png", "png"], outboundMediaTypes: ["*/*"] },
          }),
      ),
    ).toEqual([
      'webhookUrl: "http://example.com" must use https (Genesys calls webhooks over HTTPS on port 443 only). Pass the ingress\'s https:// invoke URL.',
      "secretToken: the secret has 5 characters; Genesys requires more than 15. Use a random secret of at least 16 characters, such as the pipeline's generated signing secret.",
      "name: the integration name is empty. Pass a name, or omit it to derive one from the construct path.",
      "messagingSettingId, messagingSettings: both are set. Pass the id of an existing profile or the options of one to create, not both.",
      "supportedContentId, supportedContent: both are set. Pass the id of an existing profile or the options of one to create, not both.",
      'supportedContent.inboundMediaTypes[1]: "png" is not an RFC 2046 media type. Use a type like "image/png" or a wildcard like "image/*".',
    ]);
  });

  test("two webhooks in one stack get distinct names", () => {
    const { stack } = newStack("two");
    new OpenMessagingWebhook(stack, "orders", { webhookUrl: URL_OK, secretToken: SECRET });
    new OpenMessagingWebhook(stack, "support", { webhookUrl: URL_OK, secretToken: SECRET });
    const names = Object.values(synthJson(stack).resource[OPEN] as Record<string, { name: string }>)
      .map((r) => r.name)
      .sort();
    expect(names).toEqual(["two-orders", "two-support"]);
  });
});

describe("signature round trip with the secret given to the integration", () => {
  // Genesys signs each webhook body with the integration's secret token; the worker
  // verifies with the secret it reads. Both are the synthesized value.
  const { json } = webhook({}, "signing");
  const integrationSecret: string = only(json, "resource", OPEN).outbound_notification_webhook_signature_secret_token;
  const body = JSON.stringify(NORMALIZED_MESSAGE);

  test("a message signed as Genesys signs it verifies", () => {
    const header = sign(body, integrationSecret);
    expect(header).toMatch(/^sha256=[A-Za-z0-9+/]{43}=$/);
    expect(verify(body, header, [integrationSecret])).toBe(true);
    expect(verify(Buffer.from(body, "utf8"), header, [integrationSecret])).toBe(true);
  });

  test("a message signed with another secret does not verify", () => {
    expect(verify(body, sign(body, "another-secret-of-16-chars"), [integrationSecret])).toBe(false);
  });

  test("a body changed after signing does not verify", () => {
    const header = sign(body, integrationSecret);
    expect(verify(body.replace("shipped", "cancelled"), header, [integrationSecret])).toBe(false);
  });

  test("during a rotation the worker accepts the previous secret too", () => {
    const newSecret = "the-next-secret-version-0001";
    const signedWithOld = sign(body, integrationSecret);
    expect(verify(body, signedWithOld, [newSecret, integrationSecret])).toBe(true);
    expect(verify(body, sign(body, newSecret), [newSecret, integrationSecret])).toBe(true);
    expect(verify(body, signedWithOld, [newSecret])).toBe(false);
  });
});
