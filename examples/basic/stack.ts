/**
 * The demo stack: one webhook pipeline consuming Genesys Cloud Open Messaging webhooks, the
 * Genesys side (the Open Messaging integration pointing at the pipeline, signed with its
 * secret) and a nightly synthetic spike. `bin/main.ts` synthesizes it as the stack "demo";
 * `npm start` runs that synthesized stack locally (the Genesys resources and the schedule
 * are listed as not emulated; the demo worker's calls go to a Genesys-like fake).
 */
import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ApiGatewayAccount, ConsumerPipeline, GenesysProvider, type GenesysRegion } from "cdktf-genesys-consumer";

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
  /**
   * Genesys Cloud region of the org: the genesyscloud provider's region and the region the
   * worker calls. The provider's credentials come from GENESYSCLOUD_OAUTHCLIENT_ID and
   * GENESYSCLOUD_OAUTHCLIENT_SECRET at deploy time; nothing secret is in code.
   * @default "eu-west-1"
   */
  readonly genesysRegion?: GenesysRegion;
  /**
   * Provision the Genesys side (provider + Open Messaging integration). Off, the stack needs
   * no Genesys credentials and Genesys is configured by hand with the outputs.
   * @default true
   */
  readonly genesys?: boolean;
  /**
   * ARN of an existing secret holding the worker's Genesys OAuth client credentials as JSON
   * `{"clientId", "clientSecret"}` (a client separate from the provider's deploy-time one).
   * @default none: the pipeline creates an empty secret for them (output
   * `genesys-credentials-secret-arn`), to fill after deploy
   */
  readonly genesysCredentialsSecretArn?: string;
  /**
   * The nightly synthetic spike (EventBridge Scheduler, 03:00 UTC, the default profile).
   * @default true
   */
  readonly nightlySpike?: boolean;
}

export class DemoStack extends TerraformStack {
  readonly pipeline: ConsumerPipeline;
  readonly apiGatewayAccount?: ApiGatewayAccount;
  readonly genesysProvider?: GenesysProvider;

  constructor(scope: Construct, id: string, props: DemoStackProps = {}) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.region ?? "eu-west-1" });
    if (props.apiGatewayAccount ?? true) this.apiGatewayAccount = new ApiGatewayAccount(this, "api-gateway-account");
    const genesysRegion = props.genesysRegion ?? "eu-west-1";
    const genesys = props.genesys ?? true;
    if (genesys) this.genesysProvider = new GenesysProvider(this, "genesys", { awsRegion: genesysRegion });

    this.pipeline = new ConsumerPipeline(this, "messaging", {
      // Sized so the demo spike (about 2,700 messages in a minute, 100 msg/s at its peak)
      // drains within about a minute of its end. The downstream is a sandbox whose budget was
      // raised to 6,000 requests per minute (100/s shared by 10 instances); with Genesys'
      // default budget of one client-credentials token (300 per minute) the queue would absorb
      // the same spike and drain it in about 9 minutes: its job, but too long to watch.
      worker: {
        entry: path.join(__dirname, "worker.ts"),
        maxConcurrency: 10,
        downstreamRequestsPerMinute: 6000,
        downstreamBurst: 5,
        // A short backoff so poison reaches the quarantine queue while the demo runs;
        // production keeps the defaults (base 2 s, cap 900 s).
        backoffBaseSeconds: 1,
        backoffMaxSeconds: 8,
        // The handler calls ctx.genesys: its OAuth client credentials, in a secret the team
        // fills after deploy (or an existing one).
        genesys: props.genesysCredentialsSecretArn
          ? { credentialsSecretArn: props.genesysCredentialsSecretArn }
          : { createCredentialsSecret: true },
        // The nightly spike's receipts are simulated (rate limit, breaker, no network): it
        // never calls the production Genesys org. The local run points them at the fake Genesys.
        synthetic: { downstream: "simulate" },
      },
      // AWS's recommended minimum: a poison message is quarantined after 5 attempts.
      queue: { maxReceiveCount: 5 },
      ingress: { path: "genesys/webhook" },
      genesys: { region: genesysRegion },
      // The Open Messaging integration: webhook URL = the ingress, secret token = the generated signing secret.
      genesysWebhook: genesys ? {} : undefined,
      // Every night at 03:00 UTC, the default spike profile; a FAIL verdict alarms the pipeline's topic.
      spikeGenerator: (props.nightlySpike ?? true) ? {} : undefined,
      alarms: props.alarmEmail ? { email: props.alarmEmail } : {},
      tags: { project: "cdktf-genesys-consumer-demo" },
    });
    // The signing secret stays in Secrets Manager and Terraform state; Genesys gets it
    // through the integration (state must be an encrypted remote backend: see docs/guides/genesys-cloud.md).
    new TerraformOutput(this, "webhook-url", { value: this.pipeline.url, description: "The Genesys Open Messaging webhook URL" });
    new TerraformOutput(this, "signing-secret-arn", { value: this.pipeline.signingSecret.arn });
    new TerraformOutput(this, "dlq-url", { value: this.pipeline.queue.dlq.url });
    new TerraformOutput(this, "genesys-credentials-secret-arn", {
      value: this.pipeline.genesysCredentialsSecretArn!,
      description: 'Put the worker\'s Genesys OAuth client credentials here after deploy: JSON {"clientId","clientSecret"}',
    });
    if (this.pipeline.genesysWebhook) {
      new TerraformOutput(this, "genesys-integration-id", {
        value: this.pipeline.genesysWebhook.integrationId,
        description: "The Open Messaging integration id",
      });
    }
    if (this.pipeline.spikeGenerator) {
      new TerraformOutput(this, "spike-function", {
        value: this.pipeline.spikeGenerator.function.functionName,
        description: 'Invoke with {"role":"controller"} to run a spike now',
      });
      new TerraformOutput(this, "spike-reports-bucket", {
        value: this.pipeline.spikeGenerator.reports.bucketName,
        description: "Each run's report, the history and the trend page: cdktf-genesys-consumer spike reports list --bucket <this>",
      });
      new TerraformOutput(this, "spike-run-name", {
        value: this.pipeline.spikeGenerator.runName,
        description: "The run name of the nightly spike (--run-name)",
      });
    }
  }
}
