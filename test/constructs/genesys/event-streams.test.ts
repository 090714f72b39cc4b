/**
 * GenesysEventStreams: the amazon-eventbridge-source integration, the partner event bus,
 * the topic rule, the queue target with its dead-letter queue and retry policy, and the
 * queue-policy statement that allows only that rule.
 */
import { TerraformOutput, TerraformStack } from "cdktf";
import { GenesysEventStreams, GenesysEventStreamsProps, topicMatcher, topicsEventPattern } from "../../../lib/constructs/genesys";
import { PolicyStatement } from "../../../lib/constructs/policy";
import { newStack, only, problemsOf, synthJson } from "./helpers";

const QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders";
const DLQ_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders-dlq";
const TOPICS = ["v2.detail.events.conversation.{id}.customer.start", "v2.detail.events.conversation.{id}.customer.end"];

function queues(opts: { fifo?: boolean; dlqFifo?: boolean; dlqPolicy?: boolean } = {}) {
  const queueStatements: PolicyStatement[] = [];
  const dlqStatements: PolicyStatement[] = [];
  return {
    queueStatements,
    dlqStatements,
    queue: {
      queueArn: QUEUE_ARN,
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/orders",
      fifo: opts.fifo,
      addToResourcePolicy: (s: PolicyStatement) => queueStatements.push(s),
    },
    deadLetterQueue: {
      queueArn: DLQ_ARN,
      fifo: opts.dlqFifo,
      addToResourcePolicy: opts.dlqPolicy === false ? undefined : (s: PolicyStatement) => dlqStatements.push(s),
    },
  };
}

function streams(props: Partial<GenesysEventStreamsProps> = {}, opts: Parameters<typeof queues>[0] = {}, stackId = "test") {
  const { stack } = newStack(stackId);
  const q = queues(opts);
  const construct = new GenesysEventStreams(stack, "events", {
    queue: q.queue,
    deadLetterQueue: q.deadLetterQueue,
    topics: TOPICS,
    ...props,
  });
  return { stack, construct, json: synthJson(stack), ...q };
}

describe("GenesysEventStreams", () => {
  test("the integration carries typed properties; account and region default to the data sources", () => {
    const { json } = streams({ eventSourceSuffix: "orders-prod" });
    const integration = only(json, "resource", "genesyscloud_integration");
    expect(integration.integration_type).toBe("amazon-eventbridge-source");
    expect(integration.intended_state).toBe("ENABLED");
    expect(integration.config).toHaveLength(1);
    const properties: string = integration.config[0].properties;
    // Tokens inside: rendered with jsonencode so the JSON stays valid whatever they resolve to.
    expect(properties).toMatch(/^\$\{jsonencode\(\{/);
    expect(properties).toMatch(/"awsAccountId" = data\.aws_caller_identity\.[^.]+\.account_id/);
    expect(properties).toMatch(/"awsAccountRegion" = data\.aws_region\.[^.]+\.region/);
    expect(properties).toContain('"eventSourceSuffix" = "orders-prod"');
    expect(properties).toContain(
      '"eventFilter" = ["v2.detail.events.conversation.{id}.customer.start", "v2.detail.events.conversation.{id}.customer.end"]',
    );
    expect(integration.config[0].advanced).toBe("{}");
    expect(integration.config[0].notes).toBe("Managed by cdktf-genesys-consumer (test/events)");
    expect(Object.keys(json.data).sort()).toEqual(["aws_caller_identity", "aws_region", "genesyscloud_organizations_me"]);
  });

  test("literal account and region give a plain JSON string that parses back", () => {
    const { json } = streams({
      awsAccountId: "123456789012",
      awsAccountRegion: "eu-west-1",
      eventSourceSuffix: "orders",
      organizationId: "org-1",
    });
    const properties = JSON.parse(only(json, "resource", "genesyscloud_integration").config[0].properties);
    expect(properties).toEqual({
      awsAccountId: "123456789012",
      awsAccountRegion: "eu-west-1",
      eventSourceSuffix: "orders",
      eventFilter: TOPICS,
    });
    // No data source is read when everything is given.
    expect(json.data).toBeUndefined();
  });

  test("the partner event bus is named after the org and the suffix and waits for the integration", () => {
    const { json, construct } = streams({ eventSourceSuffix: "orders-prod" });
    const bus = only(json, "resource", "aws_cloudwatch_event_bus");
    const org = Object.keys(json.data.genesyscloud_organizations_me)[0];
    const expected = `aws.partner/genesys.com/cloud/\${data.genesyscloud_organizations_me.${org}.id}/orders-prod`;
    expect(bus.name).toBe(expected);
    expect(bus.event_source_name).toBe(expected);
    const integration = Object.keys(json.resource.genesyscloud_integration)[0];
    expect(bus.depends_on).toEqual([`genesyscloud_integration.${integration}`]);
    expect(construct.eventSourceSuffix).toBe("orders-prod");
  });

  test("a given org id names the bus literally", () => {
    const { json } = streams({ eventSourceSuffix: "orders", organizationId: "9f0c1b2a-org" });
    expect(only(json, "resource", "aws_cloudwatch_event_bus").name).toBe("aws.partner/genesys.com/cloud/9f0c1b2a-org/orders");
  });

  test("the rule matches the topics on detail.topicName on the partner bus", () => {
    const { json } = streams({
      topics: ["v2.users.{id}.presence", "v2.analytics.flow.{id}", "v2.system.status", "v2.users.{id}.presence"],
    });
    const rule = only(json, "resource", "aws_cloudwatch_event_rule");
    expect(JSON.parse(rule.event_pattern)).toEqual({
      detail: { topicName: [{ wildcard: "v2.users.*.presence" }, { prefix: "v2.analytics.flow." }, "v2.system.status"] },
    });
    const bus = Object.keys(json.resource.aws_cloudwatch_event_bus)[0];
    expect(rule.event_bus_name).toBe(`\${aws_cloudwatch_event_bus.${bus}.name}`);
    expect(rule.state).toBe("ENABLED");
    expect(rule.name).toBe("test-events");
  });

  test("topic matchers: exact, prefix for a trailing placeholder, wildcard for inner ones", () => {
    expect(topicMatcher("v2.system.status")).toBe("v2.system.status");
    expect(topicMatcher("v2.routing.queues.{id}")).toEqual({ prefix: "v2.routing.queues." });
    expect(topicMatcher("v2.audits.entitytype.{id}.entityid.{id}")).toEqual({ wildcard: "v2.audits.entitytype.*.entityid.*" });
    expect(topicMatcher("v2.detail.events.conversation.{id}.customer.start")).toEqual({
      wildcard: "v2.detail.events.conversation.*.customer.start",
    });
    expect(topicsEventPattern(["v2.a", "v2.a"])).toEqual({ detail: { topicName: ["v2.a"] } });
  });

  test("the target sends to the queue with a dead-letter queue and a retry policy", () => {
    const { json } = streams({ retryAttempts: 10, maximumEventAgeSeconds: 3600 });
    const target = only(json, "resource", "aws_cloudwatch_event_target");
    const rule = Object.keys(json.resource.aws_cloudwatch_event_rule)[0];
    expect(target.arn).toBe(QUEUE_ARN);
    expect(target.rule).toBe(`\${aws_cloudwatch_event_rule.${rule}.name}`);
    expect(target.dead_letter_config).toEqual({ arn: DLQ_ARN });
    expect(target.retry_policy).toEqual({ maximum_retry_attempts: 10, maximum_event_age_in_seconds: 3600 });
    expect(target.sqs_target).toBeUndefined();
  });

  test("retry policy defaults to EventBridge's maximum durability: 185 attempts within 24 hours", () => {
    const target = only(streams().json, "resource", "aws_cloudwatch_event_target");
    expect(target.retry_policy).toEqual({ maximum_retry_attempts: 185, maximum_event_age_in_seconds: 86400 });
  });

  test("a FIFO queue gets a message group id", () => {
    expect(only(streams({}, { fifo: true }).json, "resource", "aws_cloudwatch_event_target").sqs_target).toEqual({
      message_group_id: "genesys-event-streams",
    });
    expect(only(streams({ messageGroupId: "orders" }, { fifo: true }).json, "resource", "aws_cloudwatch_event_target").sqs_target).toEqual({
      message_group_id: "orders",
    });
  });

  test("the queue policy statement allows only that rule to send", () => {
    const { json, queueStatements, dlqStatements, construct } = streams();
    const rule = Object.keys(json.resource.aws_cloudwatch_event_rule)[0];
    expect(queueStatements).toHaveLength(1);
    expect(queueStatements[0]).toBe(construct.queuePolicyStatement);
    const statement = queueStatements[0];
    const sourceArn = statement.Condition?.ArnEquals?.["aws:SourceArn"] as string;
    expect(statement).toEqual({
      Sid: "AllowEventBridgetestevents",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: QUEUE_ARN,
      Condition: { ArnEquals: { "aws:SourceArn": sourceArn } },
    });
    expect(resolveToken(construct, sourceArn)).toBe(`\${aws_cloudwatch_event_rule.${rule}.arn}`);
    // The dead-letter queue gets the same allowance for its own ARN.
    expect(dlqStatements).toEqual([{ ...statement, Resource: DLQ_ARN }]);
  });

  test("a dead-letter queue that cannot take a statement gets a synth warning", () => {
    const { construct } = streams({}, { dlqPolicy: false });
    const warnings = construct.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data);
    expect(warnings).toEqual([
      "deadLetterQueue has no addToResourcePolicy: its policy must allow events.amazonaws.com to sqs:SendMessage with aws:SourceArn = this rule's ARN, or undeliverable events are lost.",
    ]);
  });

  test("enabled: false leaves the integration DISABLED", () => {
    expect(only(streams({ enabled: false }).json, "resource", "genesyscloud_integration").intended_state).toBe("DISABLED");
  });

  test("the default suffix derives from the construct path and is valid", () => {
    const { construct } = streams({}, {}, "orders-stack");
    expect(construct.eventSourceSuffix).toBe("orders-stack-events");
  });

  test("an invalid suffix fails with the exact message", () => {
    const { stack } = newStack();
    const q = queues();
    expect(problemsOf(() => new GenesysEventStreams(stack, "e", { ...q, topics: TOPICS, eventSourceSuffix: "orders/prod" }))).toEqual([
      'eventSourceSuffix: "orders/prod" must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" or "-". Rename it, or omit it to derive one from the construct path.',
    ]);
    expect(problemsOf(() => new GenesysEventStreams(stack, "e2", { ...q, topics: TOPICS, eventSourceSuffix: "x".repeat(65) }))).toEqual([
      `eventSourceSuffix: "${"x".repeat(65)}" must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" or "-". Rename it, or omit it to derive one from the construct path.`,
    ]);
  });

  test("a bad account id fails with the exact message", () => {
    const { stack } = newStack();
    const q = queues();
    expect(problemsOf(() => new GenesysEventStreams(stack, "e", { ...q, topics: TOPICS, awsAccountId: "12345678901" }))).toEqual([
      'awsAccountId: "12345678901" must be exactly 12 digits. Pass the AWS account id, or omit it to use the deploying account.',
    ]);
  });

  test("every problem is reported at once", () => {
    const { stack } = newStack("all");
    const q = queues({ dlqFifo: true });
    expect(
      problemsOf(
        () =>
          new GenesysEventStreams(stack, "e", {
            ...q,
            topics: ["v2.ok.{id}", "conversation.start", "v2.bad topic"],
            awsAccountId: "abc",
            awsAccountRegion: "Europe",
            retryAttempts: 186,
            maximumEventAgeSeconds: 59,
            messageGroupId: "g",
          }),
      ),
    ).toEqual([
      'awsAccountId: "abc" must be exactly 12 digits. Pass the AWS account id, or omit it to use the deploying account.',
      'awsAccountRegion: "Europe" is not an AWS region name. Use a name like "us-east-1", or omit it to use the AWS provider\'s region.',
      'topics[1]: "conversation.start" is not a Genesys notification topic. Use a name like "v2.detail.events.conversation.{id}.customer.start".',
      'topics[2]: "v2.bad topic" is not a Genesys notification topic. Use a name like "v2.detail.events.conversation.{id}.customer.start".',
      "retryAttempts: 186 is out of range. Use an integer from 0 to 185 (EventBridge's limit and default is 185).",
      "maximumEventAgeSeconds: 59 is out of range. Use an integer from 60 to 86400 seconds (default 86400).",
      "deadLetterQueue: EventBridge does not accept a FIFO queue as a target's dead-letter queue. Pass a standard queue.",
      "messageGroupId: set for a standard queue. Remove it; only a FIFO queue takes a message group id.",
    ]);
  });

  test("an empty topic list fails", () => {
    const { stack } = newStack();
    expect(problemsOf(() => new GenesysEventStreams(stack, "e", { ...queues(), topics: [] }))).toEqual([
      'topics: the list is empty. Pass at least one Genesys notification topic, e.g. "v2.detail.events.conversation.{id}.customer.start".',
    ]);
  });

  test("two event streams in one stack never collide", () => {
    const { stack } = newStack("two");
    new GenesysEventStreams(stack, "orders", { ...queues(), topics: TOPICS });
    new GenesysEventStreams(stack, "support", { ...queues(), topics: TOPICS });
    const json = synthJson(stack);
    const rules = Object.values(json.resource.aws_cloudwatch_event_rule as Record<string, { name: string }>)
      .map((r) => r.name)
      .sort();
    expect(rules).toEqual(["two-orders", "two-support"]);
    const suffixes = Object.values(json.resource.aws_cloudwatch_event_bus as Record<string, { name: string }>)
      .map((b) => b.name.split("/").pop())
      .sort();
    expect(suffixes).toEqual(["two-orders", "two-support"]);
  });
});

/** Resolves a token the way synthesis does, by reading it back from a stack output. */
function resolveToken(construct: GenesysEventStreams, token: string): string {
  new TerraformOutput(TerraformStack.of(construct), "resolved", { value: token });
  return (synthJson(TerraformStack.of(construct)).output as Record<string, { value: string }>).resolved.value;
}
