/**
 * Typed binding for `genesyscloud_conversations_messaging_supportedcontent`: which media
 * types may be received from customers (inbound) and sent to them (outbound).
 * `media_types` and `allow` are `Max: 1` blocks (single-element lists); `inbound` and
 * `outbound` are lists of `{ type }` blocks with RFC 2046 types (wildcards like `image/*`
 * allowed). An empty `allow` blocks all media.
 * @see https://registry.terraform.io/providers/mypurecloud/genesyscloud/1.84.1/docs/resources/conversations_messaging_supportedcontent
 */
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { bindingOptions, HclAttribute, definedHcl, hclBlocks, hclString, many, single } from "./binding-util";

/** One allowed media type. */
export interface SupportedContentMediaType {
  /** An RFC 2046 media type such as `image/jpeg`, or a wildcard such as `image/*`. */
  readonly type?: string;
}
/** `media_types.allow`. */
export interface SupportedContentAllow {
  /** Media types accepted from customers; other media is dropped. @default - none */
  readonly inbound?: readonly SupportedContentMediaType[];
  /** Media types that may be sent to customers; a message with other media is not sent. @default - none */
  readonly outbound?: readonly SupportedContentMediaType[];
}
/** `media_types`. */
export interface SupportedContentMediaTypes {
  /** @default - not set: all media blocked */
  readonly allow?: SupportedContentAllow;
}

export interface GenesyscloudConversationsMessagingSupportedcontentConfig extends cdktf.TerraformMetaArguments {
  /** The name of the supported content profile. Required. */
  readonly name: string;
  /** @default - not set */
  readonly mediaTypes?: SupportedContentMediaTypes;
}

const typeToTerraform = (t: SupportedContentMediaType) => ({ type: cdktf.stringToTerraform(t.type) });
const allowToTerraform = (a: SupportedContentAllow) => ({
  inbound: many(a.inbound, typeToTerraform),
  outbound: many(a.outbound, typeToTerraform),
});
const mediaTypesToTerraform = (m: SupportedContentMediaTypes) => ({ allow: single(m.allow, allowToTerraform) });

type Hcl = Record<string, HclAttribute>;
const typeToHcl = (t: SupportedContentMediaType): Hcl => definedHcl({ type: hclString(t.type) });
const allowToHcl = (a: SupportedContentAllow): Hcl =>
  definedHcl({
    inbound: hclBlocks(many(a.inbound, typeToHcl), "SupportedcontentMediaTypesAllowInboundList"),
    outbound: hclBlocks(many(a.outbound, typeToHcl), "SupportedcontentMediaTypesAllowOutboundList"),
  });
const mediaTypesToHcl = (m: SupportedContentMediaTypes): Hcl =>
  definedHcl({ allow: hclBlocks(single(m.allow, allowToHcl), "SupportedcontentMediaTypesAllowList") });

export class GenesyscloudConversationsMessagingSupportedcontent extends cdktf.TerraformResource {
  public static readonly tfResourceType = "genesyscloud_conversations_messaging_supportedcontent";

  private _name: string;
  private _mediaTypes?: SupportedContentMediaTypes;

  public constructor(scope: Construct, id: string, config: GenesyscloudConversationsMessagingSupportedcontentConfig) {
    super(scope, id, bindingOptions("genesyscloud_conversations_messaging_supportedcontent", config));
    this._name = config.name;
    this._mediaTypes = config.mediaTypes;
  }

  /** The supported content profile id (read-only). */
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
  public get mediaTypesInput(): SupportedContentMediaTypes | undefined {
    return this._mediaTypes;
  }
  public putMediaTypes(value: SupportedContentMediaTypes): void {
    this._mediaTypes = value;
  }
  public resetMediaTypes(): void {
    this._mediaTypes = undefined;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      media_types: single(this._mediaTypes, mediaTypesToTerraform),
      name: cdktf.stringToTerraform(this._name),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return definedHcl({
      media_types: hclBlocks(single(this._mediaTypes, mediaTypesToHcl), "SupportedcontentMediaTypesList"),
      name: hclString(this._name),
    });
  }
}
