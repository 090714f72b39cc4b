/**
 * Two pipelines in a larger stack: one at the stack's top level, one inside the team's own
 * construct tree, sharing one alarm topic and one API Gateway account role. Their names
 * derive from their construct paths, so nothing collides.
 */
import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { ApiGatewayAccount, ConsumerPipeline } from "cdktf-genesys-consumer";

/** A team's own construct: the support desk, which owns a FIFO pipeline among other things. */
export class SupportDesk extends Construct {
  readonly inbox: ConsumerPipeline;

  constructor(scope: Construct, id: string, props: { alarmTopicArn: string }) {
    super(scope, id);
    this.inbox = new ConsumerPipeline(this, "inbox", {
      // The handler acknowledges through ctx.genesys: an empty credentials secret to fill after deploy.
      worker: {
        entry: path.join(__dirname, "handlers", "support.ts"),
        maxConcurrency: 10,
        timeoutSeconds: 20,
        genesys: { createCredentialsSecret: true },
      },
      queue: { fifo: true, maxReceiveCount: 8 },
      ingress: { path: "support", extraHeaders: ["X-Genesys-Org"] },
      alarms: { topicArn: props.alarmTopicArn, queueAgeThresholdSeconds: 300 },
      namePrefix: "support",
      tags: { team: "support" },
    });
  }
}

export class ComposedStack extends TerraformStack {
  readonly orders: ConsumerPipeline;
  readonly supportDesk: SupportDesk;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "eu-central-1", defaultTags: [{ tags: { owner: "platform" } }] });
    new ApiGatewayAccount(this, "api-gateway-account");
    const alarms = new SnsTopic(this, "alarms", { name: "platform-alarms" });

    this.orders = new ConsumerPipeline(this, "orders", {
      worker: {
        entry: path.join(__dirname, "handlers", "orders.ts"),
        maxConcurrency: 20,
        downstreamRequestsPerMinute: 1200,
        batchSize: 50,
        batchingWindowSeconds: 2,
        environment: { ORDERS_API_URL: "https://orders.internal.example.com/api/notifications" },
      },
      alarms: { topicArn: alarms.arn },
    });
    this.supportDesk = new SupportDesk(this, "support-desk", { alarmTopicArn: alarms.arn });

    new TerraformOutput(this, "orders-webhook-url", { value: this.orders.url });
    new TerraformOutput(this, "support-webhook-url", { value: this.supportDesk.inbox.url });
  }
}
