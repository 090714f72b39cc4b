/**
 * Typed binding for `genesyscloud_integration` (here: the `amazon-eventbridge-source`
 * integration type that streams notification topics into an AWS partner event source).
 *
 * Permissions integrations:integration:add/edit/view/delete; OAuth scope `integrations`.
 * @see https://registry.terraform.io/providers/mypurecloud/genesyscloud/1.84.1/docs/resources/integration
 */
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { Problems, isLiteral } from "../../constructs/errors";
import { bindingOptions, HclAttribute, definedHcl, hclBlocks, hclString, hclStringMap, single } from "./binding-util";

/**
 * The `intended_state` values the pinned provider accepts (`GENESYSCLOUD_PROVIDER`, `~> 1.84`):
 * `validation.StringInSlice([]string{"ENABLED", "DISABLED"}, false)`, default `"DISABLED"`, in
 * MyPureCloud/terraform-provider-genesyscloud v1.84.1 (commit f955430e6bd4c0b56708d3abc06fb25a1e9031b7),
 * genesyscloud/integration/resource_genesyscloud_integration_schema.go, and its
 * docs/resources/integration.md ("Integration state (ENABLED | DISABLED)"). The Platform API's
 * integration model also knows `DELETED`, which the provider refuses at plan time: removing
 * the resource is how an integration is deleted.
 */
export const INTEGRATION_INTENDED_STATES = ["ENABLED", "DISABLED"] as const;

/** An `intended_state` value: see {@link INTEGRATION_INTENDED_STATES}. */
export type IntegrationIntendedState = (typeof INTEGRATION_INTENDED_STATES)[number];

/** The `config` block (`Max: 1`, rendered as a single-element list). */
export interface GenesyscloudIntegrationConfigBlock {
  /** Integration name. @default - the integration type's default name */
  readonly name?: string;
  /** Integration notes. @default - none */
  readonly notes?: string;
  /** Integration config properties, a JSON string whose keys depend on the integration type. @default - none */
  readonly properties?: string;
  /** Advanced config, a JSON string. @default - none */
  readonly advanced?: string;
  /** Credential ids by the keys the integration type requires. @default - none */
  readonly credentials?: Record<string, string>;
}

export interface GenesyscloudIntegrationConfig extends cdktf.TerraformMetaArguments {
  /** Integration type, e.g. `amazon-eventbridge-source`. Required. */
  readonly integrationType: string;
  /**
   * ENABLED or DISABLED (a literal is checked at synth; a Terraform token is passed as is).
   * @default "DISABLED" (the provider's default)
   */
  readonly intendedState?: IntegrationIntendedState;
  /** Integration config. @default - not set */
  readonly config?: GenesyscloudIntegrationConfigBlock;
}

const configToTerraform = (c: GenesyscloudIntegrationConfigBlock) => ({
  advanced: cdktf.stringToTerraform(c.advanced),
  credentials: cdktf.hashMapper(cdktf.stringToTerraform)(c.credentials),
  name: cdktf.stringToTerraform(c.name),
  notes: cdktf.stringToTerraform(c.notes),
  properties: cdktf.stringToTerraform(c.properties),
});
const configToHcl = (c: GenesyscloudIntegrationConfigBlock): Record<string, HclAttribute> =>
  definedHcl({
    advanced: hclString(c.advanced),
    credentials: hclStringMap(c.credentials),
    name: hclString(c.name),
    notes: hclString(c.notes),
    properties: hclString(c.properties),
  });

export class GenesyscloudIntegration extends cdktf.TerraformResource {
  public static readonly tfResourceType = "genesyscloud_integration";

  private _integrationType: string;
  private _intendedState?: string;
  private _config?: GenesyscloudIntegrationConfigBlock;

  public constructor(scope: Construct, id: string, config: GenesyscloudIntegrationConfig) {
    super(scope, id, bindingOptions("genesyscloud_integration", config));
    const problems = new Problems();
    const state = config.intendedState;
    if (state !== undefined && isLiteral(state) && !(INTEGRATION_INTENDED_STATES as readonly string[]).includes(state)) {
      problems.add(
        "intendedState",
        `"${state}" is not a state the genesyscloud provider accepts. Use ${INTEGRATION_INTENDED_STATES.map((s) => `"${s}"`).join(" or ")} (to delete the integration, remove the resource).`,
      );
    }
    problems.throwIfAny(this.node.path, "GenesyscloudIntegration");
    this._integrationType = config.integrationType;
    this._intendedState = config.intendedState;
    this._config = config.config;
  }

  /** The integration id (read-only). */
  public get id(): string {
    return this.getStringAttribute("id");
  }
  public get integrationType(): string {
    return this.getStringAttribute("integration_type");
  }
  public set integrationType(value: string) {
    this._integrationType = value;
  }
  public get integrationTypeInput(): string | undefined {
    return this._integrationType;
  }
  public get intendedState(): string {
    return this.getStringAttribute("intended_state");
  }
  public set intendedState(value: string) {
    this._intendedState = value;
  }
  public resetIntendedState(): void {
    this._intendedState = undefined;
  }
  public get intendedStateInput(): string | undefined {
    return this._intendedState;
  }
  public get configInput(): GenesyscloudIntegrationConfigBlock | undefined {
    return this._config;
  }
  public putConfig(value: GenesyscloudIntegrationConfigBlock): void {
    this._config = value;
  }
  public resetConfig(): void {
    this._config = undefined;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      config: single(this._config, configToTerraform),
      intended_state: cdktf.stringToTerraform(this._intendedState),
      integration_type: cdktf.stringToTerraform(this._integrationType),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return definedHcl({
      config: hclBlocks(single(this._config, configToHcl), "IntegrationConfigList"),
      intended_state: hclString(this._intendedState),
      integration_type: hclString(this._integrationType),
    });
  }
}
