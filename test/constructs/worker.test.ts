import { WORKER_CONTRACT } from "../../lib/runtime";
import { ValidationError } from "../../lib";
import { perInstanceRatePerSecond } from "../../lib/constructs/worker";
import { errorOf, pipelineProps, synthPipeline } from "./support";
import { ConsumerPipeline, GenesysProvider } from "../../lib";
import { MAIN_QUEUE, synth } from "./support";

describe("Worker (through ConsumerPipeline)", () => {
  describe("defaults", () => {
    const { out, pipeline } = synthPipeline();
    const fn = out.one("aws_lambda_function");
    const ref = (type: string, fragment: string | RegExp, attr: string) => `\${${type}.${out.id(type, fragment)}.${attr}}`;

    it("runs the bundled entry on nodejs22.x, arm64, 512 MB, 30 s", () => {
      expect(fn).toMatchObject({
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        memory_size: 512,
        timeout: 30,
        handler: "index.handler",
      });
      expect(fn.filename).toMatch(/^assets\/orders_worker_code_[A-F0-9]+\/[0-9a-f]{64}\/archive\.zip$/);
      expect(fn.source_code_hash).toBe(pipeline.worker.bundle.hash);
      expect(fn.reserved_concurrent_executions).toBeUndefined();
      expect(fn.vpc_config).toBeUndefined();
      expect(fn.tracing_config).toEqual({ mode: "PassThrough" });
      expect(fn.function_name).toMatch(/^orders-worker-fn-[0-9a-f]{8}$/);
    });

    it("logs to its own log group, kept 30 days", () => {
      const group = out.find("aws_cloudwatch_log_group", "orders_worker_logs");
      expect(group).toMatchObject({ name: `/aws/lambda/${fn.function_name}`, retention_in_days: 30 });
      expect(fn.logging_config).toEqual({ log_format: "JSON", log_group: ref("aws_cloudwatch_log_group", "orders_worker_logs", "name") });
    });

    it("consumes the queue in batches of 10, no window, 5 instances at most, partial batch responses", () => {
      const mapping = out.one("aws_lambda_event_source_mapping");
      expect(mapping).toMatchObject({
        function_name: ref("aws_lambda_function", "orders_worker_function", "arn"),
        event_source_arn: ref("aws_sqs_queue", MAIN_QUEUE("orders"), "arn"),
        batch_size: 10,
        maximum_batching_window_in_seconds: 0,
        scaling_config: { maximum_concurrency: 5 },
        function_response_types: ["ReportBatchItemFailures"],
      });
      expect(mapping.depends_on).toEqual([`aws_iam_role_policy.${out.id("aws_iam_role_policy", "orders_worker_policy")}`]);
    });

    it("writes the environment through the contract: references and ARNs, 1 request/s per instance", () => {
      const env = fn.environment.variables;
      expect(env).toEqual({
        [WORKER_CONTRACT.ingressKind.env]: "webhook",
        [WORKER_CONTRACT.queueUrl.env]: ref("aws_sqs_queue", MAIN_QUEUE("orders"), "url"),
        [WORKER_CONTRACT.queueArn.env]: ref("aws_sqs_queue", MAIN_QUEUE("orders"), "arn"),
        [WORKER_CONTRACT.dlqUrl.env]: ref("aws_sqs_queue", "orders_queue_dlq_", "url"),
        [WORKER_CONTRACT.quarantineQueueUrl.env]: ref("aws_sqs_queue", "orders_queue_quarantine_", "url"),
        [WORKER_CONTRACT.fifo.env]: "false",
        [WORKER_CONTRACT.maxReceiveCount.env]: "10",
        [WORKER_CONTRACT.signatureSecretArn.env]: ref("aws_secretsmanager_secret", "signing-secret_", "arn"),
        [WORKER_CONTRACT.idempotencyTable.env]: ref("aws_dynamodb_table", "idempotency", "name"),
        [WORKER_CONTRACT.receiptsTable.env]: ref("aws_dynamodb_table", "receipts", "name"),
        [WORKER_CONTRACT.downstreamRatePerSecond.env]: "1",
        // written even at its default, so the function's configuration says what the nightly spike touches
        [WORKER_CONTRACT.syntheticDownstream.env]: "simulate",
      });
    });

    it("grants exactly what the worker needs on its own resources", () => {
      const statements = JSON.parse(out.find("aws_iam_role_policy", "orders_worker_policy").policy).Statement;
      expect(statements).toEqual([
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`${ref("aws_cloudwatch_log_group", "orders_worker_logs", "arn")}:*`],
        },
        {
          Sid: "ConsumeQueue",
          Effect: "Allow",
          Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
          Resource: ref("aws_sqs_queue", MAIN_QUEUE("orders"), "arn"),
        },
        {
          Sid: "DeadLetter",
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: [ref("aws_sqs_queue", "orders_queue_dlq_", "arn"), ref("aws_sqs_queue", "orders_queue_quarantine_", "arn")],
        },
        {
          Sid: "IdempotencyTable",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
          Resource: ref("aws_dynamodb_table", "idempotency", "arn"),
        },
        {
          Sid: "ReceiptsTable",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
          Resource: ref("aws_dynamodb_table", "receipts", "arn"),
        },
        {
          Sid: "ReadSecrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: [ref("aws_secretsmanager_secret", "signing-secret_", "arn")],
        },
      ]);
      expect(JSON.parse(out.find("aws_iam_role", "orders_worker_role").assume_role_policy).Statement[0].Principal).toEqual({
        Service: "lambda.amazonaws.com",
      });
      expect(out.list("aws_iam_role_policy_attachment")).toHaveLength(0);
    });
  });

  describe("a FIFO webhook worker", () => {
    it("may send to its own queue, to move a message it cannot verify yet out of its message group; a standard one may not", () => {
      const statementsOf = (synthesized: ReturnType<typeof synthPipeline>["out"]) =>
        JSON.parse(synthesized.find("aws_iam_role_policy", "orders_worker_policy").policy).Statement as { Sid: string }[];
      const { out: fifo } = synthPipeline({ queue: { fifo: true } });
      expect(statementsOf(fifo).find((s) => s.Sid === "SetAside")).toEqual({
        Sid: "SetAside",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: `\${aws_sqs_queue.${fifo.id("aws_sqs_queue", MAIN_QUEUE("orders"))}.arn}`,
      });
      expect(statementsOf(synthPipeline().out).map((s) => s.Sid)).not.toContain("SetAside");
    });
  });

  describe("overrides", () => {
    it("takes the function settings, VPC and active tracing (with their managed policies)", () => {
      const { out } = synthPipeline({
        worker: {
          entry: pipelineProps().worker.entry,
          handler: "main",
          runtime: "nodejs20.x",
          memorySizeMb: 1024,
          timeoutSeconds: 60,
          architecture: "x86_64",
          reservedConcurrency: 25,
          maxConcurrency: 20,
          vpc: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] },
          tracing: "Active",
          logRetentionDays: 90,
          environment: { CRM_URL: "https://crm.example.com" },
        },
      });
      const fn = out.one("aws_lambda_function");
      expect(fn).toMatchObject({
        handler: "index.main",
        runtime: "nodejs20.x",
        memory_size: 1024,
        timeout: 60,
        architectures: ["x86_64"],
        reserved_concurrent_executions: 25,
      });
      expect(fn.vpc_config).toEqual({ subnet_ids: ["subnet-1"], security_group_ids: ["sg-1"] });
      expect(fn.tracing_config).toEqual({ mode: "Active" });
      expect(fn.environment.variables.CRM_URL).toBe("https://crm.example.com");
      expect(out.find("aws_cloudwatch_log_group", "orders_worker_logs").retention_in_days).toBe(90);
      expect(
        out
          .list("aws_iam_role_policy_attachment")
          .map((a) => a.policy_arn)
          .sort(),
      ).toEqual([
        "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
      ]);
      expect(out.find("aws_sqs_queue", MAIN_QUEUE("orders")).visibility_timeout_seconds).toBe(360);
    });

    it("takes batching, concurrency and the downstream budget (per-minute budget / 60 / instances)", () => {
      const { out, pipeline } = synthPipeline({
        worker: {
          entry: pipelineProps().worker.entry,
          batchSize: 50,
          batchingWindowSeconds: 2,
          maxConcurrency: 20,
          downstreamRequestsPerMinute: 1200,
          downstreamBurst: 3,
        },
      });
      expect(out.one("aws_lambda_event_source_mapping")).toMatchObject({
        batch_size: 50,
        maximum_batching_window_in_seconds: 2,
        scaling_config: { maximum_concurrency: 20 },
      });
      const env = out.one("aws_lambda_function").environment.variables;
      expect(env[WORKER_CONTRACT.downstreamRatePerSecond.env]).toBe("1");
      expect(env[WORKER_CONTRACT.downstreamBurst.env]).toBe("3");
      expect(pipeline.worker.downstreamRatePerSecond).toBe(1);
      expect(out.find("aws_sqs_queue", MAIN_QUEUE("orders")).visibility_timeout_seconds).toBe(182);
      expect(perInstanceRatePerSecond(300, 7)).toBe(0.7143);
    });

    it("passes the Genesys settings and the credentials secret ARN (never a value)", () => {
      const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:genesys-oauth-AbCdEf";
      const { out } = synthPipeline({
        secrets: { genesysCredentialsSecretArn: arn },
        genesys: { region: "eu-central-1", apiBaseUrl: "http://127.0.0.1:9999", loginBaseUrl: "http://127.0.0.1:9998" },
      });
      const env = out.one("aws_lambda_function").environment.variables;
      expect(env[WORKER_CONTRACT.genesysCredentialsSecretArn.env]).toBe(arn);
      expect(env[WORKER_CONTRACT.genesysRegion.env]).toBe("eu-central-1");
      expect(env[WORKER_CONTRACT.genesysApiBaseUrl.env]).toBe("http://127.0.0.1:9999");
      expect(env[WORKER_CONTRACT.genesysLoginBaseUrl.env]).toBe("http://127.0.0.1:9998");
      const secrets = JSON.parse(out.find("aws_iam_role_policy", "orders_worker_policy").policy).Statement.find(
        (s: { Sid: string }) => s.Sid === "ReadSecrets",
      );
      expect(secrets.Resource).toContain(arn);
    });

    it("writes the replay window to the contract only when given (the runtime's default is 900 s; 0 turns it off)", () => {
      const env = (replayWindowSeconds?: number) =>
        synthPipeline({ worker: { entry: pipelineProps().worker.entry, replayWindowSeconds } }).out.one("aws_lambda_function").environment
          .variables;
      expect(env()[WORKER_CONTRACT.replayWindowSeconds.env]).toBeUndefined();
      expect(env(1800)[WORKER_CONTRACT.replayWindowSeconds.env]).toBe("1800");
      expect(env(0)[WORKER_CONTRACT.replayWindowSeconds.env]).toBe("0");
      expect(env(86_100)[WORKER_CONTRACT.replayWindowSeconds.env]).toBe("86100");
    });

    it("writes FIFO to the contract and sets no batching window on a FIFO mapping", () => {
      const { out } = synthPipeline({ queue: { fifo: true } });
      expect(out.one("aws_lambda_function").environment.variables[WORKER_CONTRACT.fifo.env]).toBe("true");
      expect(out.one("aws_lambda_event_source_mapping").maximum_batching_window_in_seconds).toBeUndefined();
    });
  });

  describe("validation", () => {
    const problemsOf = (worker: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      (
        errorOf(() =>
          synth(
            (stack) =>
              new ConsumerPipeline(
                stack,
                "orders",
                pipelineProps({ ...extra, worker: { entry: pipelineProps().worker.entry, ...worker } }),
              ),
          ),
        ) as ValidationError
      ).problems;

    it("rejects a maximum concurrency outside 2..1000", () => {
      const message = (v: number) => ({
        prop: "worker.maxConcurrency",
        message: `${v} is outside 2..1000; set an integer from 2 to 1000 instances (the event source mapping's scaling_config limit).`,
      });
      expect(problemsOf({ maxConcurrency: 1 })).toEqual([message(1)]);
      expect(problemsOf({ maxConcurrency: 1001 })).toEqual([message(1001)]);
    });

    it("rejects a batching window and batches over 10 on FIFO queues", () => {
      expect(problemsOf({ batchingWindowSeconds: 1, batchSize: 11 }, { queue: { fifo: true } })).toEqual([
        {
          prop: "worker.batchingWindowSeconds",
          message:
            "1 s is not allowed with queue.fifo: true (FIFO event sources take no batching window); remove it or use a standard queue.",
        },
        { prop: "worker.batchSize", message: "11 is over 10, the largest batch on a FIFO queue; set at most 10." },
      ]);
    });

    it("rejects a replay window other than 0 or 300..(idempotency TTL - 300), and one on an eventStreams pipeline", () => {
      const message = (value: number, max = 86_100, ttl = 86_400) => ({
        prop: "worker.replayWindowSeconds",
        message: `${value} is not a replay window; set 0 (off) or an integer from 300 (Genesys retries a webhook for about 85 s) to ${max} seconds (idempotencyTtlSeconds ${ttl} less the 300 s clock-skew allowance, so a replay the window accepts still meets its idempotency record).`,
      });
      expect(problemsOf({ replayWindowSeconds: 299 })).toEqual([message(299)]);
      expect(problemsOf({ replayWindowSeconds: 86_101 })).toEqual([message(86_101)]);
      expect(problemsOf({ replayWindowSeconds: 900.5 })).toEqual([message(900.5)]);
      expect(problemsOf({ replayWindowSeconds: 3600, idempotencyTtlSeconds: 3600 })).toEqual([message(3600, 3300, 3600)]);
      const events = errorOf(() =>
        synth((stack) => {
          new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
          new ConsumerPipeline(
            stack,
            "orders",
            pipelineProps({
              ingress: { kind: "eventStreams", topics: ["v2.detail.events.conversation.{id}.customer.start"] },
              worker: { entry: pipelineProps().worker.entry, replayWindowSeconds: 900 },
            }),
          );
        }),
      ) as ValidationError;
      expect(events.constructType).toBe("ConsumerPipeline");
      expect(events.problems).toEqual([
        {
          prop: "worker.replayWindowSeconds",
          message: "applies to webhook pipelines only (an Event Streams event carries no signed time); remove it.",
        },
      ]);
    });

    it("rejects batches over 10 without a batching window", () => {
      expect(problemsOf({ batchSize: 20 })).toEqual([
        {
          prop: "worker.batchSize",
          message: "20 is over 10 without a batching window; set batchingWindowSeconds to at least 1 or batchSize to at most 10.",
        },
      ]);
    });

    it("rejects reserved concurrency below the maximum concurrency, reserved environment names and bad settings", () => {
      expect(
        problemsOf({
          reservedConcurrency: 3,
          maxConcurrency: 10,
          environment: { GCX_QUEUE_URL: "x" },
          timeoutSeconds: 901,
          logRetentionDays: 10,
          downstreamRequestsPerMinute: 0,
        }),
      ).toEqual([
        { prop: "worker.timeoutSeconds", message: "901 is outside 1..900; set an integer from 1 to 900 seconds." },
        {
          prop: "worker.logRetentionDays",
          message:
            "10 days is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
        },
        {
          prop: "worker.reservedConcurrency",
          message: "3 is below maxConcurrency (10), so the function would be throttled; set at least 10 or lower maxConcurrency.",
        },
        {
          prop: "worker.downstreamRequestsPerMinute",
          message: "0 leaves no downstream budget; set a positive number of requests per minute (Genesys default: 300).",
        },
        {
          prop: "worker.environment.GCX_QUEUE_URL",
          message: "names starting with GCX_ are reserved for the construct's contract; rename it.",
        },
      ]);
    });
  });
});
