/**
 * Security policy checks over the synthesized examples, named after the Checkov rule
 * each one mirrors where there is one.
 */
import { WORKER_CONTRACT } from "../../lib/runtime";
import { TfJson, resources, synthBasic, synthComposed, synthNightlySpike } from "../examples/synth-examples";

const EXAMPLES: [string, () => TfJson][] = [
  ["examples/basic", () => synthBasic().json],
  ["examples/composed", () => synthComposed().json],
  ["examples/nightly-spike (pipeline option)", () => synthNightlySpike().json],
];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Inline IAM statements of every role policy in a stack. */
function inlineStatements(json: TfJson): [string, Statement][] {
  return resources(json, "aws_iam_role_policy").flatMap(([id, p]) =>
    (JSON.parse(p.policy).Statement as Statement[]).map((s) => [id, s] as [string, Statement]),
  );
}

/**
 * Actions that take no resource ARN, so IAM accepts only "*" for them: the spike generator reads
 * the pipeline's backpressure with cloudwatch:GetMetricData (Service Authorization Reference,
 * Amazon CloudWatch: no resource types for GetMetricData).
 */
const ACTIONS_WITHOUT_RESOURCE_TYPES = new Set(["cloudwatch:GetMetricData"]);

describe.each(EXAMPLES)("%s", (_name, load) => {
  let json: TfJson;
  beforeAll(() => {
    json = load();
  });

  test("CKV_AWS_27: every SQS queue is encrypted at rest (SSE-SQS or KMS)", () => {
    const queues = resources(json, "aws_sqs_queue");
    expect(queues.length).toBeGreaterThanOrEqual(3);
    for (const [, queue] of queues)
      expect(queue.sqs_managed_sse_enabled === true || typeof queue.kms_master_key_id === "string").toBe(true);
  });

  test("every SQS queue has exactly one policy, denying any request not made over TLS", () => {
    const policies = resources(json, "aws_sqs_queue_policy");
    for (const [id] of resources(json, "aws_sqs_queue")) {
      const own = policies.filter(([, p]) => p.queue_url === `\${aws_sqs_queue.${id}.url}`);
      expect(own).toHaveLength(1);
      const statements = JSON.parse(own[0][1].policy).Statement as Statement[];
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: `\${aws_sqs_queue.${id}.arn}`,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  test("every consumed queue has a DLQ; every queue without one is a DLQ or a quarantine queue", () => {
    const queues = resources(json, "aws_sqs_queue");
    const dlqTargets = new Set(queues.filter(([, q]) => q.redrive_policy).map(([, q]) => JSON.parse(q.redrive_policy).deadLetterTargetArn));
    const quarantines = new Set(
      resources(json, "aws_lambda_function").map(([, f]) => f.environment?.variables?.[WORKER_CONTRACT.quarantineQueueUrl.env]),
    );
    for (const [, mapping] of resources(json, "aws_lambda_event_source_mapping")) {
      const id = /aws_sqs_queue\.([^.]+)\.arn/.exec(mapping.event_source_arn)?.[1];
      expect(json.resource.aws_sqs_queue[id as string].redrive_policy).toBeDefined();
    }
    for (const [id, queue] of queues) {
      if (queue.redrive_policy) continue;
      expect(dlqTargets.has(`\${aws_sqs_queue.${id}.arn}`) || quarantines.has(`\${aws_sqs_queue.${id}.url}`)).toBe(true);
    }
  });

  test("DLQs keep messages 14 days", () => {
    const targets = resources(json, "aws_sqs_queue")
      .filter(([, q]) => q.redrive_policy)
      .map(([, q]) => /aws_sqs_queue\.([^.]+)\.arn/.exec(JSON.parse(q.redrive_policy).deadLetterTargetArn)?.[1]);
    expect(targets.length).toBeGreaterThan(0);
    for (const id of targets) expect(json.resource.aws_sqs_queue[id as string].message_retention_seconds).toBe(1209600);
  });

  test("CKV_AWS_119 (encryption part): every DynamoDB table has server-side encryption on (a CMK is optional)", () => {
    for (const [, table] of resources(json, "aws_dynamodb_table")) expect(table.server_side_encryption?.enabled).toBe(true);
  });

  test("CKV_AWS_28: every DynamoDB table has point-in-time recovery", () => {
    for (const [, table] of resources(json, "aws_dynamodb_table")) expect(table.point_in_time_recovery?.enabled).toBe(true);
  });

  test("CKV_AWS_66: every log group has a retention", () => {
    const groups = resources(json, "aws_cloudwatch_log_group");
    expect(groups.length).toBeGreaterThanOrEqual(2);
    for (const [, group] of groups) expect(group.retention_in_days).toBeGreaterThan(0);
  });

  test("every Lambda function logs to a log group created with a retention", () => {
    const groups = new Map(resources(json, "aws_cloudwatch_log_group").map(([id, g]) => [`\${aws_cloudwatch_log_group.${id}.name}`, g]));
    for (const [, fn] of resources(json, "aws_lambda_function"))
      expect(groups.get(fn.logging_config?.log_group)?.retention_in_days).toBeGreaterThan(0);
  });

  test("CKV_AWS_76: every API Gateway stage has access logging", () => {
    const stages = resources(json, "aws_api_gateway_stage");
    expect(stages.length).toBeGreaterThan(0);
    for (const [, stage] of stages) {
      expect(stage.access_log_settings.destination_arn).toMatch(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}$/);
      expect(stage.access_log_settings.format).toContain("$context.requestId");
    }
  });

  test("CKV_AWS_111 / CKV_AWS_356: no Allow statement with a '*' action or a '*' resource", () => {
    const statements = inlineStatements(json);
    expect(statements.length).toBeGreaterThan(0);
    for (const [, s] of statements.filter(([, s]) => s.Effect === "Allow")) {
      for (const action of list(s.Action)) expect(action === "*" || action.endsWith(":*")).toBe(false);
      // '*' only where every action has no resource-level permissions (the Service Authorization
      // Reference lists no resource type for it), as Checkov's CKV_AWS_356 allows
      if (list(s.Resource).includes("*")) expect(list(s.Action).filter((a) => !ACTIONS_WITHOUT_RESOURCE_TYPES.has(a))).toEqual([]);
    }
  });

  test("no secret value in any Lambda environment: only ARNs and references to non-secret attributes", () => {
    for (const [, fn] of resources(json, "aws_lambda_function")) {
      for (const [name, value] of Object.entries(fn.environment?.variables ?? {}) as [string, string][]) {
        expect(value).not.toMatch(/random_password|secretsmanager_secret_version|secret_string/);
        if (/SECRET/.test(name)) expect(value).toMatch(/^(\$\{aws_secretsmanager_secret\.[^.]+\.arn\}|arn:aws:secretsmanager:)/);
      }
    }
  });

  test("API Gateway integrations call SQS through a role allowed only sqs:SendMessage on its queue", () => {
    for (const [, integration] of resources(json, "aws_api_gateway_integration")) {
      const roleId = /aws_iam_role\.([^.]+)\.arn/.exec(integration.credentials)?.[1];
      const policy = resources(json, "aws_iam_role_policy").find(([, p]) => p.role === `\${aws_iam_role.${roleId}.id}`)?.[1];
      const statements = JSON.parse(policy.policy).Statement as Statement[];
      const queue = /sqs:path\/[^/]+\/(.+)$/.exec(integration.uri)?.[1] as string;
      expect(statements[0]).toEqual({
        Sid: "SendToQueue",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: queue.replace(".name}", ".arn}"),
      });
    }
  });
});
