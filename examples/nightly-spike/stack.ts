/**
 * A nightly synthetic spike against an already deployed pipeline: the ingress URL, the
 * signing secret, the receipts table, the queues and the alarm topic are passed as plain
 * strings here (they can equally be a `ConsumerPipeline`'s tokens: `pipeline.ingress.url`,
 * `pipeline.signingSecret.secret.arn`, `pipeline.tables.receipts`, ...).
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SpikeGenerator } from "cdktf-genesys-consumer";

export interface NightlySpikeStackProps {
  readonly region?: string;
  readonly targetUrl: string;
  readonly signingSecretArn: string;
  readonly receiptsTable: { readonly name: string; readonly arn: string };
  readonly dlq: { readonly url: string; readonly arn: string };
  readonly quarantineQueue: { readonly url: string; readonly arn: string };
  readonly alarmTopicArn: string;
}

export class NightlySpikeStack extends TerraformStack {
  readonly spike: SpikeGenerator;

  constructor(scope: Construct, id: string, props: NightlySpikeStackProps) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.region ?? "eu-west-1" });
    this.spike = new SpikeGenerator(this, "nightly-spike", {
      targetUrl: props.targetUrl,
      signingSecretArn: props.signingSecretArn,
      receiptsTable: props.receiptsTable,
      dlq: props.dlq,
      quarantineQueue: props.quarantineQueue,
      alarmTopicArn: props.alarmTopicArn,
      // 02:30 Paris time, every night
      scheduleExpression: "cron(30 2 * * ? *)",
      scheduleTimezone: "Europe/Paris",
      profile: {
        name: "orders-nightly",
        spike: {
          baseline: { ratePerSecond: 50, durationSeconds: 120 },
          ramp: { durationSeconds: 30 },
          peak: { ratePerSecond: 1000 },
          plateau: { durationSeconds: 120 },
          drain: { durationSeconds: 120, rampDownSeconds: 30 },
        },
        conversations: 500,
        workMs: 20,
        faults: { throttle: { fraction: 0.005, retryAfterSeconds: 5 }, transient: { fraction: 0.005 }, poison: { fraction: 0.001 } },
        reconcile: { deadlineSeconds: 300 },
        slo: { ackP99Ms: 300, endToEndP99Ms: 180_000, minAcceptedRatio: 0.9999 },
      },
      // 1000 msg/s at the peak over 250 msg/s per agent: the controller starts 4 agents together
      agentCapacityPerSecond: 250,
    });
    new TerraformOutput(this, "spike-function", { value: this.spike.function.functionName });
  }
}
