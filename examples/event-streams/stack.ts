/**
 * The Event Streams path with a whole pipeline: Genesys Cloud -> Amazon EventBridge
 * (partner event bus, a rule on the topics) -> the pipeline's SQS queue -> the worker's
 * `handleEvent`. No API Gateway and no signing secret; undeliverable events go to the
 * pipeline's DLQ, which the DLQ alarm watches.
 */
import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline, GenesysProvider, type GenesysRegion } from "cdktf-genesys-consumer";

/** The topics the example streams: the customer start and end of every conversation. */
export const PIPELINE_TOPICS: readonly string[] = [
  "v2.detail.events.conversation.{id}.customer.start",
  "v2.detail.events.conversation.{id}.customer.end",
];

export interface EventStreamsPipelineStackProps {
  /** AWS region of the partner event source, bus and queue. @default "eu-west-1" */
  readonly awsRegion?: string;
  /** Genesys Cloud region of the org. @default "eu-west-1" */
  readonly genesysRegion?: GenesysRegion;
  /** Topics to stream. @default PIPELINE_TOPICS */
  readonly topics?: readonly string[];
  /** Alarm email. @default none */
  readonly alarmEmail?: string;
}

export class EventStreamsPipelineStack extends TerraformStack {
  readonly pipeline: ConsumerPipeline;

  constructor(scope: Construct, id: string, props: EventStreamsPipelineStackProps = {}) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.awsRegion ?? "eu-west-1" });
    // Credentials from GENESYSCLOUD_OAUTHCLIENT_ID / GENESYSCLOUD_OAUTHCLIENT_SECRET at deploy time.
    new GenesysProvider(this, "genesys", { awsRegion: props.genesysRegion ?? "eu-west-1" });

    this.pipeline = new ConsumerPipeline(this, "conversations", {
      ingress: { kind: "eventStreams", topics: props.topics ?? PIPELINE_TOPICS, eventSourceSuffix: "conversations" },
      worker: { entry: path.join(__dirname, "worker.ts"), maxConcurrency: 5 },
      alarms: props.alarmEmail ? { email: props.alarmEmail } : {},
      tags: { project: "cdktf-genesys-consumer-event-streams" },
    });

    const events = this.pipeline.eventStreams!;
    new TerraformOutput(this, "event-source-name", {
      value: events.eventSourceName,
      description: "The partner event source (and bus) Genesys writes to",
    });
    new TerraformOutput(this, "integration-id", { value: events.integration.id });
    new TerraformOutput(this, "queue-url", { value: this.pipeline.queue.queue.url });
    new TerraformOutput(this, "dlq-url", { value: this.pipeline.queue.dlq.url });
  }
}
