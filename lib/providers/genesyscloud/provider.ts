/**
 * Typed binding for the `genesyscloud` Terraform provider (registry source
 * `mypurecloud/genesyscloud`), hand-written in the shape of a generated cdktf binding:
 * `cdktf get` needs the Terraform registry, and no prebuilt bindings exist.
 * Only the arguments this project uses are bound.
 *
 * @see https://registry.terraform.io/providers/mypurecloud/genesyscloud/1.84.1/docs
 */
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { GENESYSCLOUD_GENERATOR_METADATA, GENESYSCLOUD_PROVIDER, definedHcl, hclNumber, hclString } from "./binding-util";
import { Problems, isLiteral } from "../../constructs/errors";
import { GENESYS_REGIONS, GenesysRegion, isGenesysRegion } from "./regions";

export interface GenesysProviderConfig {
  /**
   * OAuth client id (client credentials grant).
   * @default - the GENESYSCLOUD_OAUTHCLIENT_ID environment variable
   */
  readonly oauthclientId?: string;
  /**
   * OAuth client secret (sensitive in the provider's schema).
   * @default - the GENESYSCLOUD_OAUTHCLIENT_SECRET environment variable
   */
  readonly oauthclientSecret?: string;
  /**
   * Genesys Cloud region of the org, one of {@link GENESYS_REGIONS}; a literal outside the
   * list fails at synth. A token (e.g. a TerraformVariable) passes unchecked.
   * @default - the GENESYSCLOUD_REGION environment variable
   */
  readonly awsRegion?: GenesysRegion | string;
  /**
   * An access token used instead of the client credentials.
   * @default - the GENESYSCLOUD_ACCESS_TOKEN environment variable
   */
  readonly accessToken?: string;
  /**
   * Maximum number of OAuth tokens in the provider's pool, 1..50.
   * @default 10 (the provider's default; GENESYSCLOUD_TOKEN_POOL_SIZE)
   */
  readonly tokenPoolSize?: number;
  /**
   * Alias of this provider configuration, for several orgs in one stack.
   * @default - the default configuration
   */
  readonly alias?: string;
}

/** The `genesyscloud` provider. Validates literal `awsRegion` and `tokenPoolSize` at construction. */
export class GenesysProvider extends cdktf.TerraformProvider {
  public static readonly tfResourceType = "genesyscloud";

  private _oauthclientId?: string;
  private _oauthclientSecret?: string;
  private _awsRegion?: string;
  private _accessToken?: string;
  private _tokenPoolSize?: number;
  private _alias?: string;

  public constructor(scope: Construct, id: string, config: GenesysProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: "genesyscloud",
      terraformGeneratorMetadata: GENESYSCLOUD_GENERATOR_METADATA,
      terraformProviderSource: GENESYSCLOUD_PROVIDER.source,
    });
    const problems = new Problems();
    if (config.awsRegion !== undefined && isLiteral(config.awsRegion) && !isGenesysRegion(config.awsRegion)) {
      problems.add("awsRegion", `"${config.awsRegion}" is not a Genesys Cloud region. Use one of: ${GENESYS_REGIONS.join(", ")}.`);
    }
    const size = config.tokenPoolSize;
    if (size !== undefined && isLiteral(size) && !(Number.isInteger(size) && size >= 1 && size <= 50)) {
      problems.add("tokenPoolSize", `${size} is out of range. Use an integer from 1 to 50 (the provider's default is 10).`);
    }
    problems.throwIfAny(this.node.path, "GenesysProvider");
    this._oauthclientId = config.oauthclientId;
    this._oauthclientSecret = config.oauthclientSecret;
    this._awsRegion = config.awsRegion;
    this._accessToken = config.accessToken;
    this._tokenPoolSize = config.tokenPoolSize;
    this._alias = config.alias;
  }

  public get oauthclientId(): string | undefined {
    return this._oauthclientId;
  }
  public set oauthclientId(value: string | undefined) {
    this._oauthclientId = value;
  }
  public get oauthclientSecret(): string | undefined {
    return this._oauthclientSecret;
  }
  public set oauthclientSecret(value: string | undefined) {
    this._oauthclientSecret = value;
  }
  public get awsRegion(): string | undefined {
    return this._awsRegion;
  }
  public set awsRegion(value: string | undefined) {
    this._awsRegion = value;
  }
  public get accessToken(): string | undefined {
    return this._accessToken;
  }
  public set accessToken(value: string | undefined) {
    this._accessToken = value;
  }
  public get tokenPoolSize(): number | undefined {
    return this._tokenPoolSize;
  }
  public set tokenPoolSize(value: number | undefined) {
    this._tokenPoolSize = value;
  }
  public override get alias(): string | undefined {
    return this._alias;
  }
  public override set alias(value: string | undefined) {
    this._alias = value;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      access_token: cdktf.stringToTerraform(this._accessToken),
      alias: cdktf.stringToTerraform(this._alias),
      aws_region: cdktf.stringToTerraform(this._awsRegion),
      oauthclient_id: cdktf.stringToTerraform(this._oauthclientId),
      oauthclient_secret: cdktf.stringToTerraform(this._oauthclientSecret),
      token_pool_size: cdktf.numberToTerraform(this._tokenPoolSize),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return definedHcl({
      access_token: hclString(this._accessToken),
      alias: hclString(this._alias),
      aws_region: hclString(this._awsRegion),
      oauthclient_id: hclString(this._oauthclientId),
      oauthclient_secret: hclString(this._oauthclientSecret),
      token_pool_size: hclNumber(this._tokenPoolSize),
    });
  }
}
