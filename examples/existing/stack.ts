/**
 * A pipeline on resources that already exist: a platform team's SQS queue and DLQ, its
 * worker role (with a permissions boundary, say) and a shared REST API several teams hang
 * their webhooks on, looked up with data sources. The pipeline creates only what is its own:
 * the webhook path and stage in that API, the worker function and its inline policy, a
 * quarantine queue for synthetic dead letters, the tables, the signing secret and the alarms.
 *
 * Synthesize: `CHECKPOINT_DISABLE=1 npx ts-node --transpile-only -r tsconfig-paths/register examples/existing/stack.ts`
 */
import * as path from "node:path";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsApiGatewayRestApi } from "@cdktf/provider-aws/lib/data-aws-api-gateway-rest-api";
import { DataAwsIamRole } from "@cdktf/provider-aws/lib/data-aws-iam-role";
import { DataAwsSqsQueue } from "@cdktf/provider-aws/lib/data-aws-sqs-queue";
import { ConsumerPipeline } from "cdktf-genesys-consumer";

export interface ExistingResourcesStackProps {
  /** AWS region. @default "eu-west-1" */
  readonly awsRegion?: string;
  /** Names of the existing resources. @default the example's names */
  readonly names?: { readonly queue: string; readonly dlq: string; readonly role: string; readonly api: string };
  /** The maxReceiveCount of the existing queue's redrive policy. @default 10 */
  readonly maxReceiveCount?: number;
}

export const EXISTING_NAMES = { queue: "orders-inbound", dlq: "orders-inbound-dlq", role: "orders-worker", api: "shared-hooks" } as const;

export class ExistingResourcesStack extends TerraformStack {
  readonly pipeline: ConsumerPipeline;

  constructor(scope: Construct, id: string, props: ExistingResourcesStackProps = {}) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.awsRegion ?? "eu-west-1" });
    const names = props.names ?? EXISTING_NAMES;

    const queue = new DataAwsSqsQueue(this, "inbound", { name: names.queue });
    const dlq = new DataAwsSqsQueue(this, "inbound-dlq", { name: names.dlq });
    const role = new DataAwsIamRole(this, "worker-role", { name: names.role });
    const api = new DataAwsApiGatewayRestApi(this, "shared-api", { name: names.api });

    this.pipeline = new ConsumerPipeline(this, "orders", {
      // The demo worker acknowledges through ctx.genesys: an empty credentials secret to fill after deploy.
      worker: {
        entry: path.join(__dirname, "..", "basic", "worker.ts"),
        existingRole: { arn: role.arn, name: role.name },
        genesys: { createCredentialsSecret: true },
      },
      queue: { existing: { queue, dlq, maxReceiveCount: props.maxReceiveCount ?? 10 } },
      ingress: { existingApi: { id: api.id, rootResourceId: api.rootResourceId, name: api.name }, path: "orders", stageName: "orders" },
    });

    new TerraformOutput(this, "webhook-url", {
      value: this.pipeline.url,
      description: "Configure this URL on the Genesys Open Messaging integration",
    });
    new TerraformOutput(this, "signing-secret-arn", { value: this.pipeline.signingSecret.arn });
    new TerraformOutput(this, "genesys-credentials-secret-arn", {
      value: this.pipeline.genesysCredentialsSecretArn!,
      description: "Put the worker's Genesys OAuth client credentials here after deploy",
    });
  }
}

if (require.main === module) {
  const app = new App();
  new ExistingResourcesStack(app, "existing");
  app.synth();
}
