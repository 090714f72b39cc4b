/**
 * Typed binding for `genesyscloud_conversations_messaging_integrations_open`: the Open
 * Messaging platform, whose outbound notification webhook is where Genesys Cloud POSTs
 * outbound messages, signed with `X-Hub-Signature-256`.
 *
 * Permissions messaging:integration:add/edit/view/delete; OAuth scopes `messaging`,
 * `messaging:readonly`.
 * @see https://registry.terraform.io/providers/mypurecloud/genesyscloud/1.84.1/docs/resources/conversations_messaging_integrations_open
 */
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { bindingOptions, definedHcl, hclString } from "./binding-util";

export interface GenesyscloudConversationsMessagingIntegrationsOpenConfig extends cdktf.TerraformMetaArguments {
  /** The name of the Open Messaging integration. Required. */
  readonly name: string;
  /** The outbound notification webhook URL: HTTPS on port 443, publicly reachable, accepts POST. Required. */
  readonly outboundNotificationWebhookUrl: string;
  /**
   * The secret Genesys signs each webhook body with (HMAC-SHA256 key, used verbatim);
   * must be longer than 15 characters. Not marked sensitive by the provider: it is stored in
   * Terraform state in clear and never read back. Required.
   */
  readonly outboundNotificationWebhookSignatureSecretToken: string;
  /** Id of a supported content profile. @default - the org's default profile (computed) */
  readonly supportedContentId?: string;
  /** Id of a messaging setting. @default - none */
  readonly messagingSettingId?: string;
  /**
   * Headers Genesys adds to each webhook call, as a JSON object of string to string.
   * The provider silently drops invalid JSON or non-string values: build it with
   * `JSON.stringify` of a `Record<string, string>`.
   * @default - none (computed)
   */
  readonly webhookHeaders?: string;
}

export class GenesyscloudConversationsMessagingIntegrationsOpen extends cdktf.TerraformResource {
  public static readonly tfResourceType = "genesyscloud_conversations_messaging_integrations_open";

  private _name: string;
  private _outboundNotificationWebhookUrl: string;
  private _outboundNotificationWebhookSignatureSecretToken: string;
  private _supportedContentId?: string;
  private _messagingSettingId?: string;
  private _webhookHeaders?: string;

  public constructor(scope: Construct, id: string, config: GenesyscloudConversationsMessagingIntegrationsOpenConfig) {
    super(scope, id, bindingOptions("genesyscloud_conversations_messaging_integrations_open", config));
    this._name = config.name;
    this._outboundNotificationWebhookUrl = config.outboundNotificationWebhookUrl;
    this._outboundNotificationWebhookSignatureSecretToken = config.outboundNotificationWebhookSignatureSecretToken;
    this._supportedContentId = config.supportedContentId;
    this._messagingSettingId = config.messagingSettingId;
    this._webhookHeaders = config.webhookHeaders;
  }

  /** The integration id (read-only): the `{integrationId}` of the inbound Open Messaging API. */
  public get id(): string {
    return this.getStringAttribute("id");
  }

  public get name(): string {
    return this.getStringAttribute("name");
  }
  public set name(value: string) {
    this._name = value;
  }
  public get nameInput(): string | undefined {
    return this._name;
  }

  public get outboundNotificationWebhookUrl(): string {
    return this.getStringAttribute("outbound_notification_webhook_url");
  }
  public set outboundNotificationWebhookUrl(value: string) {
    this._outboundNotificationWebhookUrl = value;
  }
  public get outboundNotificationWebhookUrlInput(): string | undefined {
    return this._outboundNotificationWebhookUrl;
  }

  public get outboundNotificationWebhookSignatureSecretToken(): string {
    return this.getStringAttribute("outbound_notification_webhook_signature_secret_token");
  }
  public set outboundNotificationWebhookSignatureSecretToken(value: string) {
    this._outboundNotificationWebhookSignatureSecretToken = value;
  }
  public get outboundNotificationWebhookSignatureSecretTokenInput(): string | undefined {
    return this._outboundNotificationWebhookSignatureSecretToken;
  }

  public get supportedContentId(): string {
    return this.getStringAttribute("supported_content_id");
  }
  public set supportedContentId(value: string) {
    this._supportedContentId = value;
  }
  public resetSupportedContentId(): void {
    this._supportedContentId = undefined;
  }
  public get supportedContentIdInput(): string | undefined {
    return this._supportedContentId;
  }

  public get messagingSettingId(): string {
    return this.getStringAttribute("messaging_setting_id");
  }
  public set messagingSettingId(value: string) {
    this._messagingSettingId = value;
  }
  public resetMessagingSettingId(): void {
    this._messagingSettingId = undefined;
  }
  public get messagingSettingIdInput(): string | undefined {
    return this._messagingSettingId;
  }

  public get webhookHeaders(): string {
    return this.getStringAttribute("webhook_headers");
  }
  public set webhookHeaders(value: string) {
    this._webhookHeaders = value;
  }
  public resetWebhookHeaders(): void {
    this._webhookHeaders = undefined;
  }
  public get webhookHeadersInput(): string | undefined {
    return this._webhookHeaders;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      messaging_setting_id: cdktf.stringToTerraform(this._messagingSettingId),
      name: cdktf.stringToTerraform(this._name),
      outbound_notification_webhook_signature_secret_token: cdktf.stringToTerraform(this._outboundNotificationWebhookSignatureSecretToken),
      outbound_notification_webhook_url: cdktf.stringToTerraform(this._outboundNotificationWebhookUrl),
      supported_content_id: cdktf.stringToTerraform(this._supportedContentId),
      webhook_headers: cdktf.stringToTerraform(this._webhookHeaders),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return definedHcl({
      messaging_setting_id: hclString(this._messagingSettingId),
      name: hclString(this._name),
      outbound_notification_webhook_signature_secret_token: hclString(this._outboundNotificationWebhookSignatureSecretToken),
      outbound_notification_webhook_url: hclString(this._outboundNotificationWebhookUrl),
      supported_content_id: hclString(this._supportedContentId),
      webhook_headers: hclString(this._webhookHeaders),
    });
  }
}
