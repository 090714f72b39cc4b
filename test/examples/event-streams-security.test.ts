/**
 * The security checks of test/security/policies.test.ts that apply to an eventStreams
 * pipeline (it has no API Gateway stage to log), over examples/event-streams, plus the one
 * it adds: EventBridge may send to the queues only from this pipeline's rule.
 */
import { WORKER_CONTRACT } from "../../lib/runtime";
import { resources, synthEventStreams } from "./synth-examples";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string>>;
}
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("examples/event-streams: security policies", () => {
  const { json } = synthEventStreams();
  const queues = resources(json, "aws_sqs_queue");
  const policyOf = (id: string): Statement[] => {
    const own = resources(json, "aws_sqs_queue_policy").filter(([, p]) => p.queue_url === `\${aws_sqs_queue.${id}.url}`);
    expect(own).toHaveLength(1);
    return JSON.parse(own[0][1].policy).Statement;
  };

  test("CKV_AWS_27: every queue is encrypted; each has one policy with the TLS-only deny", () => {
    expect(queues).toHaveLength(3);
    for (const [id, queue] of queues) {
      expect(queue.sqs_managed_sse_enabled).toBe(true);
      expect(policyOf(id)).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  test("EventBridge may send only to the queue and the DLQ, only from this pipeline's rule", () => {
    const [ruleId] = resources(json, "aws_cloudwatch_event_rule")[0];
    const allows = queues.flatMap(([id]) =>
      policyOf(id)
        .filter((s) => s.Effect === "Allow")
        .map((s) => [id, s] as const),
    );
    expect(allows).toHaveLength(2);
    for (const [id, s] of allows) {
      expect(s).toMatchObject({
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: `\${aws_sqs_queue.${id}.arn}`,
      });
      expect(s.Condition).toEqual({ ArnEquals: { "aws:SourceArn": `\${aws_cloudwatch_event_rule.${ruleId}.arn}` } });
    }
    const quarantine = queues.find(([, q]) => q.name.includes("quarantine"))![0];
    expect(allows.map(([id]) => id)).not.toContain(quarantine);
  });

  test("the consumed queue has a DLQ; undeliverable events go to that DLQ", () => {
    const [, mapping] = resources(json, "aws_lambda_event_source_mapping")[0];
    const consumed = /aws_sqs_queue\.([^.]+)\.arn/.exec(mapping.event_source_arn)![1];
    const redrive = JSON.parse(json.resource.aws_sqs_queue[consumed].redrive_policy);
    expect(resources(json, "aws_cloudwatch_event_target")[0][1].dead_letter_config.arn).toBe(redrive.deadLetterTargetArn);
  });

  test("CKV_AWS_28 / CKV_AWS_119: tables have PITR and encryption; CKV_AWS_66: log groups have a retention", () => {
    for (const [, table] of resources(json, "aws_dynamodb_table")) {
      expect(table.point_in_time_recovery?.enabled).toBe(true);
      expect(table.server_side_encryption?.enabled).toBe(true);
    }
    const groups = resources(json, "aws_cloudwatch_log_group");
    expect(groups.length).toBeGreaterThan(0);
    for (const [, group] of groups) expect(group.retention_in_days).toBeGreaterThan(0);
  });

  test("CKV_AWS_111 / CKV_AWS_356: no Allow statement with a '*' action or resource; no secret in the environment", () => {
    const statements = resources(json, "aws_iam_role_policy").flatMap(([, p]) => JSON.parse(p.policy).Statement as Statement[]);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements.filter((x) => x.Effect === "Allow")) {
      for (const action of list(s.Action)) expect(action === "*" || action.endsWith(":*")).toBe(false);
      for (const resource of list(s.Resource)) expect(resource).not.toBe("*");
    }
    const env = resources(json, "aws_lambda_function")[0][1].environment.variables;
    expect(env[WORKER_CONTRACT.signatureSecretArn.env]).toBeUndefined();
    for (const value of Object.values(env) as string[]) expect(value).not.toMatch(/random_password|secret_string/);
  });
});
