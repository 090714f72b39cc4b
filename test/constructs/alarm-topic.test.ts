/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON is untyped. */
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { ConsumerPipeline, PipelineAlarms } from "../../lib";
import { errorOf, pipelineProps, synth, synthPipeline } from "./support";

describe("the alarm topic of a pipeline", () => {
  it("is created by default: alarms.topic is the SnsTopic, and alarmTopicArn (= alarms.topicArn) its ARN", () => {
    const { out, pipeline } = synthPipeline();
    const topicRef = `\${aws_sns_topic.${out.id("aws_sns_topic", "orders_alarms_topic")}.arn}`;
    expect(pipeline.alarms?.topic).toBeDefined();
    const arn: string = pipeline.alarmTopicArn;
    expect(arn).toBe(pipeline.alarms?.topicArn);
    expect(out.list("aws_cloudwatch_metric_alarm")).toHaveLength(8);
    for (const alarm of out.list("aws_cloudwatch_metric_alarm")) {
      expect(alarm.alarm_actions).toEqual([topicRef]);
      expect(alarm.ok_actions).toEqual([topicRef]);
    }
  });

  it("is yours with alarms.topicArn: alarms.topic is undefined, alarmTopicArn is your ARN, no topic is created", () => {
    const mine = "arn:aws:sns:eu-west-1:111122223333:platform-alarms";
    const { out, pipeline } = synthPipeline({ alarms: { topicArn: mine } });
    expect(pipeline.alarms?.topic).toBeUndefined();
    expect(pipeline.alarms?.topicArn).toBe(mine);
    expect(pipeline.alarmTopicArn).toBe(mine);
    expect(out.list("aws_sns_topic")).toEqual([]);
    for (const alarm of out.list("aws_cloudwatch_metric_alarm")) expect(alarm.alarm_actions).toEqual([mine]);
  });

  it("does not exist with alarms: false: alarms is undefined and alarmTopicArn throws", () => {
    const { out, pipeline } = synthPipeline({ alarms: false });
    expect(pipeline.alarms).toBeUndefined();
    expect(out.list("aws_sns_topic")).toEqual([]);
    expect(errorOf(() => pipeline.alarmTopicArn).message).toBe(
      'ConsumerPipeline "stack/orders" has alarms: false and no alarm topic: no alarms were created; read pipeline.alarms?.topicArn in code that handles both.',
    );
  });
});

describe("the created alarm topic is encrypted with its own key and TLS only", () => {
  const ACCOUNT = "${data.aws_caller_identity.gcx-aws-account.account_id}";
  const REGION = "${data.aws_region.gcx-aws-region.region}";
  const PARTITION = "${data.aws_partition.gcx-aws-partition.partition}";
  const { out, pipeline } = synthPipeline();
  const topicRef = `\${aws_sns_topic.${out.id("aws_sns_topic", "orders_alarms_topic_")}.arn}`;
  const KEY_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
  ];

  it("a customer managed key, rotated, 30-day deletion window, encrypts the topic", () => {
    const key = out.one("aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(out.one("aws_sns_topic").kms_master_key_id).toBe(`\${aws_kms_key.${out.id("aws_kms_key", "orders_alarms_topic-key_")}.arn}`);
    expect(pipeline.alarms?.topicKey).toBeDefined();
    expect(pipeline.alarms?.topicPolicy).toBeDefined();
  });

  it("key policy: the account administers (no cryptographic use), CloudWatch may Decrypt and GenerateDataKey*, the account may use it through SNS only", () => {
    expect(JSON.parse(out.one("aws_kms_key").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` },
          Action: KEY_ADMIN_ACTIONS,
          Resource: "*",
        },
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
        },
        {
          Sid: "AccountUsesKeyThroughSns",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": `sns.${REGION}.amazonaws.com` } },
        },
      ],
    });
  });

  it("topic policy: CloudWatch alarms of this account and region may publish; publishing without TLS is denied", () => {
    const policy = out.one("aws_sns_topic_policy");
    expect(policy.arn).toBe(topicRef);
    expect(JSON.parse(policy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topicRef,
          Condition: {
            ArnLike: { "aws:SourceArn": `arn:${PARTITION}:cloudwatch:${REGION}:${ACCOUNT}:alarm:*` },
            StringEquals: { "aws:SourceAccount": ACCOUNT },
          },
        },
        {
          Sid: "DenyPublishWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: topicRef,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("your key (topicKmsKeyArn) is used instead: no key is created, the topic policy still is", () => {
    const mine = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { out: o, pipeline: p } = synthPipeline({ alarms: { topicKmsKeyArn: mine } });
    expect(o.list("aws_kms_key")).toEqual([]);
    expect(p.alarms?.topicKey).toBeUndefined();
    expect(o.one("aws_sns_topic").kms_master_key_id).toBe(mine);
    expect(JSON.parse(o.one("aws_sns_topic_policy").policy).Statement.map((s: any) => s.Sid)).toEqual([
      "CloudWatchAlarmsPublish",
      "DenyPublishWithoutTls",
    ]);
  });

  it("your topic (topicArn): no key, no topic, no topic policy", () => {
    const { out: o, pipeline: p } = synthPipeline({ alarms: { topicArn: "arn:aws:sns:eu-west-1:111122223333:platform-alarms" } });
    for (const type of ["aws_kms_key", "aws_sns_topic", "aws_sns_topic_policy"]) expect(o.list(type)).toEqual([]);
    expect(p.alarms?.topicKey).toBeUndefined();
    expect(p.alarms?.topicPolicy).toBeUndefined();
  });

  it("topicKeyDeletionWindowDays sets KMS's waiting period, 7..30, and only when a key is created", () => {
    const { out: o } = synthPipeline({ alarms: { topicKeyDeletionWindowDays: 7 } });
    expect(o.one("aws_kms_key").deletion_window_in_days).toBe(7);
    const alarms = (props: Record<string, unknown>) => () =>
      synth(
        (stack) => new PipelineAlarms(stack, "alarms", { queue: { name: "q" }, dlq: { name: "d", url: "u" }, functionName: "f", ...props }),
      );
    expect(errorOf(alarms({ topicKeyDeletionWindowDays: 6 })).message).toBe(
      'PipelineAlarms "stack/alarms" has 1 invalid prop:\n' +
        "  - topicKeyDeletionWindowDays: 6 is outside 7..30; set a whole number of days (KMS's waiting period).",
    );
    expect(errorOf(alarms({ topicKeyDeletionWindowDays: 7, topicArn: "arn:aws:sns:eu-west-1:111122223333:t" })).message).toContain(
      "  - topicKeyDeletionWindowDays: has no effect with topicArn (no topic key is created); remove it.",
    );
    expect(errorOf(() => synthPipeline({ alarms: { topicKeyDeletionWindowDays: 31 } })).message).toContain(
      "  - alarms.topicKeyDeletionWindowDays: 31 is outside 7..30",
    );
  });
});

describe("an alarm topic nobody is subscribed to is a synth warning", () => {
  const NO_SUBSCRIBER =
    "email / topicArn: the alarm topic has no subscription, so the alarms page no one. Set email (alarms.email on a ConsumerPipeline; each address confirms its subscription), subscribe your pager or chat to the topic (an aws_sns_topic_subscription on pipeline.alarmTopicArn), or pass topicArn (alarms.topicArn) of a topic that already notifies on-call.";
  const warnings = (pipeline: { alarms?: PipelineAlarms }) =>
    (pipeline.alarms?.node.metadata ?? []).filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));

  it("warns with the fix when the created topic has no subscription and no topicArn is given", () => {
    const { pipeline } = synthPipeline();
    expect(warnings(pipeline)).toEqual([NO_SUBSCRIBER]);
  });

  it("is silenced by an email subscription, by your own topic, or by a subscription added after the pipeline", () => {
    expect(warnings(synthPipeline({ alarms: { email: "oncall@example.com" } }).pipeline)).toEqual([]);
    expect(warnings(synthPipeline({ alarms: { topicArn: "arn:aws:sns:eu-west-1:111122223333:platform-alarms" } }).pipeline)).toEqual([]);
    let pipeline!: ConsumerPipeline;
    const out = synth((stack) => {
      pipeline = new ConsumerPipeline(stack, "orders", pipelineProps());
      new SnsTopicSubscription(stack, "pager", {
        topicArn: pipeline.alarmTopicArn,
        protocol: "https",
        endpoint: "https://events.pagerduty.example/integration/x/enqueue",
      });
    });
    expect(out.list("aws_sns_topic_subscription")).toHaveLength(1);
    expect(warnings(pipeline)).toEqual([]);
  });

  it("is not silenced by a subscription to another topic", () => {
    let pipeline!: ConsumerPipeline;
    synth((stack) => {
      pipeline = new ConsumerPipeline(stack, "orders", pipelineProps());
      new SnsTopicSubscription(stack, "other", {
        topicArn: "arn:aws:sns:eu-west-1:111122223333:other",
        protocol: "email",
        endpoint: "a@example.com",
      });
    });
    expect(warnings(pipeline)).toEqual([NO_SUBSCRIBER]);
  });
});

describe("the worker's event source mapping metrics", () => {
  const { out, pipeline } = synthPipeline({ alarms: { email: "oncall@example.com" } });
  const mappingId = out.id("aws_lambda_event_source_mapping", "orders_worker_event-source");
  const uuidRef = `\${aws_lambda_event_source_mapping.${mappingId}.uuid}`;

  it('are turned on: metrics_config { metrics = ["EventCount"] } on the mapping', () => {
    expect(out.one("aws_lambda_event_source_mapping").metrics_config).toEqual({ metrics: ["EventCount"] });
  });

  it("FailedInvokeEventCount is alarmed per mapping (dimension EventSourceMappingUUID = the mapping's uuid), 3 periods of 5 minutes", () => {
    const alarm = out.find("aws_cloudwatch_metric_alarm", "orders_alarms_workerFailedEvents_");
    expect(alarm).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "FailedInvokeEventCount",
      dimensions: { EventSourceMappingUUID: uuidRef },
      statistic: "Sum",
      period: 300,
      evaluation_periods: 3,
      threshold: 100,
      comparison_operator: "GreaterThanThreshold",
    });
    expect(pipeline.alarms?.alarms.workerFailedEvents).toBeDefined();
    expect(out.list("aws_cloudwatch_metric_alarm").map((a) => a.metric_name)).not.toContain("DroppedEventCount");
  });

  it("the threshold is an option, checked like the others", () => {
    const { out: o } = synthPipeline({ alarms: { email: "oncall@example.com", workerFailedEventsThreshold: 10 } });
    expect(o.find("aws_cloudwatch_metric_alarm", "orders_alarms_workerFailedEvents_").threshold).toBe(10);
    expect(errorOf(() => synthPipeline({ alarms: { workerFailedEventsThreshold: -1 } })).message).toContain(
      "  - alarms.workerFailedEventsThreshold: -1 is negative; set 0 or more.",
    );
  });

  it("the dashboard charts the events an SQS mapping reports: polled, invoked, failed, deleted", () => {
    const widgets = JSON.parse(out.one("aws_cloudwatch_dashboard").dashboard_body).widgets as any[];
    const esm = widgets.find((w) => String(w.properties.title).startsWith("Event source mapping"));
    expect(esm.properties.metrics).toEqual([
      ["AWS/Lambda", "PolledEventCount", "EventSourceMappingUUID", uuidRef],
      [".", "InvokedEventCount", ".", "."],
      [".", "FailedInvokeEventCount", ".", "."],
      [".", "DeletedEventCount", ".", "."],
    ]);
  });

  it("an eventStreams pipeline's worker mapping gets them too", () => {
    const { out: o } = synthPipeline({
      ingress: { kind: "eventStreams", topics: ["v2.detail.events.conversation.{id}.customer.start"] },
      alarms: { email: "oncall@example.com" },
    });
    expect(o.one("aws_lambda_event_source_mapping").metrics_config).toEqual({ metrics: ["EventCount"] });
    expect(o.find("aws_cloudwatch_metric_alarm", "orders_alarms_workerFailedEvents_").metric_name).toBe("FailedInvokeEventCount");
  });
});
