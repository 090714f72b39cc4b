import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing, TerraformStack, App } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SpikeGenerator, type SpikeGeneratorProps } from "../../lib";
import { parseLoadgenContract, parseProfile, defaultSpikeProfile } from "../../lib/runtime";
import { NightlySpikeStack } from "../../examples/nightly-spike/stack";

/* eslint-disable @typescript-eslint/no-explicit-any */
const BASE: SpikeGeneratorProps = {
  targetUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/webhook",
  signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing",
  receiptsTable: { name: "receipts", arn: "arn:aws:dynamodb:eu-west-1:123456789012:table/receipts" },
  dlq: { url: "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq", arn: "arn:aws:sqs:eu-west-1:123456789012:dlq" },
  quarantineQueue: { url: "https://sqs.eu-west-1.amazonaws.com/123456789012/q", arn: "arn:aws:sqs:eu-west-1:123456789012:q" },
  alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:alarms",
};

function synth(props: Partial<SpikeGeneratorProps> = {}): Record<string, any> {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new SpikeGenerator(stack, "spike", { ...BASE, ...props });
  return JSON.parse(Testing.synth(stack));
}
const one = (json: Record<string, any>, type: string) => {
  const all = Object.values(json.resource[type] ?? {});
  expect(all).toHaveLength(1);
  return all[0] as any;
};

test("the bundle is the load-generator handler", () => {
  const stack = new TerraformStack(Testing.app(), "bundle");
  const spike = new SpikeGenerator(stack, "spike", BASE);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(spike.bundle.file) as { handler?: unknown };
  expect(typeof mod.handler).toBe("function");
  expect(spike.bundle.sizeBytes).toBeGreaterThan(10_000);
});

describe("SpikeGenerator", () => {
  const json = synth();

  test("the function runs the bundled load generator with its contract environment", () => {
    const fn = one(json, "aws_lambda_function");
    expect(fn).toMatchObject({
      handler: "index.handler",
      runtime: "nodejs22.x",
      timeout: 900,
      memory_size: 1024,
      architectures: ["arm64"],
    });
    const contract = parseLoadgenContract(fn.environment.variables);
    expect(contract).toMatchObject({
      targetUrl: BASE.targetUrl,
      signatureSecretArn: BASE.signingSecretArn,
      receiptsTable: "receipts",
      dlqUrl: BASE.dlq!.url,
      quarantineQueueUrl: BASE.quarantineQueue!.url,
      agentCapacityPerSecond: 200,
      functionName: fn.function_name,
      metricsNamespace: "GenesysConsumer/Spike",
      runName: fn.function_name,
    });
    expect(parseProfile(contract.profile)).toEqual(parseProfile(defaultSpikeProfile));
  });

  test("least-privilege role: invoke itself, read the secret, query receipts, drain quarantine, peek the DLQ", () => {
    const policy = JSON.parse(one(json, "aws_iam_role_policy").policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      "DrainQuarantine",
      "InvokeAgents",
      "KeepReports",
      "ListReports",
      "Logs",
      "PeekDlq",
      "ReadReceipts",
      "ReadSigningSecret",
    ]);
    expect(bySid.InvokeAgents.Action).toBe("lambda:InvokeFunction");
    expect(bySid.InvokeAgents.Resource).toMatch(/^\$\{aws_lambda_function\.spike_function_[A-F0-9]+\.arn\}$/);
    expect(bySid.ReadSigningSecret).toMatchObject({ Action: "secretsmanager:GetSecretValue", Resource: BASE.signingSecretArn });
    expect(bySid.ReadReceipts).toMatchObject({ Action: "dynamodb:Query", Resource: BASE.receiptsTable!.arn });
    expect(bySid.DrainQuarantine.Action).toEqual(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]);
    expect(bySid.PeekDlq.Action).toEqual(["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"]);
    expect(JSON.stringify(policy)).not.toContain('"*"');
  });

  test("a nightly EventBridge Scheduler schedule with its own role invokes the function once, no retries", () => {
    const schedule = one(json, "aws_scheduler_schedule");
    expect(schedule).toMatchObject({
      schedule_expression: "cron(0 3 * * ? *)",
      schedule_expression_timezone: "UTC",
      state: "ENABLED",
      flexible_time_window: { mode: "OFF" },
      target: { input: JSON.stringify({ role: "controller" }), retry_policy: { maximum_retry_attempts: 0 } },
    });
    const roles = Object.entries(json.resource.aws_iam_role) as [string, any][];
    const [schedulerRoleId, schedulerRole] = roles.find(([, r]) => r.assume_role_policy.includes("scheduler.amazonaws.com"))!;
    expect(schedule.target.role_arn).toBe(`\${aws_iam_role.${schedulerRoleId}.arn}`);
    expect(JSON.parse(schedulerRole.inline_policy[0].policy).Statement).toEqual([
      {
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: expect.stringMatching(/^\$\{aws_lambda_function\.spike_function_[A-F0-9]+\.arn\}$/),
      },
    ]);
    expect(one(json, "aws_lambda_function_event_invoke_config")).toMatchObject({ maximum_retry_attempts: 0 });
  });

  test("alarms on a FAIL verdict and on a crashed run notify the topic", () => {
    const alarms = Object.values(json.resource.aws_cloudwatch_metric_alarm) as any[];
    const verdict = alarms.find((a) => a.metric_name === "SpikeVerdictFailed");
    expect(verdict).toMatchObject({
      namespace: "GenesysConsumer/Spike",
      statistic: "Maximum",
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: [BASE.alarmTopicArn],
    });
    const fn = one(json, "aws_lambda_function");
    expect(verdict.dimensions).toEqual({ RunName: fn.function_name });
    const errors = alarms.find((a) => a.metric_name === "Errors");
    expect(errors).toMatchObject({
      namespace: "AWS/Lambda",
      dimensions: { FunctionName: fn.function_name },
      alarm_actions: [BASE.alarmTopicArn],
    });
  });

  test("cron, timezone, capacity and an ingress-only setup are configurable", () => {
    const j = synth({
      scheduleExpression: "cron(30 2 * * ? *)",
      scheduleTimezone: "Europe/Paris",
      scheduleEnabled: false,
      agentCapacityPerSecond: 50,
      receiptsTable: undefined,
      dlq: undefined,
      quarantineQueue: undefined,
    });
    expect(one(j, "aws_scheduler_schedule")).toMatchObject({
      schedule_expression: "cron(30 2 * * ? *)",
      schedule_expression_timezone: "Europe/Paris",
      state: "DISABLED",
    });
    const env = one(j, "aws_lambda_function").environment.variables;
    expect(env.GCX_AGENT_CAPACITY_PER_SECOND).toBe("50");
    expect(env.GCX_RECEIPTS_TABLE).toBeUndefined();
    const sids = JSON.parse(one(j, "aws_iam_role_policy").policy).Statement.map((s: any) => s.Sid);
    expect(sids.sort()).toEqual(["InvokeAgents", "KeepReports", "ListReports", "Logs", "ReadSigningSecret"]);
  });

  test("with the ingress queue and the worker's maxReceiveCount, the role may read the redrive policy of the queue and the DLQ's ARN", () => {
    const queue = { url: "https://sqs.eu-west-1.amazonaws.com/123456789012/orders", arn: "arn:aws:sqs:eu-west-1:123456789012:orders" };
    const j = synth({ queue, workerMaxReceiveCount: 8 });
    const contract = parseLoadgenContract(one(j, "aws_lambda_function").environment.variables);
    expect(contract).toMatchObject({ queueUrl: queue.url, workerMaxReceiveCount: 8, dlqUrl: BASE.dlq!.url });
    const statements = JSON.parse(one(j, "aws_iam_role_policy").policy).Statement;
    expect(statements).toContainEqual({
      Sid: "ReadRedrivePolicy",
      Effect: "Allow",
      Action: "sqs:GetQueueAttributes",
      Resource: [queue.arn, BASE.dlq!.arn],
    });
    // without a DLQ, only the queue itself
    const noDlq = JSON.parse(one(synth({ queue, dlq: undefined }), "aws_iam_role_policy").policy).Statement;
    expect(noDlq.find((s: any) => s.Sid === "ReadRedrivePolicy").Resource).toEqual([queue.arn]);
    // without the queue, no such permission and no variable (the check is skipped)
    const env = one(json, "aws_lambda_function").environment.variables;
    expect(env.GCX_QUEUE_URL).toBeUndefined();
    expect(env.GCX_WORKER_MAX_RECEIVE_COUNT).toBeUndefined();
    expect(() => synth({ queue, workerMaxReceiveCount: 0 })).toThrow(/- workerMaxReceiveCount: 0 is outside 1\.\.1000/);
  });

  test("invalid props fail at synth naming each prop and the fix", () => {
    expect(() =>
      synth({
        timeoutSeconds: 1000,
        scheduleExpression: "every night",
        profile: { phases: [{ type: "constant", ratePerSecond: -5, durationSeconds: 1 }] } as never,
      }),
    ).toThrow(
      /SpikeGenerator "test\/spike" has 3 invalid props:\n {2}- timeoutSeconds: 1000 is outside 60\.\.900.*\n {2}- scheduleExpression: "every night" is not an EventBridge Scheduler expression.*\n {2}- profile: invalid spike profile: - phases\.0\.ratePerSecond/,
    );
    expect(() => synth({ profile: { phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 850 }] } })).toThrow(
      /- profile: an agent would need \d+ s/,
    );
    expect(() =>
      synth({
        profile: {
          scenarios: [
            { name: "steady", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 5 }] },
            { name: "spike", target: "orders", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 5 }] },
          ],
        },
      }),
    ).toThrow(
      /- profile: scenario "spike" is for target "orders", but the generator sends to one pipeline: remove the scenarios' `target` \(several pipelines in one run: `spike --targets <file>`\)\./,
    );
  });

  test("a timeout leaving no reconcile slice before the 60 s continuation margin is refused at synth", () => {
    expect(() => synth({ timeoutSeconds: 60 })).toThrow(
      /- timeoutSeconds: 60 s leaves no time to reconcile: each invocation keeps 60 s to hand a long reconciliation over .*; set at least 120\./,
    );
    expect(() => synth({ timeoutSeconds: 120 })).not.toThrow(/timeoutSeconds/);
  });
});

test("examples/nightly-spike synthesizes, and its spike.yaml is a valid profile", () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "nightly-")) });
  const stack = new NightlySpikeStack(app, "nightly", {
    targetUrl: BASE.targetUrl,
    signingSecretArn: BASE.signingSecretArn,
    receiptsTable: BASE.receiptsTable!,
    dlq: BASE.dlq!,
    quarantineQueue: BASE.quarantineQueue!,
    alarmTopicArn: BASE.alarmTopicArn!,
  });
  const json = JSON.parse(Testing.synth(stack));
  expect(one(json, "aws_scheduler_schedule").schedule_expression_timezone).toBe("Europe/Paris");
  expect(stack.spike.profile?.spike?.peak.ratePerSecond).toBe(1000);
  const yaml = fs.readFileSync(path.join(__dirname, "..", "..", "examples", "nightly-spike", "spike.yaml"), "utf8");
  expect(parseProfile(yaml).name).toBe("orders-spike");
});
