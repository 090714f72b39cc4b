/**
 * `cdktf-genesys-consumer`: typed CDK for Terraform constructs for a spike-proof
 * consumer of Genesys Cloud messaging webhooks on AWS.
 */
export * from "./constructs/errors";
export * from "./constructs/naming";
export * from "./constructs/policy";
export * from "./constructs/bundle";
export * from "./constructs/log-retention";
export * from "./constructs/queue-with-dlq";
export * from "./constructs/existing-queues";
export * from "./constructs/webhook-ingress";
export * from "./constructs/edge-api-key";
export * from "./constructs/api-gateway-account";
export * from "./constructs/worker";
export * from "./constructs/pipeline-tables";
export * from "./constructs/pipeline-secrets";
export * from "./constructs/pipeline-alarms";
export * from "./constructs/consumer-pipeline";
export * from "./constructs/genesys";
export * from "./constructs/spike-generator";
