/**
 * The Event Streams path: Genesys Cloud -> Amazon EventBridge (partner event bus) -> SQS.
 *
 * Two stacks:
 * - `event-streams` (stack.ts, `EventStreamsPipelineStack`): the recommended form, a
 *   `ConsumerPipeline` with `ingress: { kind: "eventStreams", topics }` and a worker whose
 *   `handleEvent` receives each event (worker.ts);
 * - `event-streams-constructs` (`EventStreamsStack` below): the same Genesys side built from
 *   the parts, `GenesysEventStreams` on a bare `QueueWithDlq`, for a queue you consume
 *   yourself.
 *
 * Both use both providers: the AWS provider for the bus, rule, target and queues, the
 * genesyscloud provider for the `amazon-eventbridge-source` integration (credentials from
 * GENESYSCLOUD_OAUTHCLIENT_ID / GENESYSCLOUD_OAUTHCLIENT_SECRET).
 *
 * Synthesize: `CHECKPOINT_DISABLE=1 npx ts-node --transpile-only -r tsconfig-paths/register examples/event-streams/main.ts`
 * Deploy: see docs/guides/genesys-cloud.md, "Apply order" (the partner event source appears only after
 * Genesys has created the integration).
 */
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { GenesysEventStreams, GenesysProvider, GenesysRegion, QueueWithDlq, eventStreamsQueues } from "cdktf-genesys-consumer";
import { EventStreamsPipelineStack } from "./stack";

export interface EventStreamsStackProps {
  /** AWS region of the partner event source, bus and queue. @default "eu-west-1" */
  readonly awsRegion?: string;
  /** Genesys Cloud region of the org. @default "eu-west-1" */
  readonly genesysRegion?: GenesysRegion;
  /** Topics to stream. @default the customer start and end of every conversation */
  readonly topics?: readonly string[];
}

export const EXAMPLE_TOPICS: readonly string[] = [
  "v2.detail.events.conversation.{id}.customer.start",
  "v2.detail.events.conversation.{id}.customer.end",
];

export class EventStreamsStack extends TerraformStack {
  readonly queues: QueueWithDlq;
  readonly events: GenesysEventStreams;

  constructor(scope: Construct, id: string, props: EventStreamsStackProps = {}) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.awsRegion ?? "eu-west-1" });
    new GenesysProvider(this, "genesys", { awsRegion: props.genesysRegion ?? "eu-west-1" });

    this.queues = new QueueWithDlq(this, "events-queue");
    this.events = new GenesysEventStreams(this, "genesys-events", {
      ...eventStreamsQueues(this.queues),
      topics: props.topics ?? EXAMPLE_TOPICS,
    });

    new TerraformOutput(this, "event-source-name", {
      value: this.events.eventSourceName,
      description: "The partner event source (and bus) Genesys writes to",
    });
    new TerraformOutput(this, "queue-url", { value: this.queues.queue.url });
    new TerraformOutput(this, "integration-id", { value: this.events.integration.id });
  }
}

export { EventStreamsPipelineStack, PIPELINE_TOPICS } from "./stack";

if (require.main === module) {
  const app = new App();
  new EventStreamsPipelineStack(app, "event-streams");
  new EventStreamsStack(app, "event-streams-constructs");
  app.synth();
}
