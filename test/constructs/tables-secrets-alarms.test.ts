import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { ConsumerPipeline, PipelineAlarms, PipelineSecrets, PipelineTables, ValidationError } from "../../lib";
import { dlqRunbookCommand } from "../../lib/constructs/pipeline-alarms";
import { IDEMPOTENCY_TABLE, RECEIPTS_TABLE, WORKER_CONTRACT } from "../../lib/runtime";
import { errorOf, pipelineProps, synth, synthPipeline } from "./support";

describe("PipelineTables", () => {
  it("creates the idempotency and receipts tables in the shared layouts: on-demand, TTL, SSE, PITR", () => {
    const out = synth((stack) => new PipelineTables(stack, "tables"));
    const idempotency = out.find("aws_dynamodb_table", "idempotency");
    const receipts = out.find("aws_dynamodb_table", "receipts");
    expect(idempotency).toMatchObject({
      billing_mode: "PAY_PER_REQUEST",
      hash_key: IDEMPOTENCY_TABLE.partitionKey,
      attribute: [{ name: "id", type: "S" }],
      ttl: { attribute_name: "expiration", enabled: true },
      server_side_encryption: { enabled: true },
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: false,
    });
    expect(receipts).toMatchObject({
      billing_mode: "PAY_PER_REQUEST",
      hash_key: RECEIPTS_TABLE.partitionKey,
      range_key: RECEIPTS_TABLE.sortKey,
      attribute: [
        { name: "runId", type: "S" },
        { name: "seq", type: "N" },
      ],
      ttl: { attribute_name: "ttl", enabled: true },
      server_side_encryption: { enabled: true },
      point_in_time_recovery: { enabled: true },
    });
    expect(idempotency.name).toMatch(/^tables-idempotency-[0-9a-f]{8}$/);
  });

  it("takes a KMS key, PITR off, deletion protection, and no receipts table", () => {
    const out = synth(
      (stack) =>
        new PipelineTables(stack, "tables", {
          kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/t",
          pointInTimeRecovery: false,
          deletionProtection: true,
          receipts: false,
        }),
    );
    expect(out.list("aws_dynamodb_table")).toHaveLength(1);
    expect(out.one("aws_dynamodb_table")).toMatchObject({
      server_side_encryption: { enabled: true, kms_key_arn: "arn:aws:kms:eu-west-1:111122223333:key/t" },
      point_in_time_recovery: { enabled: false },
      deletion_protection_enabled: true,
    });
  });

  it("uses existing tables in a pipeline instead of creating them", () => {
    const { out } = synthPipeline({
      tables: { existing: { idempotency: { name: "idem", arn: "arn:aws:dynamodb:eu-west-1:111122223333:table/idem" } } },
    });
    expect(out.list("aws_dynamodb_table")).toHaveLength(0);
    const env = out.one("aws_lambda_function").environment.variables;
    expect(env[WORKER_CONTRACT.idempotencyTable.env]).toBe("idem");
    expect(env[WORKER_CONTRACT.receiptsTable.env]).toBeUndefined();
  });
});

describe("PipelineSecrets", () => {
  it("generates a 40-character raw secret without special characters and stores it verbatim", () => {
    let secrets!: PipelineSecrets;
    const out = synth((stack) => {
      secrets = new PipelineSecrets(stack, "secrets");
    });
    const password = out.one("random_password");
    expect(password).toMatchObject({ length: 40, special: false });
    const passwordId = out.id("random_password", "signing-secret-value");
    expect(out.one("aws_secretsmanager_secret_version").secret_string).toBe(`\${random_password.${passwordId}.result}`);
    expect(out.one("aws_secretsmanager_secret")).toMatchObject({ recovery_window_in_days: 30 });
    expect(secrets.signingSecret.password).toBeDefined();
    expect(secrets.signingSecret.value).toMatch(/TOKEN/);
    expect(out.json.provider.random).toEqual([{}]);
  });

  it("uses an existing secret ARN and creates nothing", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hook-AbCdEf";
    const { out, pipeline } = synthPipeline({ secrets: { signingSecretArn: arn } });
    expect(out.list("aws_secretsmanager_secret")).toHaveLength(0);
    expect(out.list("random_password")).toHaveLength(0);
    expect(pipeline.signingSecret).toEqual({ arn });
    expect(out.one("aws_lambda_function").environment.variables[WORKER_CONTRACT.signatureSecretArn.env]).toBe(arn);
  });

  it("adds one random provider per stack, or reuses the user's", () => {
    const two = synth((stack) => {
      new ConsumerPipeline(stack, "a", pipelineProps());
      new ConsumerPipeline(stack, "b", pipelineProps());
    });
    expect(two.json.provider.random).toHaveLength(1);
    const own = synth((stack) => {
      new RandomProvider(stack, "mine", { alias: "mine" });
      new ConsumerPipeline(stack, "a", pipelineProps());
    });
    expect(own.json.provider.random).toEqual([{ alias: "mine" }]);
    expect(own.one("random_password").provider).toBe("random.mine");
  });

  it("rejects a secret shorter than 16 characters and a bad recovery window", () => {
    const error = errorOf(() => synthPipeline({ secrets: { signingSecretLength: 12, recoveryWindowInDays: 3 } })) as ValidationError;
    expect(error.problems).toEqual([
      {
        prop: "secrets.signingSecretLength",
        message: "12 characters is too short for an HMAC key; set an integer from 16 to 4096 (default 40).",
      },
      { prop: "secrets.recoveryWindowInDays", message: "3 is not allowed; set 0 (delete at once) or an integer from 7 to 30." },
    ]);
  });
});

describe("PipelineAlarms", () => {
  const { out, pipeline } = synthPipeline({ alarms: { email: "oncall@example.com" } });
  const alarm = (key: string) => out.find("aws_cloudwatch_metric_alarm", `orders_alarms_${key}_`);
  const topicRef = `\${aws_sns_topic.${out.id("aws_sns_topic", "orders_alarms_topic")}.arn}`;
  const queueName = (fragment: string | RegExp) => `\${aws_sqs_queue.${out.id("aws_sqs_queue", fragment)}.name}`;

  it("alarms on every signal with its documented default threshold", () => {
    const expected: Record<string, [string, string, string, number, number, number]> = {
      dlqNotEmpty: ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", 60, 1, 0],
      queueAge: ["AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", 60, 5, 600],
      workerErrors: ["AWS/Lambda", "Errors", "Sum", 300, 1, 5],
      workerThrottles: ["AWS/Lambda", "Throttles", "Sum", 300, 1, 0],
      workerFailedEvents: ["AWS/Lambda", "FailedInvokeEventCount", "Sum", 300, 3, 100],
      ingress5xx: ["AWS/ApiGateway", "5XXError", "Sum", 60, 1, 0],
      ingress4xx: ["AWS/ApiGateway", "4XXError", "Sum", 300, 1, 20],
      ingressBodyTooLarge: ["GenesysConsumer/Ingress", "BodyTooLarge", "Sum", 300, 1, 0],
    };
    expect(out.list("aws_cloudwatch_metric_alarm")).toHaveLength(8);
    for (const [key, [namespace, metric, statistic, period, evaluations, threshold]] of Object.entries(expected)) {
      expect(alarm(key)).toMatchObject({
        namespace,
        metric_name: metric,
        statistic,
        period,
        evaluation_periods: evaluations,
        threshold,
        comparison_operator: "GreaterThanThreshold",
        treat_missing_data: "notBreaching",
        alarm_actions: [topicRef],
        ok_actions: [topicRef],
      });
    }
  });

  it("watches the right resources", () => {
    expect(alarm("dlqNotEmpty").dimensions).toEqual({ QueueName: queueName("orders_queue_dlq_") });
    expect(alarm("queueAge").dimensions).toEqual({ QueueName: queueName(/^orders_queue_[A-F0-9]{8}$/) });
    expect(alarm("workerErrors").dimensions).toEqual({ FunctionName: pipeline.worker.functionName });
    expect(alarm("ingress5xx").dimensions).toEqual({ ApiName: pipeline.ingress.apiName, Stage: "v1" });
    // the metric the ingress's access-log filter publishes (status 413), per API id and stage
    expect(alarm("ingressBodyTooLarge").dimensions).toEqual({
      ApiId: `\${aws_api_gateway_rest_api.${out.id("aws_api_gateway_rest_api", "orders_ingress_api")}.id}`,
      Stage: "v1",
    });
  });

  it("names alarms from the construct path and points the DLQ alarm at the runbook command", () => {
    expect(alarm("dlqNotEmpty").alarm_name).toMatch(/^orders-alarms-dlq-not-empty-[0-9a-f]{8}$/);
    const dlqUrl = `\${aws_sqs_queue.${out.id("aws_sqs_queue", "orders_queue_dlq_")}.url}`;
    expect(alarm("dlqNotEmpty").alarm_description).toContain(`\`${dlqRunbookCommand(dlqUrl)}\``);
    expect(dlqRunbookCommand("https://q")).toBe("npx cdktf-genesys-consumer dlq inspect --queue https://q");
  });

  it("subscribes the email to a new topic and builds the dashboard", () => {
    expect(out.one("aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "oncall@example.com", topic_arn: topicRef });
    const body = out.one("aws_cloudwatch_dashboard").dashboard_body;
    for (const metric of [
      "Count",
      "5XXError",
      "ApproximateNumberOfMessagesVisible",
      "ApproximateAgeOfOldestMessage",
      "Invocations",
      "Errors",
      "Throttles",
      "ConcurrentExecutions",
      "Duration",
    ]) {
      expect(body).toContain(`"${metric}"`);
    }
  });

  it("takes thresholds, an existing topic, no dashboard, or no alarms at all", () => {
    const topicArn = "arn:aws:sns:eu-west-1:111122223333:oncall";
    const custom = synthPipeline({
      alarms: {
        topicArn,
        dlqMessagesThreshold: 2,
        queueAgeThresholdSeconds: 120,
        workerErrorsThreshold: 1,
        workerThrottlesThreshold: 3,
        ingress5xxThreshold: 4,
        ingress4xxThreshold: 100,
        ingressBodyTooLargeThreshold: 5,
        workerFailedEventsThreshold: 6,
        dashboard: false,
      },
    }).out;
    expect(custom.list("aws_sns_topic")).toHaveLength(0);
    expect(custom.list("aws_cloudwatch_dashboard")).toHaveLength(0);
    expect(
      custom
        .list("aws_cloudwatch_metric_alarm")
        .map((a) => a.threshold)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5, 6, 100, 120]);
    expect(custom.list("aws_cloudwatch_metric_alarm").every((a) => a.alarm_actions[0] === topicArn)).toBe(true);
    const none = synthPipeline({ alarms: false });
    expect(none.out.list("aws_cloudwatch_metric_alarm")).toHaveLength(0);
    expect(none.pipeline.alarms).toBeUndefined();
  });

  it("rejects negative thresholds and bad emails", () => {
    const error = errorOf(() =>
      synth(
        (stack) =>
          new PipelineAlarms(stack, "alarms", {
            queue: { name: "q" },
            dlq: { name: "d", url: "u" },
            functionName: "f",
            queueAgeThresholdSeconds: -1,
            email: "oncall",
          }),
      ),
    );
    expect(error.message).toBe(
      'PipelineAlarms "stack/alarms" has 2 invalid props:\n' +
        "  - queueAgeThresholdSeconds: -1 is negative; set 0 or more.\n" +
        '  - email: "oncall" is not an email address; fix or remove it.',
    );
  });
});
