/**
 * One ValidationError for a whole pipeline: the problems of the Event Streams side, of the
 * Genesys Open Messaging webhook and of the spike generator arrive with the pipeline's own,
 * before anything is built, each prefixed with the pipeline prop (`ingress.…`,
 * `genesysWebhook.…`, `spikeGenerator.…`); the standalone constructs throw the same error class.
 */
import { TerraformStack, Testing } from "cdktf";
import {
  ConsumerPipeline,
  ConsumerPipelineProps,
  GenesysEventStreams,
  GenesysProvider,
  OpenMessagingWebhook,
  SpikeGenerator,
  ValidationError,
  eventStreamsProblems,
  openMessagingWebhookProblems,
  spikeGeneratorProblems,
} from "../../lib";
import { errorOf, pipelineProps, synth } from "./support";

const TOPIC = "v2.detail.events.conversation.{id}.customer.start";
const BAD_PROFILE = { phases: [{ type: "constant", ratePerSecond: -1, durationSeconds: 10 }] } as never;

function pipelineError(props: Partial<ConsumerPipelineProps>): ValidationError {
  const error = errorOf(() => synth((stack) => new ConsumerPipeline(stack, "orders", pipelineProps(props))));
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe("a ConsumerPipeline reports every problem of its parts in one ValidationError", () => {
  it("lists a bad eventStreams prop, a bad spikeGenerator prop and a bad queue prop together, with their prefixes", () => {
    const error = pipelineError({
      ingress: { kind: "eventStreams", topics: [TOPIC, "conversations"] },
      spikeGenerator: { profile: BAD_PROFILE },
      queue: { maxReceiveCount: 0 },
    });
    expect(error.constructType).toBe("ConsumerPipeline");
    expect(error.constructPath).toBe("stack/orders");
    expect(error.problems.map((p) => p.prop)).toEqual([
      "queue.maxReceiveCount",
      "spikeGenerator",
      "ingress.topics[1]",
      "spikeGenerator.profile",
    ]);
    expect(error.problems).toContainEqual({
      prop: "queue.maxReceiveCount",
      message: "0 is outside 1..1000; set an integer from 1 to 1000 (10 is the default; AWS recommends at least 5).",
    });
    expect(error.problems).toContainEqual({
      prop: "ingress.topics[1]",
      message: '"conversations" is not a Genesys notification topic. Use a name like "v2.detail.events.conversation.{id}.customer.start".',
    });
    expect(error.problems.find((p) => p.prop === "spikeGenerator.profile")?.message).toMatch(
      /^invalid spike profile: .*phases\.0\.ratePerSecond/,
    );
    expect(error.message.split("\n")[0]).toBe('ConsumerPipeline "stack/orders" has 4 invalid props:');
    expect(error.message).toContain('\n  - ingress.topics[1]: "conversations" is not a Genesys notification topic.');
  });

  it("lists the spike generator's own problems with the webhook pipeline's, prefixed spikeGenerator.", () => {
    const error = pipelineError({ spikeGenerator: { scheduleExpression: "nightly", timeoutSeconds: 1000 }, queue: { maxReceiveCount: 0 } });
    expect(error.problems).toEqual([
      {
        prop: "queue.maxReceiveCount",
        message: "0 is outside 1..1000; set an integer from 1 to 1000 (10 is the default; AWS recommends at least 5).",
      },
      {
        prop: "spikeGenerator.timeoutSeconds",
        message: "1000 is outside 60..900; set an integer number of seconds (Lambda's limit is 900).",
      },
      {
        prop: "spikeGenerator.scheduleExpression",
        message: '"nightly" is not an EventBridge Scheduler expression; use cron(...), rate(...) or at(...).',
      },
    ]);
  });

  it("checks the Event Streams props before anything is built (retry policy, message group id, FIFO dead-letter queue)", () => {
    const standard = pipelineError({ ingress: { kind: "eventStreams", topics: [TOPIC], retryAttempts: 500, messageGroupId: "g" } });
    expect(standard.problems).toEqual([
      {
        prop: "ingress.retryAttempts",
        message: "500 is out of range. Use an integer from 0 to 185 (EventBridge's limit and default is 185).",
      },
      { prop: "ingress.messageGroupId", message: "set for a standard queue. Remove it; only a FIFO queue takes a message group id." },
    ]);
    const fifoDlq = { queueArn: "arn:aws:sqs:eu-west-1:123456789012:dlq.fifo", fifo: true, addToResourcePolicy: () => undefined };
    const fifo = pipelineError({ queue: { fifo: true }, ingress: { kind: "eventStreams", topics: [TOPIC], deadLetterQueue: fifoDlq } });
    expect(fifo.problems).toContainEqual({
      prop: "ingress.deadLetterQueue",
      message: "EventBridge does not accept a FIFO queue as a target's dead-letter queue. Pass a standard queue.",
    });
  });

  it("lists the Open Messaging webhook's own problems with the pipeline's, prefixed genesysWebhook.", () => {
    const error = pipelineError({
      queue: { maxReceiveCount: 0 },
      genesysWebhook: {
        name: " ",
        supportedContent: { inboundMediaTypes: ["image/png", "png"] },
        supportedContentId: "content-1",
      },
    });
    expect(error.constructType).toBe("ConsumerPipeline");
    expect(error.problems).toEqual([
      {
        prop: "queue.maxReceiveCount",
        message: "0 is outside 1..1000; set an integer from 1 to 1000 (10 is the default; AWS recommends at least 5).",
      },
      {
        prop: "genesysWebhook.name",
        message: "the integration name is empty. Pass a name, or omit it to derive one from the construct path.",
      },
      {
        prop: "genesysWebhook.supportedContentId, genesysWebhook.supportedContent",
        message: "both are set. Pass the id of an existing profile or the options of one to create, not both.",
      },
      {
        prop: "genesysWebhook.supportedContent.inboundMediaTypes[1]",
        message: '"png" is not an RFC 2046 media type. Use a type like "image/png" or a wildcard like "image/*".',
      },
    ]);
    expect(error.message).toContain("\n  - genesysWebhook.name: the integration name is empty.");
  });

  it("checks genesysWebhook as the pipeline builds it: the ingress URL, the generated secret and the edge key are filled in later, each problem listed once", () => {
    // no webhookUrl or secretToken problem (the pipeline fills them in); the header clash with the edge key once, in the pipeline's terms
    const error = pipelineError({
      ingress: { apiKey: true },
      genesysWebhook: {
        webhookHeaders: { "X-Api-Key": "k", "Content-Type": "text/plain" },
        supportedContent: { outboundMediaTypes: ["*"] },
      },
    });
    expect(error.problems).toEqual([
      {
        prop: 'genesysWebhook.webhookHeaders["X-Api-Key"]',
        message: "is set by the pipeline from ingress.apiKey (the edge API key in use); remove it from webhookHeaders.",
      },
      { prop: 'genesysWebhook.webhookHeaders["Content-Type"]', message: "this header is set by Genesys or HTTP itself. Remove it." },
      {
        prop: "genesysWebhook.supportedContent.outboundMediaTypes[0]",
        message: '"*" is not an RFC 2046 media type. Use a type like "image/png" or a wildcard like "image/*".',
      },
    ]);
  });

  it("a valid genesysWebhook synthesizes; a bad one alone is reported by the pipeline, not later by the OpenMessagingWebhook", () => {
    const out = synth((stack) => {
      new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
      new ConsumerPipeline(
        stack,
        "orders",
        pipelineProps({ genesysWebhook: { name: "orders", supportedContent: { inboundMediaTypes: ["image/*"] } } }),
      );
    });
    expect(out.one("genesyscloud_conversations_messaging_integrations_open").name).toBe("orders");
    // the one error is the pipeline's, before anything is built: OpenMessagingWebhook would have named itself
    const error = pipelineError({ genesysWebhook: { name: "" } });
    expect(error.constructType).toBe("ConsumerPipeline");
    expect(error.problems).toEqual([
      {
        prop: "genesysWebhook.name",
        message: "the integration name is empty. Pass a name, or omit it to derive one from the construct path.",
      },
    ]);
  });

  it("builds nothing when the props are invalid", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "stack");
    expect(() => new ConsumerPipeline(stack, "orders", pipelineProps({ ingress: { kind: "eventStreams", topics: [] } }))).toThrow(
      ValidationError,
    );
    expect(stack.node.tryFindChild("orders")?.node.children ?? []).toEqual([]);
  });
});

describe("the standalone constructs throw the same ValidationError, unprefixed", () => {
  it("GenesysEventStreams", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const queue = { queueArn: "arn:aws:sqs:eu-west-1:123456789012:q", addToResourcePolicy: () => undefined };
    const error = errorOf(
      () => new GenesysEventStreams(stack, "events", { queue, deadLetterQueue: queue, topics: ["nope"], awsAccountId: "42" }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).constructType).toBe("GenesysEventStreams");
    expect((error as ValidationError).problems.map((p) => p.prop)).toEqual(["awsAccountId", "topics[0]"]);
  });

  it("OpenMessagingWebhook", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const props = {
      webhookUrl: "http://example.com/hook",
      secretToken: "0123456789abcdef",
      name: "",
      supportedContent: { inboundMediaTypes: ["png"] },
    };
    const error = errorOf(() => new OpenMessagingWebhook(stack, "genesys", props));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).constructType).toBe("OpenMessagingWebhook");
    expect((error as ValidationError).constructPath).toBe("stack/genesys");
    expect((error as ValidationError).problems.map((p) => p.prop)).toEqual(["webhookUrl", "name", "supportedContent.inboundMediaTypes[0]"]);
  });

  it("OpenMessagingWebhook without webhookUrl or secretToken (an untyped caller): each is required", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const error = errorOf(() => new OpenMessagingWebhook(stack, "genesys", {} as never));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      { prop: "webhookUrl", message: "is required; pass the ingress's https:// invoke URL (e.g. pipeline.url)." },
      {
        prop: "secretToken",
        message: "is required; pass the signing secret the worker verifies with (e.g. pipeline.signingSecret.value).",
      },
    ]);
  });

  it("SpikeGenerator", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const error = errorOf(
      () =>
        new SpikeGenerator(stack, "spike", {
          targetUrl: "",
          signingSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:s",
          memorySizeMb: 64,
        }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      { prop: "targetUrl", message: "is required; pass the ingress URL (e.g. pipeline.ingress.url)." },
      { prop: "memorySizeMb", message: "64 is outside 128..10240; set a size in MB." },
    ]);
  });

  it("the problem functions take the prefix", () => {
    expect(spikeGeneratorProblems({ memorySizeMb: 64 }, "spikeGenerator")).toEqual([
      { prop: "spikeGenerator.memorySizeMb", message: "64 is outside 128..10240; set a size in MB." },
    ]);
    expect(spikeGeneratorProblems({})).toEqual([]);
    expect(openMessagingWebhookProblems({ name: " ", messagingSettingId: "s", messagingSettings: {} }, "genesysWebhook")).toEqual([
      {
        prop: "genesysWebhook.name",
        message: "the integration name is empty. Pass a name, or omit it to derive one from the construct path.",
      },
      {
        prop: "genesysWebhook.messagingSettingId, genesysWebhook.messagingSettings",
        message: "both are set. Pass the id of an existing profile or the options of one to create, not both.",
      },
    ]);
    expect(openMessagingWebhookProblems({ secretToken: "short" })).toEqual([
      {
        prop: "secretToken",
        message:
          "the secret has 5 characters; Genesys requires more than 15. Use a random secret of at least 16 characters, such as the pipeline's generated signing secret.",
      },
    ]);
    expect(openMessagingWebhookProblems({})).toEqual([]);
    // a header name holding ", " or ": " stays one prop, prefixed once
    const nameProblem = "the name must be a literal HTTP header name (letters, digits and !#$%&'*+.^_`|~-). Rename the header.";
    expect(openMessagingWebhookProblems({ webhookHeaders: { "A, B": "x", 'C: "D"': "y" } }, "genesysWebhook")).toEqual([
      { prop: 'genesysWebhook.webhookHeaders["A, B"]', message: nameProblem },
      { prop: 'genesysWebhook.webhookHeaders["C: \\"D\\""]', message: nameProblem },
    ]);
    expect(openMessagingWebhookProblems({ webhookHeaders: { "A, B": "x" } }).map((p) => p.prop)).toEqual(['webhookHeaders["A, B"]']);
    expect(eventStreamsProblems({ topics: [TOPIC], maximumEventAgeSeconds: 30 }, "ingress")).toEqual([
      { prop: "ingress.maximumEventAgeSeconds", message: "30 is out of range. Use an integer from 60 to 86400 seconds (default 86400)." },
    ]);
  });
});
