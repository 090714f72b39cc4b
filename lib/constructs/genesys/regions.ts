/**
 * Genesys Cloud regions as the genesyscloud provider names them (`aws_region`), with the
 * domain of each region's hosts (`https://api.<domain>`, `https://login.<domain>`).
 * No cdktf import here, so the runtime may import it too.
 */

/** The region name -> domain table (genesyscloud provider v1.84.1). */
export const GENESYS_REGION_DOMAINS = {
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
} as const;

/** A Genesys Cloud region name, e.g. `eu-west-1`. */
export type GenesysRegion = keyof typeof GENESYS_REGION_DOMAINS;

/** Every Genesys Cloud region name, in the provider documentation's order. */
export const GENESYS_REGIONS = Object.keys(GENESYS_REGION_DOMAINS) as readonly GenesysRegion[];

/** True when `value` is one of {@link GENESYS_REGIONS}. */
export function isGenesysRegion(value: string): value is GenesysRegion {
  return Object.prototype.hasOwnProperty.call(GENESYS_REGION_DOMAINS, value);
}

/** `https://api.<domain>` of a region. */
export function genesysApiBaseUrl(region: GenesysRegion): string {
  return `https://api.${GENESYS_REGION_DOMAINS[region]}`;
}

/** `https://login.<domain>` of a region (client credentials: POST /oauth/token). */
export function genesysLoginBaseUrl(region: GenesysRegion): string {
  return `https://login.${GENESYS_REGION_DOMAINS[region]}`;
}
