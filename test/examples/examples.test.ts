import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { DemoStack } from "../../examples/basic";
import { LOADGEN_CONTRACT, WORKER_CONTRACT } from "../../lib/runtime";
import { resources, synthBasic, synthComposed, synthEventStreams, synthExisting, synthNightlySpike } from "./synth-examples";

const ROOT = path.resolve(__dirname, "..", "..");

describe("examples/basic (the demo stack)", () => {
  const { stack, json } = synthBasic();
  const worker = () => resources(json, "aws_lambda_function").find(([id]) => id.includes("worker"))![1];

  it("has one webhook pipeline, the API Gateway account role, the Genesys side, the nightly spike and the outputs", () => {
    expect(resources(json, "aws_api_gateway_rest_api")).toHaveLength(1);
    expect(resources(json, "aws_lambda_function")).toHaveLength(2);
    expect(resources(json, "aws_lambda_event_source_mapping")).toHaveLength(1);
    expect(resources(json, "aws_api_gateway_account")).toHaveLength(1);
    expect(resources(json, "genesyscloud_conversations_messaging_integrations_open")).toHaveLength(1);
    expect(resources(json, "aws_scheduler_schedule")).toHaveLength(1);
    expect(Object.keys(json.output)).toEqual(
      expect.arrayContaining(["webhook-url", "signing-secret-arn", "dlq-url", "genesys-integration-id", "spike-function"]),
    );
    expect(json.output["webhook-url"].value).toMatch(/\.invoke_url\}\/genesys\/webhook$/);
  });

  it("bundles the demo worker and gives it the contract with a 10 requests/s per-instance budget (6,000 per minute over 10 instances) and the Genesys region", () => {
    const fn = worker();
    expect(fn.handler).toBe("index.handler");
    const bundle = fs.readFileSync(stack.pipeline.worker.bundle.file, "utf8");
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(fn.environment.variables[WORKER_CONTRACT.downstreamRatePerSecond.env]).toBe("10");
    expect(fn.environment.variables[WORKER_CONTRACT.genesysRegion.env]).toBe("eu-west-1");
    expect(resources(json, "aws_lambda_event_source_mapping")[0][1].scaling_config).toEqual({ maximum_concurrency: 10 });
  });

  it("configures the genesyscloud provider from a prop, with no credentials in code", () => {
    expect(json.provider.genesyscloud).toEqual([{ aws_region: "eu-west-1" }]);
    expect(json.terraform.required_providers.genesyscloud).toEqual({ source: "mypurecloud/genesyscloud", version: "~> 1.84" });
  });

  it("points the Open Messaging integration at the ingress, signed with the secret the worker reads", () => {
    const [, open] = resources(json, "genesyscloud_conversations_messaging_integrations_open")[0];
    expect(open.outbound_notification_webhook_url).toBe(json.output["webhook-url"].value);
    const [passwordId] = resources(json, "random_password")[0];
    expect(open.outbound_notification_webhook_signature_secret_token).toBe(`\${random_password.${passwordId}.result}`);
    const [, version] = resources(json, "aws_secretsmanager_secret_version")[0];
    expect(version.secret_string).toBe(`\${random_password.${passwordId}.result}`);
    expect(version.secret_id.replace(/\.id\}$/, ".arn}")).toBe(worker().environment.variables[WORKER_CONTRACT.signatureSecretArn.env]);
  });

  it("runs the nightly spike against the demo ingress, reconciling with the pipeline's receipts", () => {
    const [, spike] = resources(json, "aws_lambda_function").find(([id]) => id.includes("spike"))!;
    const env = spike.environment.variables;
    expect(env[LOADGEN_CONTRACT.targetUrl.env]).toBe(json.output["webhook-url"].value);
    expect(env[LOADGEN_CONTRACT.signatureSecretArn.env]).toBe(worker().environment.variables[WORKER_CONTRACT.signatureSecretArn.env]);
    expect(env[LOADGEN_CONTRACT.receiptsTable.env]).toBe(worker().environment.variables[WORKER_CONTRACT.receiptsTable.env]);
    expect(resources(json, "aws_scheduler_schedule")[0][1].schedule_expression).toBe("cron(0 3 * * ? *)");
  });

  it("without the Genesys side and the spike: no genesyscloud provider or resource, no schedule", () => {
    const plain = new DemoStack(Testing.app(), "plain", { genesys: false, nightlySpike: false });
    const out = JSON.parse(Testing.synth(plain, true));
    expect(out.provider.genesyscloud).toBeUndefined();
    expect(Object.keys(out.resource).filter((t) => t.startsWith("genesyscloud"))).toEqual([]);
    expect(resources(out, "aws_scheduler_schedule")).toHaveLength(0);
  });
});

describe("examples/event-streams (an eventStreams pipeline)", () => {
  const { stack, json } = synthEventStreams();

  it("has the pipeline without API Gateway or signing secret, and the Event Streams path into its queue", () => {
    expect(Object.keys(json.resource).filter((t) => t.startsWith("aws_api_gateway"))).toEqual([]);
    expect(resources(json, "random_password")).toHaveLength(0);
    expect(resources(json, "genesyscloud_integration")).toHaveLength(1);
    const queue = stack.pipeline.queue;
    const [, target] = resources(json, "aws_cloudwatch_event_target")[0];
    const queueId = resources(json, "aws_sqs_queue").find(([, q]) => q.name.startsWith("conversations-queue-queue-"))![0];
    expect(target.arn).toBe(`\${aws_sqs_queue.${queueId}.arn}`);
    expect(queue.fifo).toBe(false);
    expect(json.output["event-source-name"].value).toMatch(
      /^aws\.partner\/genesys\.com\/cloud\/\$\{data\.genesyscloud_organizations_me\.[^.]+\.id\}\/conversations$/,
    );
  });

  it("bundles a worker that handles events, with GCX_INGRESS_KIND=eventStreams", () => {
    const [, fn] = resources(json, "aws_lambda_function")[0];
    expect(fn.environment.variables[WORKER_CONTRACT.ingressKind.env]).toBe("eventStreams");
    expect(fs.readFileSync(stack.pipeline.worker.bundle.file, "utf8")).toContain("conversation notification");
  });
});

describe("examples/nightly-spike (the spikeGenerator option)", () => {
  const { stack, json } = synthNightlySpike();

  it("wires the generator to its pipeline and fans out to 2 agents at the 400 msg/s peak", () => {
    const spike = stack.pipeline.spikeGenerator!;
    expect(spike.profile?.spike?.peak.ratePerSecond).toBe(400);
    const [, fn] = resources(json, "aws_lambda_function").find(([id]) => id.includes("spike"))!;
    expect(fn.environment.variables[LOADGEN_CONTRACT.agentCapacityPerSecond.env]).toBe("200");
    expect(fn.environment.variables[LOADGEN_CONTRACT.targetUrl.env]).toBe(json.output["webhook-url"].value);
    expect(resources(json, "aws_scheduler_schedule")[0][1]).toMatchObject({
      schedule_expression: "cron(30 2 * * ? *)",
      schedule_expression_timezone: "Europe/Paris",
    });
  });
});

describe("examples/composed (two pipelines, one in a team's construct tree)", () => {
  const { stack, json } = synthComposed();

  it("synthesizes both pipelines without collisions, sharing one topic", () => {
    expect(resources(json, "aws_lambda_function")).toHaveLength(2);
    expect(resources(json, "aws_sqs_queue")).toHaveLength(6);
    expect(resources(json, "aws_sns_topic")).toHaveLength(1);
    const names = resources(json, "aws_sqs_queue").map(([, q]) => q.name);
    expect(new Set(names).size).toBe(6);
    expect(names.filter((n) => n.endsWith(".fifo"))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith("support"))).toHaveLength(3);
    const topicRef = `\${aws_sns_topic.${resources(json, "aws_sns_topic")[0][0]}.arn}`;
    expect(resources(json, "aws_cloudwatch_metric_alarm").every(([, a]) => a.alarm_actions[0] === topicRef)).toBe(true);
  });

  it("applies each pipeline's settings", () => {
    const orders = stack.orders.worker;
    expect(orders.downstreamRatePerSecond).toBe(1);
    const ordersMapping =
      json.resource.aws_lambda_event_source_mapping[
        Object.keys(json.resource.aws_lambda_event_source_mapping).find((k) => k.startsWith("orders"))!
      ];
    expect(ordersMapping).toMatchObject({
      batch_size: 50,
      maximum_batching_window_in_seconds: 2,
      scaling_config: { maximum_concurrency: 20 },
    });
    expect(stack.supportDesk.inbox.queue.fifo).toBe(true);
    expect(stack.supportDesk.inbox.ingress.requestTemplate).toContain("MessageGroupId");
    expect(stack.supportDesk.inbox.ingress.requestTemplate).toContain("X-Genesys-Org");
  });
});

describe("examples/existing (queues, role and REST API that already exist)", () => {
  const { json } = synthExisting();

  it("looks the existing resources up and creates none of them", () => {
    expect(Object.keys(json.data.aws_sqs_queue)).toEqual(["inbound", "inbound-dlq"]);
    expect(Object.keys(json.data.aws_iam_role)).toEqual(["worker-role"]);
    expect(Object.keys(json.data.aws_api_gateway_rest_api)).toEqual(["shared-api"]);
    expect(resources(json, "aws_api_gateway_rest_api")).toHaveLength(0);
    expect(resources(json, "aws_sqs_queue").map(([, q]) => q.name)).toEqual([expect.stringMatching(/^orders-queue-quarantine-/)]);
    expect(resources(json, "aws_iam_role").map(([, r]) => JSON.parse(r.assume_role_policy).Statement[0].Principal.Service)).toEqual([
      "apigateway.amazonaws.com",
    ]);
  });

  it("wires the pipeline's own parts to them", () => {
    const [, fn] = resources(json, "aws_lambda_function")[0];
    expect(fn.role).toBe("${data.aws_iam_role.worker-role.arn}");
    expect(fn.environment.variables[WORKER_CONTRACT.queueUrl.env]).toBe("${data.aws_sqs_queue.inbound.url}");
    expect(fn.environment.variables[WORKER_CONTRACT.maxReceiveCount.env]).toBe("10");
    expect(resources(json, "aws_lambda_event_source_mapping")[0][1].event_source_arn).toBe("${data.aws_sqs_queue.inbound.arn}");
    const workerPolicy = resources(json, "aws_iam_role_policy").find(([, p]) => p.role === "${data.aws_iam_role.worker-role.name}");
    expect(workerPolicy).toBeDefined();
    expect(resources(json, "aws_api_gateway_resource")[0][1]).toMatchObject({
      rest_api_id: "${data.aws_api_gateway_rest_api.shared-api.id}",
      parent_id: "${data.aws_api_gateway_rest_api.shared-api.root_resource_id}",
      path_part: "orders",
    });
    expect(resources(json, "aws_api_gateway_stage")[0][1].stage_name).toBe("orders");
    expect(json.output["webhook-url"].value).toMatch(/\.invoke_url\}\/orders$/);
  });
});

describe("bin/main.ts", () => {
  it("synthesizes the demo stack with `cdktf synth` into cdktf.out/stacks/demo/cdk.tf.json", () => {
    const out = path.join(ROOT, "cdktf.out", "stacks", "demo", "cdk.tf.json");
    const started = Date.now();
    execFileSync(path.join(ROOT, "node_modules", ".bin", "cdktf"), ["synth"], {
      cwd: ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1" },
      stdio: "pipe",
    });
    const json = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(fs.statSync(out).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
    expect(Object.keys(json.resource.aws_lambda_function)).toHaveLength(2);
    expect(json.resource.aws_api_gateway_integration).toBeDefined();
    expect(json.resource.genesyscloud_conversations_messaging_integrations_open).toBeDefined();
  }, 120_000);
});
