/**
 * Genesys Cloud regions as the genesyscloud provider names them (`aws_region`), with the
 * domain of each region's hosts (`https://api.<domain>`, `https://login.<domain>`).
 * The table itself is the runtime's (lib/runtime/genesys/regions.ts, provider v1.84.1).
 */

// The region table lives with the runtime (which needs the hosts); the provider binding and the constructs share it.
import { GENESYS_REGION_DOMAINS, type GenesysRegion } from "../../runtime/genesys/regions";

export { GENESYS_REGION_DOMAINS, type GenesysRegion };

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
