/**
 * The webhook path composed with a ConsumerPipeline: the Open Messaging integration's URL
 * is the pipeline's ingress URL and its secret is the same random_password whose result the
 * pipeline stores in the secret the worker reads (GCX_SIGNATURE_SECRET_ARN).
 */
import * as path from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline, GenesysProvider, OpenMessagingWebhook } from "cdktf-genesys-consumer";
import { TfJson, only } from "./helpers";

function synth(): TfJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, "webhook");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
  const pipeline = new ConsumerPipeline(stack, "orders", { worker: { entry: path.join(__dirname, "fixtures", "worker.ts") } });
  new OpenMessagingWebhook(stack, "genesys-webhook", { webhookUrl: pipeline.url, secretToken: pipeline.signingSecret.value! });
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

describe("OpenMessagingWebhook on a ConsumerPipeline", () => {
  const json = synth();
  const open = only(json, "resource", "genesyscloud_conversations_messaging_integrations_open");

  test("the webhook URL is the ingress stage's invoke URL plus the webhook path", () => {
    const stage = Object.keys(json.resource.aws_api_gateway_stage)[0];
    expect(open.outbound_notification_webhook_url).toMatch(new RegExp(`^\\$\\{aws_api_gateway_stage\\.${stage}\\.invoke_url\\}/\\S+$`));
  });

  test("the secret token is the random password stored in the secret the worker reads", () => {
    const password = Object.keys(json.resource.random_password)[0];
    expect(open.outbound_notification_webhook_signature_secret_token).toBe(`\${random_password.${password}.result}`);

    const versions = Object.values(json.resource.aws_secretsmanager_secret_version as Record<string, TfJson>);
    const signing = versions.find((v) => v.secret_string === `\${random_password.${password}.result}`);
    expect(signing).toBeDefined();

    const fn = only(json, "resource", "aws_lambda_function");
    // The version belongs to the secret whose ARN the worker is given.
    const secret = /^\$\{aws_secretsmanager_secret\.([^.]+)\.(id|arn)\}$/.exec(signing!.secret_id)?.[1];
    expect(secret).toBeDefined();
    expect(fn.environment.variables.GCX_SIGNATURE_SECRET_ARN).toBe(`\${aws_secretsmanager_secret.${secret}.arn}`);
    expect(fn.environment.variables.GCX_INGRESS_KIND).toBe("webhook");
  });
});
