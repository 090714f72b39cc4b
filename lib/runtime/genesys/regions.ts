/**
 * Genesys Cloud regions as the `genesyscloud` Terraform provider names them (`aws_region`),
 * and their domains: the API host is `https://api.<domain>`, the login host `https://login.<domain>`.
 */
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
export type GenesysRegion = keyof typeof GENESYS_REGION_DOMAINS;

/** The API and login base URLs of a region, with optional overrides (a local fake downstream). */
export function genesysBaseUrls(
  region: string,
  overrides: { apiBaseUrl?: string; loginBaseUrl?: string } = {},
): { apiBaseUrl: string; loginBaseUrl: string } {
  const domain = (GENESYS_REGION_DOMAINS as Record<string, string>)[region];
  if (!domain && !(overrides.apiBaseUrl && overrides.loginBaseUrl)) {
    throw new Error(
      `unknown Genesys Cloud region "${region}"; expected one of ${Object.keys(GENESYS_REGION_DOMAINS).join(", ")} (or set both base-URL overrides)`,
    );
  }
  const trim = (u: string) => u.replace(/\/+$/, "");
  return {
    apiBaseUrl: trim(overrides.apiBaseUrl ?? `https://api.${domain}`),
    loginBaseUrl: trim(overrides.loginBaseUrl ?? `https://login.${domain}`),
  };
}
