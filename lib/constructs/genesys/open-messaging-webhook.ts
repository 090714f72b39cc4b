/**
 * The Genesys side of a webhook pipeline: an Open Messaging integration whose outbound
 * notification webhook points at the pipeline's ingress and is signed with the pipeline's
 * signing secret (the raw string the worker verifies with).
 */
import { Construct } from "constructs";
import { Fn, TerraformProvider } from "cdktf";
import { GenesyscloudConversationsMessagingIntegrationsOpen } from "../../providers/genesyscloud/conversations-messaging-integrations-open";
import {
  GenesyscloudConversationsMessagingSettings,
  MessagingSettingState,
} from "../../providers/genesyscloud/conversations-messaging-settings";
import { GenesyscloudConversationsMessagingSupportedcontent } from "../../providers/genesyscloud/conversations-messaging-supportedcontent";
import { Problems, isLiteral, type ValidationProblem } from "../errors";
import { nameFromPath } from "./naming";
import { API_KEY_HEADER, MAX_API_KEY_LENGTH, MIN_API_KEY_LENGTH } from "../../runtime/edge-key";

/** Genesys requires a signature secret longer than 15 characters. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** Media types a created supported content profile allows by default, both directions. */
export const DEFAULT_SUPPORTED_MEDIA_TYPES: readonly string[] = ["image/jpeg", "image/png", "image/gif"];

/** Headers the webhook may not set: Genesys or HTTP owns them, or the ingress verifies them. */
export const RESERVED_WEBHOOK_HEADERS: readonly string[] = [
  "content-length",
  "content-type",
  "host",
  "transfer-encoding",
  "x-hub-signature-256",
];

/** A messaging settings profile to create (every field has a safe default). */
export interface OpenMessagingSettingsOptions {
  /** Profile name. @default - the integration's name + "-settings" */
  readonly name?: string;
  /**
   * Typing indicator events, per direction. Disabled by default: outbound typing events
   * would be webhook calls that carry no message.
   * @default { inbound: "Disabled", outbound: "Disabled" }
   */
  readonly typingEvents?: { readonly inbound?: MessagingSettingState; readonly outbound?: MessagingSettingState };
  /** Story mentions (Facebook/Instagram only). @default - not set */
  readonly storyMentions?: MessagingSettingState;
  /** Story replies (Facebook/Instagram only). @default - not set */
  readonly storyReplies?: MessagingSettingState;
}

/** A supported content profile to create. */
export interface OpenMessagingSupportedContentOptions {
  /** Profile name. @default - the integration's name + "-content" */
  readonly name?: string;
  /**
   * RFC 2046 media types accepted from customers (wildcards like `image/*` allowed); other
   * media is dropped. An empty list blocks all inbound media.
   * @default DEFAULT_SUPPORTED_MEDIA_TYPES (image/jpeg, image/png, image/gif)
   */
  readonly inboundMediaTypes?: readonly string[];
  /**
   * Media types that may be sent to customers; a message with other media is not sent.
   * @default DEFAULT_SUPPORTED_MEDIA_TYPES (image/jpeg, image/png, image/gif)
   */
  readonly outboundMediaTypes?: readonly string[];
}

export interface OpenMessagingWebhookProps {
  /**
   * The webhook URL Genesys POSTs outbound messages to: the pipeline's ingress URL. A literal
   * must be an absolute https URL without a custom port (Genesys calls port 443 only);
   * a Terraform token (e.g. the ingress's invoke URL) is not checked at synth.
   */
  readonly webhookUrl: string;
  /**
   * The signing secret, the raw string (not JSON): Genesys uses it verbatim as the
   * HMAC-SHA256 key, and the worker verifies with the same value. Pass the pipeline's
   * generated secret (a token); a literal must be at least 16 characters.
   * The provider stores it in Terraform state in clear: use an encrypted remote backend.
   */
  readonly secretToken: string;
  /** Integration name, unique in the org. @default - derived from the construct path */
  readonly name?: string;
  /**
   * Headers Genesys adds to each webhook call. Rendered with `JSON.stringify` (or
   * `jsonencode` when a value is a token), so the provider never sees invalid JSON.
   * @default - none
   */
  readonly webhookHeaders?: Record<string, string>;
  /**
   * The ingress's edge API key, sent by Genesys in the `x-api-key` webhook header (added to
   * `webhookHeaders`, which must not set it too). Pass the pipeline's generated key (a token,
   * `ingress.apiKey.value`); a literal must be 20..128 letters and digits. The provider keeps
   * `webhook_headers` in Terraform state in clear: use an encrypted remote backend.
   * @default none: no key header
   */
  readonly apiKey?: string;
  /** Id of an existing messaging settings profile. Exclusive with `messagingSettings`. @default - a profile is created from `messagingSettings` */
  readonly messagingSettingId?: string;
  /** A messaging settings profile to create. Exclusive with `messagingSettingId`. @default - created with the defaults of {@link OpenMessagingSettingsOptions} */
  readonly messagingSettings?: OpenMessagingSettingsOptions;
  /** Id of an existing supported content profile. Exclusive with `supportedContent`. @default - a profile is created from `supportedContent` */
  readonly supportedContentId?: string;
  /** A supported content profile to create. Exclusive with `supportedContentId`. @default - created with the defaults of {@link OpenMessagingSupportedContentOptions} */
  readonly supportedContent?: OpenMessagingSupportedContentOptions;
  /** The genesyscloud provider configuration to use. @default - the stack's default genesyscloud provider */
  readonly provider?: TerraformProvider;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const MEDIA_TYPE = /^(\*\/\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/(\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*))$/;

/** The problems of one check, as lines `prop: what is wrong. The fix.` (the form the exported checks return). */
function problemLines(check: (problems: Problems) => void): string[] {
  const problems = new Problems();
  check(problems);
  return problems.items.map((p) => `${p.prop}: ${p.message}`);
}

/** Checks a literal webhook URL; returns the problem or undefined. */
export function checkWebhookUrl(url: string): string | undefined {
  return problemLines((problems) => addWebhookUrlProblems(problems, url))[0];
}

/** Checks a literal secret; returns the problem or undefined. The secret itself is never echoed. */
export function checkSecretToken(secret: string): string | undefined {
  return problemLines((problems) => addSecretTokenProblems(problems, secret))[0];
}

/** Checks a literal edge API key and its place among the headers; returns every problem. The key itself is never echoed. */
export function checkApiKey(apiKey: string, headers: Record<string, unknown> = {}): string[] {
  return problemLines((problems) => addApiKeyProblems(problems, apiKey, headers));
}

/** Checks the webhook headers; returns every problem. */
export function checkWebhookHeaders(headers: Record<string, unknown>): string[] {
  return problemLines((problems) => addWebhookHeadersProblems(problems, headers));
}

/** Adds the problem of a literal webhook URL, if any, under `webhookUrl`. */
function addWebhookUrlProblems(problems: Problems, url: string): void {
  if (!isLiteral(url)) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    problems.add("webhookUrl", `"${url}" is not an absolute URL. Pass the ingress's https:// invoke URL.`);
    return;
  }
  if (parsed.protocol !== "https:") {
    problems.add(
      "webhookUrl",
      `"${url}" must use https (Genesys calls webhooks over HTTPS on port 443 only). Pass the ingress's https:// invoke URL.`,
    );
  } else if (parsed.port !== "") {
    problems.add(
      "webhookUrl",
      `"${url}" uses port ${parsed.port}; Genesys calls port 443 only. Remove the port, or put a custom domain on port 443 in front of the ingress.`,
    );
  } else if (parsed.username || parsed.password) {
    problems.add(
      "webhookUrl",
      `"${parsed.protocol}//${parsed.host}${parsed.pathname}" carries credentials in the URL. Remove them; the signature authenticates Genesys.`,
    );
  }
}

/** Adds the problem of a literal secret, if any, under `secretToken`. The secret itself is never echoed. */
function addSecretTokenProblems(problems: Problems, secret: string): void {
  if (isLiteral(secret) && secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    problems.add(
      "secretToken",
      `the secret has ${secret.length} characters; Genesys requires more than 15. Use a random secret of at least ${MIN_WEBHOOK_SECRET_LENGTH} characters, such as the pipeline's generated signing secret.`,
    );
  }
}

/** Adds the problems of a literal edge API key and of a webhook header clashing with it. The key itself is never echoed. */
function addApiKeyProblems(problems: Problems, apiKey: string, headers: Record<string, unknown> = {}): void {
  if (isLiteral(apiKey) && !new RegExp(`^[A-Za-z0-9]{${MIN_API_KEY_LENGTH},${MAX_API_KEY_LENGTH}}$`).test(apiKey)) {
    problems.add(
      "apiKey",
      `the key has ${apiKey.length} characters or characters other than letters and digits; API Gateway takes ${MIN_API_KEY_LENGTH}..${MAX_API_KEY_LENGTH} letters and digits. Pass the pipeline's generated key (ingress.apiKey.value).`,
    );
  }
  const clash = Object.keys(headers).find((k) => k.toLowerCase() === API_KEY_HEADER);
  if (clash !== undefined) {
    problems.add(`webhookHeaders[${JSON.stringify(clash)}]`, `the edge API key header is set from apiKey. Remove it from webhookHeaders.`);
  }
}

/** Adds the problems of the webhook headers, each under `webhookHeaders["<name>"]`. */
function addWebhookHeadersProblems(problems: Problems, headers: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(headers)) {
    const at = `webhookHeaders[${JSON.stringify(key)}]`;
    if (!isLiteral(key) || !HEADER_NAME.test(key)) {
      problems.add(at, `the name must be a literal HTTP header name (letters, digits and !#$%&'*+.^_\`|~-). Rename the header.`);
    } else if (RESERVED_WEBHOOK_HEADERS.includes(key.toLowerCase())) {
      problems.add(at, `this header is set by Genesys or HTTP itself. Remove it.`);
    } else if (typeof value !== "string") {
      problems.add(
        at,
        `the value must be a string, got ${value === null ? "null" : typeof value} (the provider silently drops non-string values). Convert it with String().`,
      );
    } else if (isLiteral(value) && CONTROL_CHARS.test(value)) {
      problems.add(at, `the value contains a line break or control character. Remove it.`);
    }
  }
}

/** Renders checked headers as the provider's JSON string (jsonencode when a value is a token). */
export function renderWebhookHeaders(headers: Record<string, string>): string {
  const literal = Object.values(headers).every(isLiteral);
  return literal ? JSON.stringify(headers) : Fn.jsonencode(headers);
}

/**
 * What {@link openMessagingWebhookProblems} checks: the {@link OpenMessagingWebhookProps}
 * (the provider aside), with `webhookUrl` and `secretToken` optional: a `ConsumerPipeline`
 * checks before its ingress and signing secret exist and fills them in later (as tokens,
 * which are not checked at synth anyway). An omitted one is not checked.
 */
export type OpenMessagingWebhookValidatedProps = Omit<OpenMessagingWebhookProps, "webhookUrl" | "secretToken" | "provider"> & {
  readonly webhookUrl?: string;
  readonly secretToken?: string;
};

/**
 * Every problem with OpenMessagingWebhook props, each naming the prop (prefixed with
 * `prefix`, e.g. `genesysWebhook` for a pipeline's `genesysWebhook.name`) and the fix.
 * `OpenMessagingWebhook` throws them in a `ValidationError`; `ConsumerPipeline` lists them
 * with its own, before anything is built. To add a check, add it here:
 * `problems.add("prop", "what is wrong. The fix.")`.
 */
export function openMessagingWebhookProblems(props: OpenMessagingWebhookValidatedProps, prefix?: string): ValidationProblem[] {
  const problems = new Problems(prefix);
  if (props.webhookUrl !== undefined) addWebhookUrlProblems(problems, props.webhookUrl);
  if (props.secretToken !== undefined) addSecretTokenProblems(problems, props.secretToken);
  if (props.name !== undefined && isLiteral(props.name) && props.name.trim() === "") {
    problems.add("name", `the integration name is empty. Pass a name, or omit it to derive one from the construct path.`);
  }
  if (props.webhookHeaders !== undefined) addWebhookHeadersProblems(problems, props.webhookHeaders);
  if (props.apiKey !== undefined) addApiKeyProblems(problems, props.apiKey, props.webhookHeaders);
  if (props.messagingSettingId !== undefined && props.messagingSettings !== undefined) {
    problems.add(
      ["messagingSettingId", "messagingSettings"],
      `both are set. Pass the id of an existing profile or the options of one to create, not both.`,
    );
  }
  if (props.supportedContentId !== undefined && props.supportedContent !== undefined) {
    problems.add(
      ["supportedContentId", "supportedContent"],
      `both are set. Pass the id of an existing profile or the options of one to create, not both.`,
    );
  }
  const content = props.supportedContent ?? {};
  for (const [prop, types] of [
    ["inboundMediaTypes", content.inboundMediaTypes],
    ["outboundMediaTypes", content.outboundMediaTypes],
  ] as const) {
    (types ?? []).forEach((t, i) => {
      if (isLiteral(t) && !MEDIA_TYPE.test(t)) {
        problems.add(
          `supportedContent.${prop}[${i}]`,
          `"${t}" is not an RFC 2046 media type. Use a type like "image/png" or a wildcard like "image/*".`,
        );
      }
    });
  }
  return [...problems.items];
}

/**
 * An Open Messaging integration whose outbound webhook is the pipeline's ingress, signed
 * with the pipeline's secret; with a messaging settings profile and a supported content
 * profile, created with safe defaults unless the ids of existing ones are given.
 *
 * Props are checked when the construct is created ({@link openMessagingWebhookProblems});
 * every problem is reported at once in a `ValidationError`.
 */
export class OpenMessagingWebhook extends Construct {
  /** The Open Messaging integration. */
  public readonly integration: GenesyscloudConversationsMessagingIntegrationsOpen;
  /** The integration id (token): the `{integrationId}` the worker posts inbound messages and receipts to. */
  public readonly integrationId: string;
  /** The created messaging settings profile, when `messagingSettingId` was not given. */
  public readonly messagingSettings?: GenesyscloudConversationsMessagingSettings;
  /** The created supported content profile, when `supportedContentId` was not given. */
  public readonly supportedContent?: GenesyscloudConversationsMessagingSupportedcontent;
  /** The `webhook_headers` JSON string given to the provider, when headers were given. */
  public readonly webhookHeadersJson?: string;

  public constructor(scope: Construct, id: string, props: OpenMessagingWebhookProps) {
    super(scope, id);
    const problems = new Problems();
    // Both are typed as required; an untyped caller that omits one gets a problem, not a TypeError.
    if (props.webhookUrl === undefined)
      problems.add("webhookUrl", "is required; pass the ingress's https:// invoke URL (e.g. pipeline.url).");
    if (props.secretToken === undefined)
      problems.add("secretToken", "is required; pass the signing secret the worker verifies with (e.g. pipeline.signingSecret.value).");
    problems.addAll(openMessagingWebhookProblems(props));
    problems.throwIfAny(this.node.path, "OpenMessagingWebhook");

    const name = props.name ?? nameFromPath(this, 64);
    const provider = props.provider;

    let messagingSettingId = props.messagingSettingId;
    if (messagingSettingId === undefined) {
      const o = props.messagingSettings ?? {};
      const story =
        o.storyMentions !== undefined || o.storyReplies !== undefined
          ? {
              mention: o.storyMentions === undefined ? undefined : { inbound: o.storyMentions },
              reply: o.storyReplies === undefined ? undefined : { inbound: o.storyReplies },
            }
          : undefined;
      this.messagingSettings = new GenesyscloudConversationsMessagingSettings(this, "messaging-settings", {
        provider,
        name: o.name ?? `${name}-settings`,
        content: story ? { story } : undefined,
        event: {
          typing: { on: { inbound: o.typingEvents?.inbound ?? "Disabled", outbound: o.typingEvents?.outbound ?? "Disabled" } },
        },
      });
      messagingSettingId = this.messagingSettings.id;
    }

    let supportedContentId = props.supportedContentId;
    if (supportedContentId === undefined) {
      const content = props.supportedContent ?? {};
      const inbound = content.inboundMediaTypes ?? DEFAULT_SUPPORTED_MEDIA_TYPES;
      const outbound = content.outboundMediaTypes ?? DEFAULT_SUPPORTED_MEDIA_TYPES;
      this.supportedContent = new GenesyscloudConversationsMessagingSupportedcontent(this, "supported-content", {
        provider,
        name: content.name ?? `${name}-content`,
        mediaTypes: {
          allow: {
            inbound: inbound.map((type) => ({ type })),
            outbound: outbound.map((type) => ({ type })),
          },
        },
      });
      supportedContentId = this.supportedContent.id;
    }

    const headers = props.apiKey === undefined ? props.webhookHeaders : { ...(props.webhookHeaders ?? {}), [API_KEY_HEADER]: props.apiKey };
    this.webhookHeadersJson = headers && Object.keys(headers).length > 0 ? renderWebhookHeaders(headers) : undefined;

    this.integration = new GenesyscloudConversationsMessagingIntegrationsOpen(this, "integration", {
      provider,
      name,
      outboundNotificationWebhookUrl: props.webhookUrl,
      outboundNotificationWebhookSignatureSecretToken: props.secretToken,
      messagingSettingId,
      supportedContentId,
      webhookHeaders: this.webhookHeadersJson,
    });
    this.integrationId = this.integration.id;
  }
}
