/**
 * Typed binding for the data source `genesyscloud_organizations_me`: the org the provider's
 * OAuth client belongs to. Its `id` names the EventBridge partner event source
 * (`aws.partner/genesys.com/cloud/<org id>/<suffix>`).
 *
 * OAuth scope `organization:readonly` (or `organization`).
 * @see https://registry.terraform.io/providers/mypurecloud/genesyscloud/1.84.1/docs/data-sources/organizations_me
 */
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { GENESYSCLOUD_GENERATOR_METADATA } from "./binding-util";

export type DataGenesyscloudOrganizationsMeConfig = cdktf.TerraformMetaArguments;

export class DataGenesyscloudOrganizationsMe extends cdktf.TerraformDataSource {
  public static readonly tfResourceType = "genesyscloud_organizations_me";

  public constructor(scope: Construct, id: string, config: DataGenesyscloudOrganizationsMeConfig = {}) {
    super(scope, id, {
      terraformResourceType: "genesyscloud_organizations_me",
      terraformGeneratorMetadata: GENESYSCLOUD_GENERATOR_METADATA,
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach,
    });
  }

  /** The organization id. */
  public get id(): string {
    return this.getStringAttribute("id");
  }
  /** The organization name. */
  public get name(): string {
    return this.getStringAttribute("name");
  }
  /** The organization's domain. */
  public get domain(): string {
    return this.getStringAttribute("domain");
  }
  public get defaultCountryCode(): string {
    return this.getStringAttribute("default_country_code");
  }
  public get defaultLanguage(): string {
    return this.getStringAttribute("default_language");
  }
  public get defaultSiteId(): string {
    return this.getStringAttribute("default_site_id");
  }
  public get productPlatform(): string {
    return this.getStringAttribute("product_platform");
  }
  public get supportUri(): string {
    return this.getStringAttribute("support_uri");
  }
  public get thirdPartyOrgName(): string {
    return this.getStringAttribute("third_party_org_name");
  }
  public get voicemailEnabled(): cdktf.IResolvable {
    return this.getBooleanAttribute("voicemail_enabled");
  }

  // The data source takes no arguments: every attribute is read from the API.
  protected override synthesizeAttributes(): Record<string, unknown> {
    return {};
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return {};
  }
}
