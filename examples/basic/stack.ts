/**
 * The demo stack: one webhook pipeline consuming Genesys Cloud Open Messaging webhooks.
 * `bin/main.ts` synthesizes it as the stack "demo"; `npm start` runs that synthesized
 * stack locally.
 */
import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ApiGatewayAccount, ConsumerPipeline } from "cdktf-genesys-consumer";

export interface DemoStackProps {
  /** AWS region. @default "eu-west-1" */
  readonly region?: string;
  /**
   * Create API Gateway's account-wide CloudWatch role (a regional singleton: leave it off
   * when the account already has one).
   * @default true
   */
  readonly apiGatewayAccount?: boolean;
  /** Alarm email. @default none */
  readonly alarmEmail?: string;
}

export class DemoStack extends TerraformStack {
  readonly pipeline: ConsumerPipeline;
  readonly apiGatewayAccount?: ApiGatewayAccount;

  constructor(scope: Construct, id: string, props: DemoStackProps = {}) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.region ?? "eu-west-1" });
    if (props.apiGatewayAccount ?? true) this.apiGatewayAccount = new ApiGatewayAccount(this, "api-gateway-account");

    this.pipeline = new ConsumerPipeline(this, "messaging", {
      worker: {
        entry: path.join(__dirname, "worker.ts"),
        maxConcurrency: 5,
        // The Genesys Platform API budget of one client-credentials token, shared by all instances.
        downstreamRequestsPerMinute: 300,
      },
      ingress: { path: "genesys/webhook" },
      alarms: props.alarmEmail ? { email: props.alarmEmail } : {},
      tags: { project: "cdktf-genesys-consumer-demo" },
    });
    // The signing secret stays in Secrets Manager and Terraform state; the generated value
    // is the Genesys integration's secret token.
    new TerraformOutput(this, "webhook-url", { value: this.pipeline.url, description: "Configure as the Genesys Open Messaging webhook URL" });
    new TerraformOutput(this, "signing-secret-arn", { value: this.pipeline.signingSecret.arn });
    new TerraformOutput(this, "dlq-url", { value: this.pipeline.queue.dlq.url });
  }
}
