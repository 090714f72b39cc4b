import { Construct } from "constructs";
import { ConsumerPipeline } from "../../lib";
import { NAME_LIMITS, physicalName } from "../../lib/constructs/naming";
import { Synthesized, physicalNames, pipelineProps, synth } from "./support";

/** Every physical name of a synthesized stack, as `<type> <name>`, sorted within each type. */
function namesOf(out: Synthesized): string[] {
  const names = physicalNames(out);
  return [...new Set(names.map(([type]) => type))].flatMap((type) =>
    names
      .filter(([t]) => t === type)
      .map(([, , name]) => `${type} ${name}`)
      .sort(),
  );
}

/** A FIFO pipeline with the nightly spike (every kind of named resource), at `build`'s scope. */
function synthNames(namePrefix: string, build: (stack: Construct) => Construct = (stack) => stack, id = "support-desk"): string[] {
  return namesOf(
    synth((stack) => new ConsumerPipeline(build(stack), id, pipelineProps({ namePrefix, queue: { fifo: true }, spikeGenerator: {} }))),
  );
}

describe("namePrefix", () => {
  const SUPPORT_DESK = [
    "aws_sqs_queue support-support-desk-queue-dlq-a7250cb7.fifo",
    "aws_sqs_queue support-support-desk-queue-quarantine-f079643b.fifo",
    "aws_sqs_queue support-support-desk-queue-queue-64713ea9.fifo",
    "aws_lambda_function support-support-desk-spike-fn-36e05cb4",
    "aws_lambda_function support-support-desk-worker-fn-c40293e3",
    "aws_iam_role support-support-desk-ingress-sqs-role-3dc1d0c5",
    "aws_iam_role support-support-desk-spike-role-776a0cbe",
    "aws_iam_role support-support-desk-spike-scheduler-3b7eeaf4",
    "aws_iam_role support-support-desk-worker-role-e24ef8ec",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-dlq-not-empty-2deed69c",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-ingress-4xx-4b5f712a",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-ingress-5xx-f277cb72",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-ingress-body-too-large-180921b4",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-queue-age-0bc8a323",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-worker-errors-ebdb2b05",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-worker-failed-events-483e87df",
    "aws_cloudwatch_metric_alarm support-support-desk-alarms-worker-throttles-70052228",
    "aws_cloudwatch_metric_alarm support-support-desk-spike-spike-errors-facbe0f6",
    "aws_cloudwatch_metric_alarm support-support-desk-spike-spike-failed-09bb5e5c",
    "aws_cloudwatch_metric_alarm support-support-desk-spike-spike-missing-c9b5a948",
    "aws_dynamodb_table support-support-desk-tables-idempotency-1ad6d68a",
    "aws_dynamodb_table support-support-desk-tables-receipts-2f0ee489",
    "aws_secretsmanager_secret support-support-desk-secrets-signing-secret-47813d6a",
    "aws_sns_topic support-support-desk-alarms-topic-061b91a6",
    "aws_cloudwatch_log_group /aws/apigateway/support-support-desk-ingress-api-f0baedc1/v1/access",
    "aws_cloudwatch_log_group /aws/lambda/support-support-desk-spike-fn-36e05cb4",
    "aws_cloudwatch_log_group /aws/lambda/support-support-desk-worker-fn-c40293e3",
    "aws_api_gateway_rest_api support-support-desk-ingress-api-f0baedc1",
    "aws_cloudwatch_dashboard support-support-desk-alarms-dashboard-76c1b26d",
    "aws_scheduler_schedule support-support-desk-spike-nightly-5e38285b",
  ];

  it("is joined to the pipeline's names with a `-`: `support` and pipeline `support-desk` give `support-support-desk-...`", () => {
    expect(synthNames("support")).toEqual(SUPPORT_DESK);
  });

  it("ending with `-` gives the same names (as before the separator was added)", () => {
    expect(synthNames("support-")).toEqual(SUPPORT_DESK);
  });

  it("ending with `_` keeps it as the separator", () => {
    const names = synthNames("support_");
    expect(names.filter((n) => n.startsWith("aws_sqs_queue "))).toEqual([
      "aws_sqs_queue support_support-desk-queue-dlq-dcb1d698.fifo",
      "aws_sqs_queue support_support-desk-queue-quarantine-5dc83825.fifo",
      "aws_sqs_queue support_support-desk-queue-queue-5d651382.fifo",
    ]);
    expect(
      names.map((n) => n.split(" ")[1].replace(/^\/aws\/(lambda|apigateway)\//, "")).every((n) => n.startsWith("support_support-desk-")),
    ).toBe(true);
  });

  it("keeps every name within its service's limit, with the prefix, the hash and `.fifo`, in a deep tree with long ids", () => {
    const longId = "a-very-long-construct-identifier-that-goes-on-and-on";
    const prefix = "twenty-chars-prefix1";
    expect(prefix).toHaveLength(20);
    const names = synthNames(prefix, (stack) => new Construct(new Construct(stack, longId), longId), longId);
    const limits: Record<string, number> = {
      aws_sqs_queue: NAME_LIMITS.sqsQueue,
      aws_lambda_function: NAME_LIMITS.lambdaFunction,
      aws_iam_role: NAME_LIMITS.iamRole,
      aws_cloudwatch_metric_alarm: NAME_LIMITS.cloudwatchAlarm,
      aws_dynamodb_table: NAME_LIMITS.dynamodbTable,
      aws_secretsmanager_secret: NAME_LIMITS.secret,
      aws_sns_topic: NAME_LIMITS.snsTopic,
      aws_cloudwatch_log_group: NAME_LIMITS.logGroup,
      aws_api_gateway_rest_api: NAME_LIMITS.apiGatewayRestApi,
      aws_cloudwatch_dashboard: NAME_LIMITS.dashboard,
      aws_scheduler_schedule: 64,
    };
    expect(names).toHaveLength(30);
    for (const entry of names) {
      const [type, name] = entry.split(" ");
      expect(name.length).toBeLessThanOrEqual(limits[type]);
      expect(name.replace(/^\/aws\/(lambda|apigateway)\//, "")).toMatch(/^twenty-chars-prefix1-a-very-long-/);
      if (type === "aws_sqs_queue") expect(name).toMatch(/-[0-9a-f]{8}\.fifo$/);
      else if (type !== "aws_cloudwatch_log_group") expect(name).toMatch(/-[0-9a-f]{8}$/);
    }
    // the shortest limits (SQS 80 with `.fifo`, Lambda and IAM 64), met exactly
    expect(names.filter((n) => /^aws_(sqs_queue|lambda_function|iam_role) /.test(n))).toEqual([
      "aws_sqs_queue twenty-chars-prefix1-a-very-long-construct-identifier-that-goes-on-25704316.fifo",
      "aws_sqs_queue twenty-chars-prefix1-a-very-long-construct-identifier-that-goes-on-827501b3.fifo",
      "aws_sqs_queue twenty-chars-prefix1-a-very-long-construct-identifier-that-goes-on-e40e8fa5.fifo",
      "aws_lambda_function twenty-chars-prefix1-a-very-long-construct-identifier-t-ad239a7f",
      "aws_lambda_function twenty-chars-prefix1-a-very-long-construct-identifier-t-f4d9e6f8",
      "aws_iam_role twenty-chars-prefix1-a-very-long-construct-identifier-t-3157c7ba",
      "aws_iam_role twenty-chars-prefix1-a-very-long-construct-identifier-t-48af53cf",
      "aws_iam_role twenty-chars-prefix1-a-very-long-construct-identifier-t-935d6b4b",
      "aws_iam_role twenty-chars-prefix1-a-very-long-construct-identifier-t-f7b3b7c5",
    ]);
    expect(names.filter((n) => n.startsWith("aws_sqs_queue ")).map((n) => n.length - "aws_sqs_queue ".length)).toEqual([80, 80, 80]);
  });

  it("physicalName: a separator counts only where the name allows it", () => {
    const names: Record<string, string> = {};
    synth((stack) => {
      const scope = new Construct(stack, "orders");
      names.sqsDot = physicalName(scope, { prefix: "prod.", suffix: "queue", maxLength: NAME_LIMITS.sqsQueue });
      names.tableDot = physicalName(scope, {
        prefix: "prod.",
        suffix: "table",
        maxLength: NAME_LIMITS.dynamodbTable,
        allowed: /[A-Za-z0-9_.-]/,
      });
      names.secretSlash = physicalName(scope, {
        prefix: "team/",
        suffix: "secret",
        maxLength: NAME_LIMITS.secret,
        allowed: /[A-Za-z0-9/_+=.@-]/,
      });
      names.roleSlash = physicalName(scope, {
        prefix: "team/",
        suffix: "role",
        maxLength: NAME_LIMITS.iamRole,
        allowed: /[A-Za-z0-9_+=,.@-]/,
      });
      names.plain = physicalName(scope, { prefix: "team", suffix: "role", maxLength: NAME_LIMITS.iamRole, allowed: /[A-Za-z0-9_+=,.@-]/ });
    });
    expect(names).toEqual({
      sqsDot: "prod-orders-queue-dbd516c5",
      tableDot: "prod.orders-table-e67b7bc3",
      secretSlash: "team/orders-secret-61659686",
      roleSlash: "team-orders-role-0061cb9d",
      plain: "team-orders-role-535bf7a4",
    });
  });
});
