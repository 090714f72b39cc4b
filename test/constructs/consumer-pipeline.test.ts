import { Construct } from "constructs";
import { ConsumerPipeline, PIPELINE_TAG, ValidationError } from "../../lib";
import { NAME_LIMITS, physicalName } from "../../lib/constructs/naming";
import { OTHER_ENTRY, errorOf, physicalNames, pipelineProps, synth, synthPipeline } from "./support";

describe("ConsumerPipeline", () => {
  describe("composition with safe defaults", () => {
    const { out, pipeline } = synthPipeline();

    it("builds every part and exposes it", () => {
      expect(pipeline.ingressKind).toBe("webhook");
      expect(pipeline.ingress.url).toBe(pipeline.url);
      expect(pipeline.queue.dlq).toBeDefined();
      expect(pipeline.worker.function).toBeDefined();
      expect(pipeline.tables.receipts).toBeDefined();
      expect(pipeline.pipelineTables).toBeDefined();
      expect(pipeline.signingSecret.secret).toBeDefined();
      expect(pipeline.alarms?.topic).toBeDefined();
      expect(out.list("aws_sqs_queue")).toHaveLength(3);
      expect(out.list("aws_api_gateway_rest_api")).toHaveLength(1);
      expect(out.list("aws_lambda_function")).toHaveLength(1);
      expect(out.list("aws_dynamodb_table")).toHaveLength(2);
      expect(out.list("aws_cloudwatch_metric_alarm")).toHaveLength(8); // with the ingress body-too-large and the event source mapping alarms
      expect(out.list("aws_api_gateway_account")).toHaveLength(0);
    });

    it("sends the ingress to the main queue the worker consumes", () => {
      const queueId = out.id("aws_sqs_queue", /^orders_queue_[A-F0-9]{8}$/);
      expect(out.one("aws_api_gateway_integration").uri).toContain(`\${aws_sqs_queue.${queueId}.name}`);
      expect(out.one("aws_lambda_event_source_mapping").event_source_arn).toBe(`\${aws_sqs_queue.${queueId}.arn}`);
    });

    it("tags every taggable resource with the pipeline path", () => {
      const taggable = [
        "aws_sqs_queue",
        "aws_lambda_function",
        "aws_iam_role",
        "aws_cloudwatch_log_group",
        "aws_dynamodb_table",
        "aws_secretsmanager_secret",
        "aws_sns_topic",
        "aws_cloudwatch_metric_alarm",
        "aws_api_gateway_rest_api",
        "aws_api_gateway_stage",
        "aws_lambda_event_source_mapping",
      ];
      for (const type of taggable) {
        for (const resource of out.list(type)) expect(resource.tags).toEqual({ [PIPELINE_TAG]: "stack/orders" });
      }
    });
  });

  it("warns when the retries' largest delays can outlast the queue's retention, and only then", () => {
    const warnings = (pipeline: ConsumerPipeline) =>
      pipeline.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    const { pipeline: capped } = synthPipeline({ worker: { ...pipelineProps().worker, backoffMaxSeconds: 43_200 } });
    expect(warnings(capped)).toEqual([
      "worker.backoffMaxSeconds: 9 retries of up to 43200 s (388800 s) can outlast queue.messageRetentionSeconds (345600 s); a message that keeps failing would expire on the queue instead of reaching the DLQ. Raise the retention or lower the cap.",
    ]);
    const { pipeline: retained } = synthPipeline({
      worker: { ...pipelineProps().worker, backoffMaxSeconds: 43_200 },
      queue: { messageRetentionSeconds: 1_209_600 },
    });
    expect(warnings(retained)).toEqual([]);
    const { pipeline: defaults } = synthPipeline();
    expect(warnings(defaults)).toEqual([]);
  });

  it("applies the name prefix and the user's tags everywhere", () => {
    const { out } = synthPipeline({ namePrefix: "prod", tags: { team: "payments" } });
    for (const [, , name] of physicalNames(out)) expect(name.replace(/^\/aws\/(lambda|apigateway)\//, "")).toMatch(/^prod/);
    for (const queue of out.list("aws_sqs_queue")) expect(queue.tags).toEqual({ [PIPELINE_TAG]: "stack/orders", team: "payments" });
  });

  it("never collides: two pipelines in one stack and one nested in a user's construct tree", () => {
    const out = synth((stack) => {
      new ConsumerPipeline(stack, "orders", pipelineProps());
      new ConsumerPipeline(stack, "support", pipelineProps({ worker: { entry: OTHER_ENTRY, handler: "main" } }));
      const team = new Construct(stack, "team");
      new ConsumerPipeline(new Construct(team, "orders"), "orders", pipelineProps());
    });
    const names = physicalNames(out);
    expect(names).toHaveLength(3 * 22);
    const seen = new Map<string, string>();
    for (const [type, , name] of names) {
      const key = `${type}:${name}`;
      expect(seen.has(key)).toBe(false);
      seen.set(key, name);
    }
    expect(out.list("aws_lambda_function")).toHaveLength(3);
    expect(out.json.provider.random).toHaveLength(1);
    expect(Object.keys(out.json.output)).toHaveLength(3);
    // the region and account are read once for the whole stack
    expect(Object.keys(out.json.data.aws_region)).toHaveLength(1);
    expect(Object.keys(out.json.data.aws_caller_identity)).toHaveLength(1);
    const regionRef = `data.aws_region.${Object.keys(out.json.data.aws_region)[0]}.region`;
    for (const integration of out.list("aws_api_gateway_integration")) expect(integration.uri).toContain(regionRef);
    for (const dashboard of out.list("aws_cloudwatch_dashboard")) expect(dashboard.dashboard_body).toContain(regionRef);
  });

  it("keeps names within AWS length limits for deep trees and long ids (truncated + hash)", () => {
    const longId = "a-very-long-construct-identifier-that-goes-on-and-on";
    const out = synth((stack) => {
      new ConsumerPipeline(new Construct(new Construct(stack, longId), longId), longId, pipelineProps({ queue: { fifo: true } }));
    });
    for (const queue of out.list("aws_sqs_queue")) {
      expect(queue.name.length).toBeLessThanOrEqual(NAME_LIMITS.sqsQueue);
      expect(queue.name).toMatch(/-[0-9a-f]{8}\.fifo$/);
    }
    expect(out.one("aws_lambda_function").function_name.length).toBeLessThanOrEqual(NAME_LIMITS.lambdaFunction);
    for (const role of out.list("aws_iam_role")) expect(role.name.length).toBeLessThanOrEqual(NAME_LIMITS.iamRole);
    expect(new Set(out.list("aws_sqs_queue").map((q) => q.name)).size).toBe(3);
  });

  it("derives names from the whole path: the same id in two stacks differs by its hash", () => {
    const names: string[] = [];
    for (const stackId of ["one", "two"]) {
      synth((stack) => {
        const scope = new Construct(stack, stackId);
        names.push(physicalName(scope, { suffix: "queue", maxLength: 80 }));
      });
    }
    expect(names[0]).not.toBe(names[1]);
  });

  describe("validation", () => {
    it("throws one ValidationError listing every problem, each naming the prop and the fix", () => {
      const error = errorOf(() =>
        synthPipeline({
          worker: { entry: pipelineProps().worker.entry, maxConcurrency: 1, timeoutSeconds: 60, batchSize: 20, batchingWindowSeconds: 1 },
          queue: { fifo: true, visibilityTimeoutSeconds: 120, maxMessageSizeBytes: 2 * 1048576 },
          ingress: { throttlingRateLimitPerSecond: 0, extraHeaders: Array.from({ length: 9 }, (_, i) => `X-${i}`) },
          secrets: { signingSecretLength: 8 },
        }),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe(
        [
          'ConsumerPipeline "stack/orders" has 8 invalid props:',
          "  - queue.maxMessageSizeBytes: 2097152 bytes is over the SQS limit of 1 MiB; set at most 1046509 (the default: the DLQ's 1048576 minus 2067 for the x-dead-letter context).",
          "  - queue.visibilityTimeoutSeconds: 120 s is below 6 x worker.timeoutSeconds (60 s) + worker.batchingWindowSeconds (1 s) = 361 s; set at least 361 or leave it unset to derive it.",
          "  - worker.maxConcurrency: 1 is outside 2..1000; set an integer from 2 to 1000 instances (the event source mapping's scaling_config limit).",
          "  - worker.batchingWindowSeconds: 1 s is not allowed with queue.fifo: true (FIFO event sources take no batching window); remove it or use a standard queue.",
          "  - worker.batchSize: 20 is over 10, the largest batch on a FIFO queue; set at most 10.",
          "  - ingress.throttlingRateLimitPerSecond: 0 would reject every webhook (Genesys then gives up after 5 retries); set a rate above 0 requests per second (default 5000).",
          "  - ingress.extraHeaders: 9 headers is more than SQS message attributes allow; keep at most 7 (10 attributes minus x-body-encoding, X-Hub-Signature-256 and x-dead-letter).",
          "  - secrets.signingSecretLength: 8 characters is too short for an HMAC key; set an integer from 16 to 4096 (default 40).",
        ].join("\n"),
      );
    });

    it("rejects an unknown ingress kind and a bad name prefix", () => {
      const error = errorOf(() => synthPipeline({ ingress: { kind: "sns" as "webhook" }, namePrefix: "prod env!" })) as ValidationError;
      expect(error.problems).toEqual([
        { prop: "ingress.kind", message: '"sns" is not an ingress kind; use "webhook" or "eventStreams" (one ingress kind per pipeline).' },
        { prop: "namePrefix", message: '"prod env!" is not a name prefix; use at most 20 letters, digits, - or _.' },
      ]);
    });

    it("accepts the explicit visibility timeout at exactly the rule", () => {
      const { out } = synthPipeline({
        worker: { entry: pipelineProps().worker.entry, timeoutSeconds: 60, batchingWindowSeconds: 1 },
        queue: { visibilityTimeoutSeconds: 361 },
      });
      expect(out.find("aws_sqs_queue", /^orders_queue_[A-F0-9]{8}$/).visibility_timeout_seconds).toBe(361);
    });
  });
});
