/**
 * examples/event-streams synthesizes: both providers, the queue with its DLQ, the Event
 * Streams integration, bus, rule and target, and the queue policies carrying the rule's
 * allowance next to the TLS-only deny.
 */
import { Testing } from "cdktf";
import { EXAMPLE_TOPICS, EventStreamsStack } from "../../../examples/event-streams/main";
import { TfJson, only } from "./helpers";

function synth(): TfJson {
  const app = Testing.app();
  return JSON.parse(Testing.synth(new EventStreamsStack(app, "event-streams"))) as TfJson;
}

/** The policy document of the queue policy whose queue_url references `queueKey`. */
function policyOf(json: TfJson, queueKey: string): TfJson {
  const policies = Object.values(json.resource.aws_sqs_queue_policy as Record<string, TfJson>);
  const policy = policies.find((p) => p.queue_url === `\${aws_sqs_queue.${queueKey}.url}`);
  if (!policy) throw new Error(`no queue policy for ${queueKey}`);
  return JSON.parse(policy.policy) as TfJson;
}

describe("examples/event-streams", () => {
  const json = synth();

  test("both providers are configured and required", () => {
    expect(json.terraform.required_providers.genesyscloud).toEqual({ source: "mypurecloud/genesyscloud", version: "~> 1.84" });
    // cdktf writes the short source "aws", CDK Terrain the full "hashicorp/aws": the same provider.
    expect(json.terraform.required_providers.aws.source).toMatch(/^(hashicorp\/)?aws$/);
    expect(json.provider.genesyscloud).toEqual([{ aws_region: "eu-west-1" }]);
    expect(json.provider.aws[0].region).toBe("eu-west-1");
  });

  test("the integration streams the example topics to this account and region", () => {
    const integration = only(json, "resource", "genesyscloud_integration");
    expect(integration.integration_type).toBe("amazon-eventbridge-source");
    expect(integration.intended_state).toBe("ENABLED");
    expect(integration.config[0].properties).toContain(`"eventFilter" = ${JSON.stringify(EXAMPLE_TOPICS).replace(/,/g, ", ")}`);
  });

  test("the target delivers into the pipeline queue, dead-letters into its DLQ", () => {
    const queues = json.resource.aws_sqs_queue as Record<string, TfJson>;
    const keyOf = (role: string) => Object.keys(queues).find((k) => (queues[k].name as string).startsWith(`events-queue-${role}-`))!;
    const queueKey = keyOf("queue");
    const dlqKey = keyOf("dlq");
    expect([queueKey, dlqKey].every(Boolean)).toBe(true);
    const target = only(json, "resource", "aws_cloudwatch_event_target");
    expect(target.arn).toBe(`\${aws_sqs_queue.${queueKey}.arn}`);
    expect(target.dead_letter_config).toEqual({ arn: `\${aws_sqs_queue.${dlqKey}.arn}` });

    const rule = Object.keys(json.resource.aws_cloudwatch_event_rule)[0];
    const allow = {
      Sid: "AllowEventBridgeeventstreamsgenesysevents",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Condition: { ArnEquals: { "aws:SourceArn": `\${aws_cloudwatch_event_rule.${rule}.arn}` } },
    };
    const queuePolicy = policyOf(json, queueKey);
    expect(queuePolicy.Statement.map((s: TfJson) => s.Sid)).toEqual(["DenyInsecureTransport", allow.Sid]);
    expect(queuePolicy.Statement[1]).toEqual({ ...allow, Resource: `\${aws_sqs_queue.${queueKey}.arn}` });
    expect(policyOf(json, dlqKey).Statement[1]).toEqual({ ...allow, Resource: `\${aws_sqs_queue.${dlqKey}.arn}` });
  });

  test("the rule listens on the partner bus for the example topics", () => {
    const rule = only(json, "resource", "aws_cloudwatch_event_rule");
    expect(JSON.parse(rule.event_pattern)).toEqual({
      detail: {
        topicName: [
          { wildcard: "v2.detail.events.conversation.*.customer.start" },
          { wildcard: "v2.detail.events.conversation.*.customer.end" },
        ],
      },
    });
    const bus = only(json, "resource", "aws_cloudwatch_event_bus");
    expect(bus.name).toMatch(
      /^aws\.partner\/genesys\.com\/cloud\/\$\{data\.genesyscloud_organizations_me\.[^.]+\.id\}\/event-streams-genesys-events$/,
    );
    expect(json.output["event-source-name"].value).toBe(bus.name);
  });
});
