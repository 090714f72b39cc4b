/**
 * What makes a WebhookIngress deploy right, beyond its configuration: a new deployment when the
 * queue or the role is replaced, a valid access-log group name for any existing API name, and
 * the stage ordered after the account's CloudWatch role when the stack sets it.
 */
import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsApiGatewayRestApi } from "@cdktf/provider-aws/lib/data-aws-api-gateway-rest-api";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { ApiGatewayAccount, ConsumerPipeline, WebhookIngress } from "../../lib";
import { logGroupNamePart } from "../../lib/constructs/webhook-ingress";
import { MAIN_QUEUE, Synthesized, pipelineProps, synth, synthPipeline, INGRESS_QUEUE, synthIngress } from "./support";

const API = { id: "a1b2c3d4e5", rootResourceId: "r00t000000", name: "Orders API" };

const triggersOf = (out: Synthesized) => out.one("aws_api_gateway_deployment").triggers as Record<string, string>;

describe("the deployment's triggers", () => {
  it("are the static fingerprint, the integration's queue URI and the role ARN", () => {
    const out = synthIngress();
    const triggers = triggersOf(out);
    expect(Object.keys(triggers).sort()).toEqual(["queue", "redeployment", "role"]);
    expect(triggers.redeployment).toMatch(/^[0-9a-f]{64}$/);
    expect(triggers.queue).toBe(out.one("aws_api_gateway_integration").uri);
    expect(triggers.role).toBe(`\${aws_iam_role.${out.id("aws_iam_role", "hook_role")}.arn}`);
  });

  it("change with the queue (name or account), not only with the template", () => {
    const base = triggersOf(synthIngress());
    const renamed = triggersOf(synthIngress({ queue: { ...INGRESS_QUEUE, name: "orders-v2" } }));
    const otherAccount = triggersOf(synthIngress({ queue: { ...INGRESS_QUEUE, accountId: "444455556666" } }));
    expect(renamed.queue).not.toBe(base.queue);
    expect(otherAccount.queue).not.toBe(base.queue);
    expect(renamed.redeployment).toBe(base.redeployment);
  });

  it("follow a created queue's name and the role as Terraform resolves them", () => {
    const out = synth((stack) => {
      const queue = new SqsQueue(stack, "q", { namePrefix: "orders-" });
      new WebhookIngress(stack, "hook", { queue: { arn: queue.arn, name: queue.name } });
    });
    expect(triggersOf(out).queue).toContain(`\${aws_sqs_queue.${out.id("aws_sqs_queue", "q")}.name}`);
    const { out: pipeline } = synthPipeline();
    const triggers = triggersOf(pipeline);
    expect(triggers.queue).toContain(`\${aws_sqs_queue.${pipeline.id("aws_sqs_queue", MAIN_QUEUE("orders"))}.name}`);
    expect(triggers.role).toMatch(/^\$\{aws_iam_role\.[^}]+\.arn\}$/);
  });

  it("follow a switch to an existing queue", () => {
    const created = triggersOf(synthPipeline().out);
    const existing = triggersOf(
      synthPipeline({
        queue: {
          existing: {
            queue: { arn: "arn:aws:sqs:eu-west-1:111122223333:orders", url: "https://sqs.eu-west-1.amazonaws.com/111122223333/orders" },
            dlq: {
              arn: "arn:aws:sqs:eu-west-1:111122223333:orders-dlq",
              url: "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-dlq",
            },
            maxReceiveCount: 5,
          },
        },
      }).out,
    );
    expect(existing.queue).not.toBe(created.queue);
    expect(existing.queue).toMatch(/:sqs:path\/111122223333\/orders$/);
  });
});

describe("the access log group name", () => {
  it("replaces characters a log group name does not allow in an existing API's name", () => {
    const out = synthIngress({ existingApi: API });
    expect(out.one("aws_cloudwatch_log_group").name).toBe("/aws/apigateway/Orders-API/v1/access");
    expect(logGroupNamePart("a b:c*d(é)_x-y/z#1.2")).toBe("a-b-c-d---_x-y/z#1.2");
  });

  it("keeps the raw name as the ApiName metrics dimension", () => {
    let ingress!: WebhookIngress;
    synth((stack) => {
      ingress = new WebhookIngress(stack, "hook", { queue: INGRESS_QUEUE, existingApi: API });
    });
    expect(ingress.apiName).toBe("Orders API");
  });

  it("has Terraform replace them in a referenced name", () => {
    const out = synth((stack) => {
      const api = new DataAwsApiGatewayRestApi(stack, "shared", { name: "Orders API" });
      new WebhookIngress(stack, "hook", {
        queue: INGRESS_QUEUE,
        existingApi: { id: api.id, rootResourceId: api.rootResourceId, name: api.name },
      });
    });
    const dataId = out.json.data.aws_api_gateway_rest_api ? Object.keys(out.json.data.aws_api_gateway_rest_api)[0] : "";
    expect(out.one("aws_cloudwatch_log_group").name).toBe(
      `/aws/apigateway/\${replace(data.aws_api_gateway_rest_api.${dataId}.name, "/[^A-Za-z0-9_/#.-]/", "-")}/v1/access`,
    );
  });

  it("leaves a created API's name as it is (already valid)", () => {
    let ingress!: WebhookIngress;
    const out = synth((stack) => {
      ingress = new WebhookIngress(stack, "hook", { queue: INGRESS_QUEUE, namePrefix: "acme" });
    });
    expect(out.one("aws_cloudwatch_log_group").name).toBe(`/aws/apigateway/${ingress.apiName}/v1/access`);
  });
});

describe("the stage and the account's CloudWatch role", () => {
  const accountRef = (out: Synthesized) => `aws_api_gateway_account.${out.id("aws_api_gateway_account", "account")}`;

  it("depends on an ApiGatewayAccount constructed before the ingress", () => {
    const out = synth((stack) => {
      new ApiGatewayAccount(stack, "api-gateway-account");
      new WebhookIngress(stack, "hook", { queue: INGRESS_QUEUE });
    });
    expect(out.one("aws_api_gateway_stage").depends_on).toEqual([accountRef(out)]);
  });

  it("depends on an ApiGatewayAccount constructed after the ingress, in another scope", () => {
    const out = synth((stack) => {
      new WebhookIngress(stack, "hook", { queue: INGRESS_QUEUE });
      new ApiGatewayAccount(new TerraformStack(Testing.app(), "unrelated"), "elsewhere");
      new ApiGatewayAccount(stack, "api-gateway-account");
    });
    expect(out.one("aws_api_gateway_stage").depends_on).toEqual([accountRef(out)]);
  });

  it("applies to every ingress of the stack, pipelines' included", () => {
    const out = synth((stack) => {
      new WebhookIngress(stack, "a", { queue: INGRESS_QUEUE });
      new ApiGatewayAccount(stack, "api-gateway-account");
      new WebhookIngress(stack, "b", { queue: INGRESS_QUEUE, path: "other", stageName: "v2" });
      new ConsumerPipeline(stack, "orders", pipelineProps());
    });
    const stages = out.list("aws_api_gateway_stage");
    expect(stages).toHaveLength(3);
    for (const stage of stages) expect(stage.depends_on).toEqual([accountRef(out)]);
  });

  it("has no extra dependency without an ApiGatewayAccount in the stack", () => {
    expect(synthIngress().one("aws_api_gateway_stage").depends_on).toBeUndefined();
  });

  it("adds the dependency once when the stack is synthesized twice", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new WebhookIngress(stack, "hook", { queue: INGRESS_QUEUE });
    new ApiGatewayAccount(stack, "api-gateway-account");
    Testing.synth(stack);
    const out = new Synthesized(JSON.parse(Testing.synth(stack)));
    expect(out.one("aws_api_gateway_stage").depends_on).toEqual([accountRef(out)]);
  });
});
