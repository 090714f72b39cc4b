/**
 * The clients a worker handler calls: the Genesys Cloud client and the generic downstream
 * wrapper (rate limit, circuit breaker, timeout), and the Genesys regions. The package's public
 * subset is chosen in `lib/runtime/index.ts`.
 */
export { genesysBaseUrls, GENESYS_REGION_DOMAINS } from "./regions";
export type { GenesysRegion } from "./regions";
export { markSimulated, simulatedTransport, Downstream, SimulatedCallRefusedError } from "./downstream";
export type { CircuitBreakerOptions, DownstreamOptions, BreakerState, HttpTransport } from "./downstream";
export { simulatedGenesysTransport, GenesysClient, GenesysNotConfiguredError } from "./client";
export type { GenesysCredentials, GenesysClientOptions, InboundKind } from "./client";
