/**
 * Bringing existing resources into a pipeline: queues (`queue.existing`), the worker's role
 * (`worker.existingRole`) and the REST API (`ingress.existingApi`). Tables, secrets, the alarm
 * topic and KMS keys are covered in the suites of their constructs.
 */
import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamRole } from "@cdktf/provider-aws/lib/data-aws-iam-role";
import { DataAwsSqsQueue } from "@cdktf/provider-aws/lib/data-aws-sqs-queue";
import { ConsumerPipeline, ConsumerPipelineProps, ExistingQueues, GenesysProvider, ValidationError, Worker } from "../../lib";
import { roleNameFromArn } from "../../lib/constructs/worker";
import { WORKER_CONTRACT } from "../../lib/runtime";
import { FIXTURE_ENTRY, Synthesized, errorOf, pipelineProps, synth, synthPipeline } from "./support";

const ACCOUNT = "444455556666";
const QUEUE = { arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-in`, url: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-in` };
const DLQ = { arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-dlq`, url: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-dlq` };
const QUARANTINE = {
  arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-quarantine`,
  url: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-quarantine`,
};
const EXISTING = { queue: QUEUE, dlq: DLQ, maxReceiveCount: 7 };
const ROLE_ARN = "arn:aws:iam::111122223333:role/platform/boundary/orders-worker";
const API = { id: "a1b2c3d4e5", rootResourceId: "rootid0001", name: "shared-hooks" };
const TOPICS = ["v2.detail.events.conversation.{id}.customer.start"];

function workerPolicy(out: Synthesized) {
  return out.list("aws_iam_role_policy").find((p) => JSON.parse(p.policy).Statement.some((s: { Sid: string }) => s.Sid === "ConsumeQueue"));
}

function problemsOf(fn: () => unknown): readonly { prop: string; message: string }[] {
  const error = errorOf(fn);
  if (!(error instanceof ValidationError)) throw error;
  return error.problems;
}

describe("queue.existing", () => {
  const { out, pipeline } = synthPipeline({ queue: { existing: EXISTING } });

  it("creates no main queue or DLQ, only a quarantine queue, encrypted, with its TLS-only policy", () => {
    expect(pipeline.queueWithDlq).toBeUndefined();
    expect(pipeline.existingQueues).toBeDefined();
    const queues = out.list("aws_sqs_queue");
    expect(queues).toHaveLength(1);
    expect(queues[0].name).toMatch(/^orders-queue-quarantine-[0-9a-f]{8}$/);
    expect(queues[0]).toMatchObject({ sqs_managed_sse_enabled: true, message_retention_seconds: 1_209_600 });
    const policy = JSON.parse(out.one("aws_sqs_queue_policy").policy);
    expect(policy.Statement).toEqual([expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny" })]);
    expect(out.one("aws_sqs_queue_policy").queue_url).toBe(`\${aws_sqs_queue.${out.id("aws_sqs_queue", "quarantine")}.url}`);
  });

  it("points the worker, its mapping and its contract at the existing queues", () => {
    const env = out.one("aws_lambda_function").environment.variables;
    expect(env[WORKER_CONTRACT.queueUrl.env]).toBe(QUEUE.url);
    expect(env[WORKER_CONTRACT.queueArn.env]).toBe(QUEUE.arn);
    expect(env[WORKER_CONTRACT.dlqUrl.env]).toBe(DLQ.url);
    expect(env[WORKER_CONTRACT.maxReceiveCount.env]).toBe("7");
    expect(env[WORKER_CONTRACT.quarantineQueueUrl.env]).toBe(`\${aws_sqs_queue.${out.id("aws_sqs_queue", "quarantine")}.url}`);
    expect(out.one("aws_lambda_event_source_mapping").event_source_arn).toBe(QUEUE.arn);
    const statements = JSON.parse(workerPolicy(out).policy).Statement;
    expect(statements.find((s: { Sid: string }) => s.Sid === "ConsumeQueue").Resource).toBe(QUEUE.arn);
    expect(statements.find((s: { Sid: string }) => s.Sid === "DeadLetter").Resource).toEqual([
      DLQ.arn,
      `\${aws_sqs_queue.${out.id("aws_sqs_queue", "quarantine")}.arn}`,
    ]);
  });

  it("sends the ingress to the existing queue, in the queue's own account", () => {
    expect(out.one("aws_api_gateway_integration").uri).toMatch(
      new RegExp(`^arn:aws:apigateway:\\$\\{data\\.aws_region\\.[\\w-]+\\.region\\}:sqs:path/${ACCOUNT}/orders-in$`),
    );
    const role = JSON.parse(out.find("aws_iam_role_policy", "ingress").policy);
    expect(role.Statement).toEqual([{ Sid: "SendToQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE.arn }]);
  });

  it("alarms on the existing queues by name", () => {
    const alarms = out.list("aws_cloudwatch_metric_alarm");
    const dlqAlarm = alarms.find((a) => a.metric_name === "ApproximateNumberOfMessagesVisible");
    const ageAlarm = alarms.find((a) => a.metric_name === "ApproximateAgeOfOldestMessage");
    expect(dlqAlarm.dimensions).toEqual({ QueueName: "orders-dlq" });
    expect(ageAlarm.dimensions).toEqual({ QueueName: "orders-in" });
  });

  it("uses a given quarantine queue and then creates no queue at all", () => {
    const { out: given } = synthPipeline({ queue: { existing: { ...EXISTING, quarantineQueue: QUARANTINE } } });
    expect(given.list("aws_sqs_queue")).toHaveLength(0);
    expect(given.list("aws_sqs_queue_policy")).toHaveLength(0);
    expect(given.one("aws_lambda_function").environment.variables[WORKER_CONTRACT.quarantineQueueUrl.env]).toBe(QUARANTINE.url);
  });

  it("takes references from data sources: names and account come from the ARN at apply time", () => {
    const out = synth((stack) => {
      const queue = new DataAwsSqsQueue(stack, "in", { name: "orders-in" });
      const dlq = new DataAwsSqsQueue(stack, "dlq", { name: "orders-dlq" });
      new ConsumerPipeline(stack, "orders", pipelineProps({ queue: { existing: { queue, dlq, maxReceiveCount: 5 } } }));
    });
    const arn = "${data.aws_sqs_queue.in.arn}";
    expect(out.one("aws_lambda_event_source_mapping").event_source_arn).toBe(arn);
    expect(out.one("aws_api_gateway_integration").uri).toContain(
      `:sqs:path/\${element(split(":", data.aws_sqs_queue.in.arn), 4)}/\${element(split(":", data.aws_sqs_queue.in.arn), 5)}`,
    );
    const ageAlarm = out.list("aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "ApproximateAgeOfOldestMessage");
    expect(ageAlarm.dimensions).toEqual({ QueueName: '${element(split(":", data.aws_sqs_queue.in.arn), 5)}' });
  });

  it("with a customer KMS key: the created quarantine queue uses it and the roles may", () => {
    const key = "arn:aws:kms:eu-west-1:444455556666:key/queues";
    const { out: keyed } = synthPipeline({ queue: { existing: EXISTING, kmsKeyArn: key } });
    expect(keyed.one("aws_sqs_queue")).toMatchObject({ kms_master_key_id: key, kms_data_key_reuse_period_seconds: 300 });
    const statements = JSON.parse(workerPolicy(keyed).policy).Statement;
    expect(statements.find((s: { Sid: string }) => s.Sid === "UseKeys").Resource).toEqual([key]);
  });

  it("FIFO: the pipeline keeps FIFO behaviour on existing FIFO queues", () => {
    const fifo = {
      queue: { arn: `${QUEUE.arn}.fifo`, url: `${QUEUE.url}.fifo` },
      dlq: { arn: `${DLQ.arn}.fifo`, url: `${DLQ.url}.fifo` },
      maxReceiveCount: 5,
    };
    const { out: fifoOut } = synthPipeline({ queue: { fifo: true, existing: fifo } });
    expect(fifoOut.one("aws_sqs_queue")).toMatchObject({ fifo_queue: true });
    expect(fifoOut.one("aws_sqs_queue").name).toMatch(/\.fifo$/);
    expect(fifoOut.one("aws_lambda_function").environment.variables[WORKER_CONTRACT.fifo.env]).toBe("true");
  });

  describe("queue policies", () => {
    it("managePolicies: true writes a TLS-only policy on each existing queue", () => {
      const { out: managed } = synthPipeline({ queue: { existing: { ...EXISTING, managePolicies: true } } });
      const byUrl = Object.fromEntries(managed.list("aws_sqs_queue_policy").map((p) => [p.queue_url, JSON.parse(p.policy).Statement]));
      expect(byUrl[QUEUE.url]).toEqual([expect.objectContaining({ Sid: "DenyInsecureTransport", Resource: QUEUE.arn })]);
      expect(byUrl[DLQ.url]).toEqual([expect.objectContaining({ Sid: "DenyInsecureTransport", Resource: DLQ.arn })]);
      expect(Object.keys(byUrl)).toHaveLength(3);
    });

    function eventStreamsStack(managePolicies?: boolean): TerraformStack {
      const stack = new TerraformStack(Testing.app(), "events");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
      new ConsumerPipeline(
        stack,
        "orders",
        pipelineProps({ ingress: { kind: "eventStreams", topics: TOPICS }, queue: { existing: { ...EXISTING, managePolicies } } }),
      );
      return stack;
    }

    it("an eventStreams pipeline adds EventBridge's statements to the policies it manages", () => {
      const json = JSON.parse(Testing.synth(eventStreamsStack(true), true));
      const byUrl = Object.fromEntries(
        Object.values(json.resource.aws_sqs_queue_policy as Record<string, { queue_url: string; policy: string }>).map((p) => [
          p.queue_url,
          JSON.parse(p.policy).Statement,
        ]),
      );
      expect(byUrl[QUEUE.url].map((s: { Sid: string }) => s.Sid)).toEqual([
        "DenyInsecureTransport",
        expect.stringMatching(/EventBridge|Events/i),
      ]);
      expect(byUrl[QUEUE.url][1]).toMatchObject({
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: QUEUE.arn,
      });
      expect(byUrl[DLQ.url]).toHaveLength(2);
    });

    it("without a choice, synth fails when the pipeline needs statements on queues it does not own", () => {
      expect(() => Testing.synth(eventStreamsStack(), true)).toThrow(
        /ExistingQueues "events\/orders\/queue": the pipeline needs 2 statement\(s\) on the policies of existing queues \(queue: \{.*"events\.amazonaws\.com".*\}; dlq: \{.*\}\)\. Set managePolicies: true .* or managePolicies: false to add the statements yourself\./,
      );
    });

    it("managePolicies: false: synth succeeds and warns with each statement to add", () => {
      const stack = eventStreamsStack(false);
      expect(() => Testing.synth(stack, true)).not.toThrow();
      const queues = stack.node.findAll().find((c) => c instanceof ExistingQueues) as ExistingQueues;
      expect(queues.pendingStatements.map((p) => p.target)).toEqual(["queue", "dlq"]);
      const warnings = queues.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(
        /^managePolicies is false: add this statement to the policy of the existing main queue yourself, or the pipeline will not work: \{.*"sqs:SendMessage"/,
      );
    });
  });

  it("validation: every problem at once, each naming the prop and the fix", () => {
    const problems = problemsOf(() =>
      synthPipeline({
        worker: { entry: FIXTURE_ENTRY, timeoutSeconds: 60 },
        queue: {
          maxReceiveCount: 3,
          visibilityTimeoutSeconds: 400,
          contentBasedDeduplication: true,
          existing: {
            queue: {
              arn: "arn:aws:sqs:eu-west-1:444455556666:orders.fifo",
              url: "https://sqs.eu-west-1.amazonaws.com/444455556666/orders.fifo",
            },
            dlq: { arn: "arn:aws:sns:eu-west-1:444455556666:topic", url: DLQ.url },
            quarantineQueue: { arn: QUARANTINE.arn, url: DLQ.url },
            maxReceiveCount: 0,
            visibilityTimeoutSeconds: 180,
          },
        },
      }),
    );
    expect(problems).toEqual([
      { prop: "queue.contentBasedDeduplication", message: "applies only to FIFO queues; set fifo: true or remove it." },
      {
        prop: "queue.existing.queue.arn",
        message:
          '"orders.fifo" is a FIFO queue; set queue.fifo: true (the ingress then sets message groups and the worker keeps group order).',
      },
      {
        prop: "queue.existing.dlq.arn",
        message: '"arn:aws:sns:eu-west-1:444455556666:topic" is not an SQS queue ARN; use arn:aws:sqs:<region>:<account>:<queue name>.',
      },
      {
        prop: "queue.existing.quarantineQueue.url",
        message: `"${DLQ.url}" is not the URL of ${QUARANTINE.arn}; it ends in /444455556666/orders-quarantine.`,
      },
      { prop: "queue.existing.maxReceiveCount", message: "0 is outside 1..1000; give the integer in the existing queue's redrive policy." },
      {
        prop: "queue.existing.visibilityTimeoutSeconds",
        message:
          "the existing queue's 180 s is below 6 x worker.timeoutSeconds (60 s) + worker.batchingWindowSeconds (0 s) = 360 s; raise the queue's visibility timeout to at least 360 s or shorten the worker timeout.",
      },
      {
        prop: "queue.visibilityTimeoutSeconds",
        message:
          "configures a queue the pipeline creates, but queue.existing brings existing queues; remove it (give the existing queue's value as queue.existing.visibilityTimeoutSeconds).",
      },
      {
        prop: "queue.contentBasedDeduplication",
        message: "configures a queue the pipeline creates, but queue.existing brings existing queues; remove it.",
      },
      {
        prop: "queue.maxReceiveCount",
        message:
          "configures a queue the pipeline creates, but queue.existing brings existing queues; remove it (give the existing queue's value as queue.existing.maxReceiveCount).",
      },
    ]);
  });

  it("validation: the high-throughput FIFO switch configures a created queue, not an existing one", () => {
    const fifo = {
      queue: { arn: `${QUEUE.arn}.fifo`, url: `${QUEUE.url}.fifo` },
      dlq: { arn: `${DLQ.arn}.fifo`, url: `${DLQ.url}.fifo` },
      maxReceiveCount: 7,
    };
    const problems = problemsOf(() => synthPipeline({ queue: { fifo: true, fifoHighThroughput: false, existing: fifo } }));
    expect(problems).toEqual([
      {
        prop: "queue.fifoHighThroughput",
        message: "configures a queue the pipeline creates, but queue.existing brings existing queues; remove it.",
      },
    ]);
  });

  it("validation: a FIFO pipeline needs FIFO queues, and the DLQ and queue are required", () => {
    const problems = problemsOf(() =>
      synthPipeline({ queue: { fifo: true, existing: { queue: QUEUE, maxReceiveCount: 5 } as unknown as typeof EXISTING } }),
    );
    expect(problems).toEqual([
      {
        prop: "queue.existing.queue.arn",
        message: '"orders-in" is a standard queue but queue.fifo is true; FIFO pipelines need FIFO queues (names ending in .fifo).',
      },
      { prop: "queue.existing.dlq", message: "is required; give the existing queue's arn and url." },
    ]);
  });
});

describe("worker.existingRole", () => {
  it("runs the function as the existing role and attaches the least-privilege policy to it", () => {
    const { out, pipeline } = synthPipeline({ worker: { entry: FIXTURE_ENTRY, existingRole: { arn: ROLE_ARN } } });
    expect(pipeline.worker.role).toBeUndefined();
    expect(pipeline.worker.roleArn).toBe(ROLE_ARN);
    expect(out.list("aws_iam_role").map((r) => r.assume_role_policy)).not.toContainEqual(expect.stringContaining("lambda.amazonaws.com"));
    expect(out.one("aws_lambda_function").role).toBe(ROLE_ARN);
    const policy = workerPolicy(out);
    expect(policy.role).toBe("orders-worker");
    expect(policy.name).toMatch(/^orders-worker-worker-[0-9a-f]{8}$/);
    const sids = (document: string) => JSON.parse(document).Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids(policy.policy)).toEqual(sids(pipeline.worker.policyDocument));
    expect(out.one("aws_lambda_event_source_mapping").depends_on).toEqual([
      `aws_iam_role_policy.${out.id("aws_iam_role_policy", "worker_policy")}`,
    ]);
  });

  it("attaches the VPC and X-Ray managed policies to the existing role when those are on", () => {
    const { out } = synthPipeline({
      worker: {
        entry: FIXTURE_ENTRY,
        tracing: "Active",
        vpc: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] },
        existingRole: { arn: ROLE_ARN },
      },
    });
    const attachments = out.list("aws_iam_role_policy_attachment");
    expect(attachments.map((a) => [a.role, a.policy_arn])).toEqual([
      ["orders-worker", "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"],
      ["orders-worker", "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"],
    ]);
  });

  it("attachPolicies: false attaches nothing and notes what the role must allow", () => {
    let worker!: Worker;
    const out = synth((stack) => {
      worker = new ConsumerPipeline(
        stack,
        "orders",
        pipelineProps({ worker: { entry: FIXTURE_ENTRY, tracing: "Active", existingRole: { arn: ROLE_ARN, attachPolicies: false } } }),
      ).worker;
    });
    expect(workerPolicy(out)).toBeUndefined();
    expect(out.list("aws_iam_role_policy_attachment")).toHaveLength(0);
    expect(out.one("aws_lambda_function").depends_on).toBeUndefined();
    expect(JSON.parse(worker.policyDocument).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "Logs",
      "ConsumeQueue",
      "DeadLetter",
      "IdempotencyTable",
      "ReceiptsTable",
      "ReadSecrets",
    ]);
    expect(worker.managedPolicyArns).toEqual(["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]);
    const infos = worker.node.metadata.filter((m) => m.type === "@cdktf/info").map((m) => String(m.data));
    expect(infos).toEqual([
      `existingRole.attachPolicies is false: the role ${ROLE_ARN} must allow ${worker.policyDocument} and have arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess attached.`,
    ]);
  });

  it("takes a data source's ARN and name", () => {
    const out = synth((stack) => {
      const role = new DataAwsIamRole(stack, "role", { name: "orders-worker" });
      new ConsumerPipeline(
        stack,
        "orders",
        pipelineProps({ worker: { entry: FIXTURE_ENTRY, existingRole: { arn: role.arn, name: role.name } } }),
      );
    });
    expect(out.one("aws_lambda_function").role).toBe("${data.aws_iam_role.role.arn}");
    expect(workerPolicy(out).role).toBe("${data.aws_iam_role.role.name}");
  });

  it("two pipelines sharing one role get inline policies with distinct names", () => {
    const out = synth((stack) => {
      new ConsumerPipeline(stack, "orders", pipelineProps({ worker: { entry: FIXTURE_ENTRY, existingRole: { arn: ROLE_ARN } } }));
      new ConsumerPipeline(stack, "refunds", pipelineProps({ worker: { entry: FIXTURE_ENTRY, existingRole: { arn: ROLE_ARN } } }));
    });
    const names = out
      .list("aws_iam_role_policy")
      .filter((p) => p.role === "orders-worker")
      .map((p) => p.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });

  it("reads the role name from a literal ARN, with or without a path", () => {
    expect(roleNameFromArn(ROLE_ARN)).toBe("orders-worker");
    expect(roleNameFromArn("arn:aws:iam::111122223333:role/plain")).toBe("plain");
    expect(roleNameFromArn("arn:aws-us-gov:iam::111122223333:role/a/b")).toBe("b");
    expect(roleNameFromArn("arn:aws:iam::111122223333:user/plain")).toBeUndefined();
  });

  it("validation: a non-role ARN, a reference without a name, an invalid name", () => {
    const props = (existingRole: NonNullable<ConsumerPipelineProps["worker"]["existingRole"]>) => ({
      worker: { entry: FIXTURE_ENTRY, existingRole },
    });
    expect(problemsOf(() => synthPipeline(props({ arn: "arn:aws:iam::111122223333:policy/x", name: "bad name" })))).toEqual([
      {
        prop: "worker.existingRole.arn",
        message: '"arn:aws:iam::111122223333:policy/x" is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>.',
      },
      { prop: "worker.existingRole.name", message: '"bad name" is not an IAM role name; use up to 64 letters, digits and +=,.@_-.' },
    ]);
    const error = errorOf(() =>
      synth((stack) => {
        const role = new DataAwsIamRole(stack, "role", { name: "orders-worker" });
        new ConsumerPipeline(stack, "orders", pipelineProps(props({ arn: role.arn })));
      }),
    ) as ValidationError;
    expect(error.problems).toEqual([
      {
        prop: "worker.existingRole.name",
        message:
          "is required when existingRole.arn is a Terraform reference and the policies are attached; give the role's name (e.g. DataAwsIamRole.name), or attachPolicies: false.",
      },
    ]);
  });
});

describe("ingress.existingApi", () => {
  const { out, pipeline } = synthPipeline({ ingress: { existingApi: API, path: "genesys/orders", stageName: "orders" } });

  it("adds the webhook to the existing API: no REST API created, every part on its id", () => {
    expect(out.list("aws_api_gateway_rest_api")).toHaveLength(0);
    expect(pipeline.ingress.restApi).toBeUndefined();
    expect(pipeline.ingress.restApiId).toBe(API.id);
    const resources = out.list("aws_api_gateway_resource");
    expect(resources.map((r) => r.path_part).sort()).toEqual(["genesys", "orders"]);
    const first = resources.find((r) => r.path_part === "genesys");
    expect(first.parent_id).toBe(API.rootResourceId);
    expect(resources.find((r) => r.path_part === "orders").parent_id).toBe(
      `\${aws_api_gateway_resource.${out.id("aws_api_gateway_resource", /_resource_[A-F0-9]{8}$/)}.id}`,
    );
    for (const type of [
      "aws_api_gateway_resource",
      "aws_api_gateway_method",
      "aws_api_gateway_integration",
      "aws_api_gateway_request_validator",
      "aws_api_gateway_deployment",
      "aws_api_gateway_stage",
      "aws_api_gateway_method_settings",
    ]) {
      for (const resource of out.list(type)) expect(resource.rest_api_id).toBe(API.id);
    }
    expect(out.one("aws_api_gateway_stage").stage_name).toBe("orders");
    expect(out.one("aws_api_gateway_request_validator").name).toMatch(/^orders-ingress-require-signature-header-[0-9a-f]{8}$/);
  });

  it("keeps the signature requirement, the throttling and the access logs on its own stage", () => {
    expect(out.one("aws_api_gateway_method")).toMatchObject({
      http_method: "POST",
      request_parameters: { "method.request.header.X-Hub-Signature-256": true },
    });
    expect(out.one("aws_api_gateway_method_settings").settings).toMatchObject({
      throttling_rate_limit: 5000,
      throttling_burst_limit: 5000,
    });
    expect(out.find("aws_cloudwatch_log_group", "access-logs").name).toBe("/aws/apigateway/shared-hooks/orders/access");
  });

  it("alarms on the existing API's name and the pipeline's stage", () => {
    const ingressAlarms = out.list("aws_cloudwatch_metric_alarm").filter((a) => a.namespace === "AWS/ApiGateway");
    expect(ingressAlarms).toHaveLength(2);
    for (const alarm of ingressAlarms) expect(alarm.dimensions).toEqual({ ApiName: "shared-hooks", Stage: "orders" });
  });

  it("two pipelines on one existing API, on their own paths and stages, do not collide", () => {
    const shared = synth((stack) => {
      new ConsumerPipeline(stack, "orders", pipelineProps({ ingress: { existingApi: API, path: "orders", stageName: "orders" } }));
      new ConsumerPipeline(stack, "refunds", pipelineProps({ ingress: { existingApi: API, path: "refunds", stageName: "refunds" } }));
    });
    expect(
      shared
        .list("aws_api_gateway_stage")
        .map((s) => s.stage_name)
        .sort(),
    ).toEqual(["orders", "refunds"]);
    const validators = shared.list("aws_api_gateway_request_validator").map((v) => v.name);
    expect(new Set(validators).size).toBe(2);
  });

  it("validation: the id, root resource id and name are required", () => {
    expect(problemsOf(() => synthPipeline({ ingress: { existingApi: { id: "a1b2c3d4e5", rootResourceId: "", name: "" } } }))).toEqual([
      {
        prop: "ingress.existingApi.rootResourceId",
        message: "is required; give the existing REST API's id, rootResourceId and name (e.g. from DataAwsApiGatewayRestApi).",
      },
      {
        prop: "ingress.existingApi.name",
        message: "is required; give the existing REST API's id, rootResourceId and name (e.g. from DataAwsApiGatewayRestApi).",
      },
    ]);
  });
});

it("everything existing at once: queues, role, REST API, tables, secret and topic", () => {
  const tableArn = (name: string) => `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/${name}`;
  const { out } = synthPipeline({
    worker: { entry: FIXTURE_ENTRY, existingRole: { arn: ROLE_ARN } },
    queue: { existing: { ...EXISTING, quarantineQueue: QUARANTINE } },
    ingress: { existingApi: API },
    tables: {
      existing: { idempotency: { name: "idem", arn: tableArn("idem") }, receipts: { name: "receipts", arn: tableArn("receipts") } },
    },
    secrets: { signingSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:signing-AbCdEf` },
    alarms: { topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:oncall` },
  });
  for (const type of [
    "aws_sqs_queue",
    "aws_api_gateway_rest_api",
    "aws_dynamodb_table",
    "aws_secretsmanager_secret",
    "aws_sns_topic",
    "random_password",
  ]) {
    expect([type, out.list(type).length]).toEqual([type, 0]);
  }
  expect(out.list("aws_iam_role").map((r) => JSON.parse(r.assume_role_policy).Statement[0].Principal.Service)).toEqual([
    "apigateway.amazonaws.com",
  ]);
  expect(out.one("aws_lambda_function").role).toBe(ROLE_ARN);
});
