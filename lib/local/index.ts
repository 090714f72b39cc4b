/**
 * The local emulator of a synthesized stack: `runLocalStack` runs `cdktf.out/stacks/<stack>/cdk.tf.json`
 * on this machine (SQS, DynamoDB, Secrets Manager, the REST API, pollers and the bundled functions).
 */
export * from "./stack";
export * from "./expressions";
export * from "./resolver";
export * from "./services";
export * from "./vtl";
export * from "./token-bucket";
export * from "./api-gateway";
export * from "./metrics";
export * from "./alarms";
export * from "./zip";
export * from "./lambda-host";
export * from "./poller";
export * from "./run";
