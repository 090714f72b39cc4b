/**
 * The options that plug the finished parts into ConsumerPipeline: the Genesys webhook
 * (`genesysWebhook`), the Event Streams ingress kind (`ingress: { kind: "eventStreams" }`)
 * and the nightly spike (`spikeGenerator`).
 */
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline, ConsumerPipelineProps, GenesysProvider, ValidationError } from "../../lib";
import { LOADGEN_CONTRACT, WORKER_CONTRACT } from "../../lib/runtime";
import { Synthesized, errorOf, pipelineProps, synth } from "./support";

const TOPICS = ["v2.detail.events.conversation.{id}.customer.start"];

/** One pipeline "orders" in a stack with the AWS and genesyscloud providers. */
function synthWithGenesys(props: Partial<ConsumerPipelineProps> = {}): { out: Synthesized; pipeline: ConsumerPipeline } {
  let pipeline!: ConsumerPipeline;
  const out = synth((stack) => {
    new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
    pipeline = new ConsumerPipeline(stack, "orders", pipelineProps(props));
  });
  return { out, pipeline };
}

const ref = (type: string, id: string, attr: string) => `\${${type}.${id}.${attr}}`;

/** The statements of the policy attached to a queue (by the queue's logical id). */
function queuePolicy(out: Synthesized, queueId: string): Record<string, unknown>[] {
  const policy = out.list("aws_sqs_queue_policy").find((p) => p.queue_url === ref("aws_sqs_queue", queueId, "url"));
  return JSON.parse(policy.policy).Statement;
}

/** Problems of the ValidationError `fn` throws. */
function problemsOf(fn: () => unknown) {
  const error = errorOf(fn);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).problems;
}

describe("genesysWebhook", () => {
  const { out, pipeline } = synthWithGenesys({ genesysWebhook: { webhookHeaders: { "X-Tenant": "orders" } } });
  const open = out.one("genesyscloud_conversations_messaging_integrations_open");

  it("points the Open Messaging integration at the ingress stage's invoke URL", () => {
    const stage = out.id("aws_api_gateway_stage", "orders");
    expect(open.outbound_notification_webhook_url).toBe(`${ref("aws_api_gateway_stage", stage, "invoke_url")}/webhook`);
  });

  it("signs with the same random_password the worker verifies with through Secrets Manager", () => {
    const passwordId = Object.keys(out.all("random_password"))[0];
    expect(open.outbound_notification_webhook_signature_secret_token).toBe(ref("random_password", passwordId, "result"));
    const version = out.one("aws_secretsmanager_secret_version");
    expect(version.secret_string).toBe(ref("random_password", passwordId, "result"));
    const secretId = out.id("aws_secretsmanager_secret", "signing");
    expect(version.secret_id).toBe(ref("aws_secretsmanager_secret", secretId, "id"));
    const fn = out.one("aws_lambda_function");
    expect(fn.environment.variables[WORKER_CONTRACT.signatureSecretArn.env]).toBe(ref("aws_secretsmanager_secret", secretId, "arn"));
  });

  it("exposes the integration and creates the settings and supported content profiles it uses", () => {
    expect(pipeline.genesysWebhook).toBeDefined();
    expect(pipeline.genesysWebhook?.integrationId).toMatch(/TOKEN/);
    const settingsId = out.id("genesyscloud_conversations_messaging_settings", "orders");
    const contentId = out.id("genesyscloud_conversations_messaging_supportedcontent", "orders");
    expect(open.messaging_setting_id).toBe(ref("genesyscloud_conversations_messaging_settings", settingsId, "id"));
    expect(open.supported_content_id).toBe(ref("genesyscloud_conversations_messaging_supportedcontent", contentId, "id"));
    expect(JSON.parse(open.webhook_headers)).toEqual({ "X-Tenant": "orders" });
    expect(open.name).toMatch(/orders/);
  });

  it("is off by default: no Genesys resources", () => {
    const { out: plain, pipeline: p } = synthWithGenesys();
    expect(p.genesysWebhook).toBeUndefined();
    expect(plain.list("genesyscloud_conversations_messaging_integrations_open")).toHaveLength(0);
    const { out: off } = synthWithGenesys({ genesysWebhook: false });
    expect(off.list("genesyscloud_conversations_messaging_integrations_open")).toHaveLength(0);
  });

  it("passes existing profile ids and a name through", () => {
    const { out: o } = synthWithGenesys({
      genesysWebhook: { name: "orders-webhook", messagingSettingId: "settings-1", supportedContentId: "content-1" },
    });
    expect(o.one("genesyscloud_conversations_messaging_integrations_open")).toMatchObject({
      name: "orders-webhook",
      messaging_setting_id: "settings-1",
      supported_content_id: "content-1",
    });
    expect(o.list("genesyscloud_conversations_messaging_settings")).toHaveLength(0);
    expect(o.list("genesyscloud_conversations_messaging_supportedcontent")).toHaveLength(0);
  });

  it("uses the custom domain URL when the ingress has one", () => {
    const { out: o } = synthWithGenesys({
      ingress: { customDomain: { domainName: "hooks.example.com", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" } },
      genesysWebhook: {},
    });
    expect(o.one("genesyscloud_conversations_messaging_integrations_open").outbound_notification_webhook_url).toBe(
      "https://hooks.example.com/webhook",
    );
  });

  it("with an existing secret, gives Genesys the explicit secretToken", () => {
    let token = "";
    const out2 = synth((stack) => {
      new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
      const variable = new TerraformVariable(stack, "webhook_secret", { type: "string", sensitive: true });
      token = variable.stringValue;
      new ConsumerPipeline(
        stack,
        "orders",
        pipelineProps({
          secrets: { signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf" },
          genesysWebhook: { secretToken: token },
        }),
      );
    });
    expect(token).toMatch(/TOKEN/);
    expect(out2.one("genesyscloud_conversations_messaging_integrations_open").outbound_notification_webhook_signature_secret_token).toBe(
      "${var.webhook_secret}",
    );
    expect(out2.list("random_password")).toHaveLength(0);
  });

  describe("validation", () => {
    it("an existing secret ARN without secretToken: the token must be given explicitly", () => {
      expect(
        problemsOf(() =>
          synthWithGenesys({ secrets: { signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x" }, genesysWebhook: {} }),
        ),
      ).toEqual([
        {
          prop: "genesysWebhook.secretToken",
          message:
            "is required with secrets.signingSecretArn: Terraform does not know the existing secret's value, so it cannot give it to Genesys. Pass the same raw value the secret holds (e.g. a sensitive TerraformVariable), or remove secrets.signingSecretArn to let the pipeline generate the secret.",
        },
      ]);
    });

    it("a secretToken beside the generated secret, a short literal token, bad headers and both profile forms", () => {
      const error = errorOf(() =>
        synthWithGenesys({
          genesysWebhook: {
            secretToken: "short",
            webhookHeaders: { "X-Hub-Signature-256": "x", "Bad Header": "y" },
            messagingSettingId: "s",
            messagingSettings: {},
            supportedContentId: "c",
            supportedContent: {},
          },
        }),
      );
      expect(error.message).toBe(
        [
          'ConsumerPipeline "stack/orders" has 6 invalid props:',
          "  - genesysWebhook.secretToken: is set while the pipeline generates its signing secret, so Genesys would sign with a value the worker does not know. Remove it (the generated value is used), or pass secrets.signingSecretArn of a secret holding this value.",
          "  - genesysWebhook.secretToken: the secret has 5 characters; Genesys requires more than 15. Use a random secret of at least 16 characters, such as the pipeline's generated signing secret.",
          '  - genesysWebhook.webhookHeaders["X-Hub-Signature-256"]: this header is set by Genesys or HTTP itself. Remove it.',
          '  - genesysWebhook.webhookHeaders["Bad Header"]: the name must be a literal HTTP header name (letters, digits and !#$%&\'*+.^_`|~-). Rename the header.',
          "  - genesysWebhook.messagingSettingId, genesysWebhook.messagingSettings: both are set. Pass the id of an existing profile or the options of one to create, not both.",
          "  - genesysWebhook.supportedContentId, genesysWebhook.supportedContent: both are set. Pass the id of an existing profile or the options of one to create, not both.",
        ].join("\n"),
      );
    });

    it("on an eventStreams pipeline: names the prop", () => {
      expect(problemsOf(() => synthWithGenesys({ ingress: { kind: "eventStreams", topics: TOPICS }, genesysWebhook: {} }))).toEqual([
        {
          prop: "genesysWebhook",
          message:
            'applies to webhook pipelines only; an eventStreams pipeline receives Genesys events through EventBridge. Remove it, or use ingress.kind "webhook".',
        },
      ]);
    });

    it("without a genesyscloud provider in the stack: a synth validation error says how to add one", () => {
      const stack = new TerraformStack(Testing.app(), "no-provider");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new ConsumerPipeline(stack, "orders", pipelineProps({ genesysWebhook: {} }));
      expect(() => Testing.synth(stack, true)).toThrow(
        'ConsumerPipeline "no-provider/orders": genesysWebhook creates Genesys Cloud resources but the stack has no genesyscloud provider; add `new GenesysProvider(stack, "genesys", { awsRegion: "<org region>" })` (credentials from GENESYSCLOUD_OAUTHCLIENT_ID / GENESYSCLOUD_OAUTHCLIENT_SECRET) or pass genesysWebhook.provider.',
      );
    });

    it("a provider declared after the pipeline is found (the check runs at synth)", () => {
      const stack = new TerraformStack(Testing.app(), "late-provider");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new ConsumerPipeline(stack, "orders", pipelineProps({ genesysWebhook: {} }));
      new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
      expect(() => Testing.synth(stack, true)).not.toThrow();
    });
  });
});

describe("ingress kind eventStreams", () => {
  const { out, pipeline } = synthWithGenesys({
    ingress: { kind: "eventStreams", topics: TOPICS, eventSourceSuffix: "orders-events" },
    secrets: { genesysCredentialsSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-AbCdEf" },
  });
  const queueId = out.id("aws_sqs_queue", /^orders_queue_[A-F0-9]{8}$/);
  const dlqId = out.id("aws_sqs_queue", "dlq");

  it("has no API Gateway, no signing secret and no random password", () => {
    const types = Object.keys(out.json.resource);
    expect(types.filter((t) => t.startsWith("aws_api_gateway"))).toEqual([]);
    expect(out.list("aws_secretsmanager_secret")).toHaveLength(0);
    expect(out.list("random_password")).toHaveLength(0);
    expect(pipeline.ingressKind).toBe("eventStreams");
    expect(pipeline.webhookIngress).toBeUndefined();
    expect(pipeline.eventStreams?.eventSourceSuffix).toBe("orders-events");
  });

  it("gives the worker GCX_INGRESS_KIND=eventStreams, no signature secret, and the Genesys credentials", () => {
    const env = out.one("aws_lambda_function").environment.variables;
    expect(env[WORKER_CONTRACT.ingressKind.env]).toBe("eventStreams");
    expect(env[WORKER_CONTRACT.signatureSecretArn.env]).toBeUndefined();
    expect(env[WORKER_CONTRACT.genesysCredentialsSecretArn.env]).toBe(
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-AbCdEf",
    );
    expect(pipeline.genesysCredentialsSecretArn).toBe("arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-AbCdEf");
    const statements = JSON.parse(out.one("aws_iam_role_policy").policy).Statement;
    expect(statements.find((s: { Sid: string }) => s.Sid === "ReadSecrets").Resource).toEqual([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-AbCdEf",
    ]);
  });

  it("targets the pipeline's queue, with the pipeline's (standard) DLQ for failed deliveries", () => {
    const target = out.one("aws_cloudwatch_event_target");
    expect(target.arn).toBe(ref("aws_sqs_queue", queueId, "arn"));
    expect(target.dead_letter_config).toEqual({ arn: ref("aws_sqs_queue", dlqId, "arn") });
    expect(target.sqs_target).toBeUndefined();
  });

  it("adds the rule's allow to the queue's one policy (beside the TLS-only deny), and to the DLQ's", () => {
    const ruleArn = ref("aws_cloudwatch_event_rule", out.id("aws_cloudwatch_event_rule", "orders"), "arn");
    for (const id of [queueId, dlqId]) {
      const statements = queuePolicy(out, id);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: ref("aws_sqs_queue", id, "arn"),
          Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
        }),
      );
    }
    expect(out.list("aws_sqs_queue_policy")).toHaveLength(3);
  });

  it("omits the webhook-only alarms (ingress 4XX/5XX) and keeps the others", () => {
    expect(Object.keys(pipeline.alarms?.alarms ?? {}).sort()).toEqual([
      "dlqNotEmpty",
      "queueAge",
      "workerErrors",
      "workerFailedEvents",
      "workerThrottles",
    ]);
    expect(out.list("aws_cloudwatch_metric_alarm").some((a) => a.namespace === "AWS/ApiGateway")).toBe(false);
    expect(out.one("aws_cloudwatch_dashboard").dashboard_body).not.toContain("AWS/ApiGateway");
  });

  it("webhook-only accessors explain why they have nothing", () => {
    expect(() => pipeline.ingress).toThrow(
      'ConsumerPipeline "stack/orders" has ingress kind "eventStreams" and no ingress: events arrive through EventBridge; see pipeline.eventStreams.',
    );
    expect(() => pipeline.url).toThrow(/has ingress kind "eventStreams" and no ingress/);
    expect(() => pipeline.signingSecret).toThrow(
      'ConsumerPipeline "stack/orders" has ingress kind "eventStreams" and no secrets: EventBridge deliveries are not signed, so no signing secret exists; the Genesys credentials ARN is pipeline.genesysCredentialsSecretArn.',
    );
  });

  it("a FIFO pipeline takes a standard deadLetterQueue of its own and a message group id", () => {
    const { out: o } = synthWithGenesys({
      queue: { fifo: true },
      ingress: {
        kind: "eventStreams",
        topics: TOPICS,
        deadLetterQueue: { queueArn: "arn:aws:sqs:eu-west-1:123456789012:events-dlq" },
        messageGroupId: "genesys",
      },
    });
    const target = o.one("aws_cloudwatch_event_target");
    expect(target.dead_letter_config).toEqual({ arn: "arn:aws:sqs:eu-west-1:123456789012:events-dlq" });
    expect(target.sqs_target).toEqual({ message_group_id: "genesys" });
  });

  it("rejects what needs a webhook, and a FIFO pipeline without a standard dead-letter queue", () => {
    const error = errorOf(() =>
      synthWithGenesys({
        queue: { fifo: true },
        ingress: { kind: "eventStreams", topics: TOPICS },
        secrets: { signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x" },
        alarms: { ingress5xxThreshold: 1 },
        spikeGenerator: {},
      }),
    );
    expect(error.message).toBe(
      [
        'ConsumerPipeline "stack/orders" has 4 invalid props:',
        "  - spikeGenerator: applies to webhook pipelines only; an eventStreams pipeline receives Genesys events through EventBridge. The generator sends signed webhooks to an API Gateway ingress, which this pipeline does not have; remove it.",
        "  - secrets.signingSecretArn: configures the webhook signing secret; an eventStreams pipeline has none (EventBridge deliveries are not signed). Remove it.",
        "  - alarms.ingress5xxThreshold: watches the webhook ingress (API Gateway); an eventStreams pipeline has none. Remove it.",
        "  - ingress.deadLetterQueue: is required with queue.fifo: true: the pipeline's DLQ is then FIFO, and EventBridge rejects FIFO dead-letter queues. Pass a standard queue ({ queueArn, addToResourcePolicy }), or use a standard pipeline queue (the worker is idempotent).",
      ].join("\n"),
    );
  });

  it("without a genesyscloud provider: a synth validation error names ingress.genesysProvider", () => {
    const stack = new TerraformStack(Testing.app(), "events");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new ConsumerPipeline(stack, "orders", pipelineProps({ ingress: { kind: "eventStreams", topics: TOPICS } }));
    expect(() => Testing.synth(stack, true)).toThrow(
      /ingress creates Genesys Cloud resources but the stack has no genesyscloud provider; .* or pass ingress\.genesysProvider\./,
    );
  });
});

describe("spikeGenerator", () => {
  const { out, pipeline } = synthWithGenesys({
    spikeGenerator: { scheduleExpression: "cron(30 2 * * ? *)", scheduleTimezone: "Europe/Paris" },
  });
  const spikeFn = out.find("aws_lambda_function", "spike");
  const env = spikeFn.environment.variables;
  const id = (type: string, fragment: string | RegExp) => out.id(type, fragment);

  it("targets the ingress URL with the pipeline's secret, receipts table, DLQ and quarantine queue", () => {
    expect(pipeline.spikeGenerator).toBeDefined();
    expect(env[LOADGEN_CONTRACT.targetUrl.env]).toBe(
      `${ref("aws_api_gateway_stage", id("aws_api_gateway_stage", "orders"), "invoke_url")}/webhook`,
    );
    expect(env[LOADGEN_CONTRACT.signatureSecretArn.env]).toBe(
      ref("aws_secretsmanager_secret", id("aws_secretsmanager_secret", "signing"), "arn"),
    );
    expect(env[LOADGEN_CONTRACT.receiptsTable.env]).toBe(ref("aws_dynamodb_table", id("aws_dynamodb_table", "receipts"), "name"));
    expect(env[LOADGEN_CONTRACT.dlqUrl.env]).toBe(ref("aws_sqs_queue", id("aws_sqs_queue", "dlq"), "url"));
    expect(env[LOADGEN_CONTRACT.quarantineQueueUrl.env]).toBe(ref("aws_sqs_queue", id("aws_sqs_queue", "quarantine"), "url"));
  });

  it("checks the ingress queue's redrive policy against the DLQ and the worker's maxReceiveCount", () => {
    expect(env[LOADGEN_CONTRACT.queueUrl.env]).toBe(ref("aws_sqs_queue", id("aws_sqs_queue", /^orders_queue_[A-F0-9]+$/), "url"));
    expect(env[LOADGEN_CONTRACT.workerMaxReceiveCount.env]).toBe("10");
    const worker = out.list("aws_lambda_function").find((f) => f !== spikeFn);
    expect(worker.environment.variables.GCX_MAX_RECEIVE_COUNT).toBe(env[LOADGEN_CONTRACT.workerMaxReceiveCount.env]);
  });

  it("its role reaches exactly the pipeline's secret, receipts table and queues", () => {
    const policy = out.list("aws_iam_role_policy").find((p) => p.name === "spike-generator");
    const bySid = Object.fromEntries(
      JSON.parse(policy.policy).Statement.map((s: { Sid: string; Resource: unknown }) => [s.Sid, s.Resource]),
    );
    expect(bySid.ReadSigningSecret).toBe(ref("aws_secretsmanager_secret", id("aws_secretsmanager_secret", "signing"), "arn"));
    expect(bySid.ReadReceipts).toBe(ref("aws_dynamodb_table", id("aws_dynamodb_table", "receipts"), "arn"));
    expect(bySid.DrainQuarantine).toBe(ref("aws_sqs_queue", id("aws_sqs_queue", "quarantine"), "arn"));
    expect(bySid.PeekDlq).toBe(ref("aws_sqs_queue", id("aws_sqs_queue", "dlq"), "arn"));
    expect(bySid.ReadRedrivePolicy).toEqual([
      ref("aws_sqs_queue", id("aws_sqs_queue", /^orders_queue_[A-F0-9]+$/), "arn"),
      ref("aws_sqs_queue", id("aws_sqs_queue", "dlq"), "arn"),
    ]);
  });

  it("its alarms notify the pipeline's topic; the schedule options pass through", () => {
    const topic = ref("aws_sns_topic", id("aws_sns_topic", "orders"), "arn");
    const spikeAlarms = out.list("aws_cloudwatch_metric_alarm").filter((a) => /spike-(failed|errors)/.test(a.alarm_name));
    expect(spikeAlarms).toHaveLength(2);
    for (const alarm of spikeAlarms) expect(alarm.alarm_actions).toEqual([topic]);
    expect(out.one("aws_scheduler_schedule")).toMatchObject({
      schedule_expression: "cron(30 2 * * ? *)",
      schedule_expression_timezone: "Europe/Paris",
    });
    expect(spikeFn.tags).toEqual({ "cdktf-genesys-consumer:pipeline": "stack/orders" });
  });

  it("is off by default", () => {
    const { out: plain } = synthWithGenesys();
    expect(plain.list("aws_scheduler_schedule")).toHaveLength(0);
    expect(plain.list("aws_lambda_function")).toHaveLength(1);
  });

  it("with alarms off and a customer queue key: no alarm action, and the role may decrypt", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234";
    const { out: o } = synthWithGenesys({ alarms: false, queue: { kmsKeyArn: key }, spikeGenerator: {} });
    for (const alarm of o.list("aws_cloudwatch_metric_alarm")) expect(alarm.alarm_actions).toBeUndefined();
    const policy = o.list("aws_iam_role_policy").find((p) => p.name === "spike-generator");
    expect(JSON.parse(policy.policy).Statement).toContainEqual(
      expect.objectContaining({ Sid: "UseKeys", Action: "kms:Decrypt", Resource: [key] }),
    );
  });

  it("an explicit alarm topic wins over the pipeline's", () => {
    const { out: o } = synthWithGenesys({ spikeGenerator: { alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:nightly" } });
    const spikeAlarms = o.list("aws_cloudwatch_metric_alarm").filter((a) => /spike-(failed|errors)/.test(a.alarm_name));
    for (const alarm of spikeAlarms) expect(alarm.alarm_actions).toEqual(["arn:aws:sns:eu-west-1:123456789012:nightly"]);
  });
});
