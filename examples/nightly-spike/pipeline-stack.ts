/**
 * The nightly spike as a pipeline option: `spikeGenerator` on a `ConsumerPipeline` wires the
 * generator to that pipeline's ingress URL, signing secret, receipts table, DLQ, quarantine
 * queue and alarm topic, so nothing is copied by hand. (`stack.ts` shows the standalone
 * `SpikeGenerator` against a pipeline deployed elsewhere.)
 */
import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline } from "cdktf-genesys-consumer";

export interface NightlySpikePipelineStackProps {
  /** AWS region. @default "eu-west-1" */
  readonly region?: string;
  /** Alarm email (pipeline alarms and the spike's FAIL verdict). @default none */
  readonly alarmEmail?: string;
}

export class NightlySpikePipelineStack extends TerraformStack {
  readonly pipeline: ConsumerPipeline;

  constructor(scope: Construct, id: string, props: NightlySpikePipelineStackProps = {}) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.region ?? "eu-west-1" });
    this.pipeline = new ConsumerPipeline(this, "orders", {
      // The demo worker: acknowledges messages through ctx.genesys (credentials in a secret to
      // fill after deploy); the nightly spike's acknowledgements are simulated (the default).
      worker: { entry: path.join(__dirname, "..", "basic", "worker.ts"), maxConcurrency: 20, genesys: { createCredentialsSecret: true } },
      alarms: props.alarmEmail ? { email: props.alarmEmail } : {},
      spikeGenerator: {
        // 02:30 Paris time, every night
        scheduleExpression: "cron(30 2 * * ? *)",
        scheduleTimezone: "Europe/Paris",
        profile: {
          name: "orders-nightly",
          spike: {
            baseline: { ratePerSecond: 20, durationSeconds: 60 },
            ramp: { durationSeconds: 30 },
            peak: { ratePerSecond: 400 },
            plateau: { durationSeconds: 60 },
            drain: { durationSeconds: 120, rampDownSeconds: 30 },
          },
          conversations: 200,
          workMs: 20,
          faults: { throttle: { fraction: 0.005, retryAfterSeconds: 5 }, transient: { fraction: 0.005 }, poison: { fraction: 0.001 } },
          reconcile: { deadlineSeconds: 300 },
        },
        // 400 msg/s at the peak over 200 msg/s per agent: the controller starts 2 agents together
        agentCapacityPerSecond: 200,
      },
    });
    new TerraformOutput(this, "webhook-url", { value: this.pipeline.url });
    new TerraformOutput(this, "genesys-credentials-secret-arn", { value: this.pipeline.genesysCredentialsSecretArn! });
    new TerraformOutput(this, "spike-function", { value: this.pipeline.spikeGenerator!.function.functionName });
  }
}
