/**
 * `cdktf-genesys-consumer/runtime`: the code that runs inside Lambda. Never imports cdktf.
 */
export * from "./contract";
export * from "./signature";
export * from "./edge-key";
export * from "./synthetic";
export * from "./dead-letter";
export * from "./ingress-body";
export * from "./replay-window";
export * from "./tables";
export * from "./errors";
export * from "./invocation";
export * from "./backoff";
export * from "./normalized-message";
export * from "./genesys";
export * from "./worker";
export * from "./loadgen";
