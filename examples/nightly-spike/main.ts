/**
 * `npx ts-node -r tsconfig-paths/register examples/nightly-spike/main.ts` synthesizes the
 * nightly spike stacks into cdktf.out/: `nightly-spike` (a standalone generator against a
 * deployed pipeline; values below are placeholders for your own) and
 * `nightly-spike-pipeline` (a pipeline with its `spikeGenerator` option).
 */
import { App } from "cdktf";
import { NightlySpikeStack } from "./stack";
import { NightlySpikePipelineStack } from "./pipeline-stack";

const app = new App();
new NightlySpikeStack(app, "nightly-spike", {
  targetUrl: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/webhook",
  signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-signing-AbCdEf",
  receiptsTable: { name: "orders-receipts", arn: "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-receipts" },
  dlq: { url: "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq", arn: "arn:aws:sqs:eu-west-1:123456789012:orders-dlq" },
  quarantineQueue: {
    url: "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-quarantine",
    arn: "arn:aws:sqs:eu-west-1:123456789012:orders-quarantine",
  },
  alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:platform-alarms",
});
new NightlySpikePipelineStack(app, "nightly-spike-pipeline");
app.synth();
