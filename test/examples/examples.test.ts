import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { WORKER_CONTRACT } from "../../lib/runtime";
import { resources, synthBasic, synthComposed } from "./synth-examples";

const ROOT = path.resolve(__dirname, "..", "..");

describe("examples/basic (the demo stack)", () => {
  const { stack, json } = synthBasic();

  it("has one webhook pipeline, the API Gateway account role, and the outputs", () => {
    expect(resources(json, "aws_api_gateway_rest_api")).toHaveLength(1);
    expect(resources(json, "aws_lambda_function")).toHaveLength(1);
    expect(resources(json, "aws_api_gateway_account")).toHaveLength(1);
    expect(Object.keys(json.output)).toEqual(expect.arrayContaining(["webhook-url", "signing-secret-arn", "dlq-url"]));
    expect(json.output["webhook-url"].value).toMatch(/\.invoke_url\}\/genesys\/webhook$/);
  });

  it("bundles the demo worker and gives it the contract with a 1 request/s per-instance budget", () => {
    const [, fn] = resources(json, "aws_lambda_function")[0];
    expect(fn.handler).toBe("index.handler");
    const bundle = fs.readFileSync(stack.pipeline.worker.bundle.file, "utf8");
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(fn.environment.variables[WORKER_CONTRACT.downstreamRatePerSecond.env]).toBe("1");
    expect(resources(json, "aws_lambda_event_source_mapping")[0][1].scaling_config).toEqual({ maximum_concurrency: 5 });
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
    const ordersMapping = json.resource.aws_lambda_event_source_mapping[Object.keys(json.resource.aws_lambda_event_source_mapping).find((k) => k.startsWith("orders"))!];
    expect(ordersMapping).toMatchObject({ batch_size: 50, maximum_batching_window_in_seconds: 2, scaling_config: { maximum_concurrency: 20 } });
    expect(stack.supportDesk.inbox.queue.fifo).toBe(true);
    expect(stack.supportDesk.inbox.ingress.requestTemplate).toContain("MessageGroupId");
    expect(stack.supportDesk.inbox.ingress.requestTemplate).toContain("X-Genesys-Org");
  });
});

describe("bin/main.ts", () => {
  it("synthesizes the demo stack with `cdktf synth` into cdktf.out/stacks/demo/cdk.tf.json", () => {
    const out = path.join(ROOT, "cdktf.out", "stacks", "demo", "cdk.tf.json");
    const started = Date.now();
    execFileSync(path.join(ROOT, "node_modules", ".bin", "cdktf"), ["synth"], { cwd: ROOT, env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1" }, stdio: "pipe" });
    const json = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(fs.statSync(out).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
    expect(Object.keys(json.resource.aws_lambda_function)).toHaveLength(1);
    expect(json.resource.aws_api_gateway_integration).toBeDefined();
  }, 120_000);
});
