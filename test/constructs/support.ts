/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON is untyped; tests read it loosely. */
/** Shared helpers of the construct tests: synthesize a scope and read resources from the JSON. */
import * as path from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline, ConsumerPipelineProps, WebhookIngress, type WebhookIngressProps } from "../../lib";

export const FIXTURE_ENTRY = path.join(__dirname, "fixtures", "handler.ts");
export const OTHER_ENTRY = path.join(__dirname, "fixtures", "other-handler.ts");

function matches(id: string, fragment: string | RegExp): boolean {
  return typeof fragment === "string" ? id.includes(fragment) : fragment.test(id);
}

/** The logical id pattern of a pipeline's main queue (cdktf drops the repeated "queue"). */
export const MAIN_QUEUE = (pipelineId: string) => new RegExp(`^${pipelineId}_queue_[A-F0-9]{8}$`);

/** A synthesized stack as parsed JSON, with lookups by resource type. */
export class Synthesized {
  constructor(readonly json: Record<string, any>) {}

  /** Every resource of a type: logical id -> config. */
  all(type: string): Record<string, any> {
    return this.json.resource?.[type] ?? {};
  }

  /** Every resource config of a type. */
  list(type: string): any[] {
    return Object.values(this.all(type));
  }

  /** The only resource of a type (fails when there are none or several). */
  one(type: string): any {
    const list = this.list(type);
    if (list.length !== 1) throw new Error(`expected one ${type}, found ${list.length}`);
    return list[0];
  }

  /** The resource of a type whose logical id contains `fragment` (or matches it). */
  find(type: string, fragment: string | RegExp): any {
    const hits = Object.entries(this.all(type)).filter(([id]) => matches(id, fragment));
    if (hits.length !== 1)
      throw new Error(`expected one ${type} matching ${fragment}, found ${hits.map(([id]) => id).join(", ") || "none"}`);
    return hits[0][1];
  }

  /** The logical id of a resource of a type whose id contains `fragment`. */
  id(type: string, fragment: string | RegExp): string {
    const hits = Object.keys(this.all(type)).filter((id) => matches(id, fragment));
    if (hits.length !== 1) throw new Error(`expected one ${type} matching ${fragment}, found ${hits.join(", ") || "none"}`);
    return hits[0];
  }
}

/** Synthesizes whatever `build` adds to a fresh stack (with an AWS provider). */
export function synth(build: (stack: TerraformStack) => void): Synthesized {
  return new Synthesized(
    JSON.parse(
      Testing.synthScope((scope) => {
        new AwsProvider(scope, "aws", { region: "eu-west-1" });
        build(scope as TerraformStack);
      }),
    ),
  );
}

/** The queue a bare WebhookIngress sends to in the ingress tests. */
export const INGRESS_QUEUE = { arn: "arn:aws:sqs:eu-west-1:111122223333:orders", name: "orders" };

/** A WebhookIngress "hook" in front of {@link INGRESS_QUEUE}, with `props`. */
export function synthIngress(props: Partial<WebhookIngressProps> = {}): Synthesized {
  return synth((stack) => new WebhookIngress(stack, "hook", { queue: INGRESS_QUEUE, ...props }));
}

/** Pipeline props with the fixture entry, merged with `props`. */
export function pipelineProps(props: Partial<ConsumerPipelineProps> = {}): ConsumerPipelineProps {
  return { ...props, worker: { entry: FIXTURE_ENTRY, ...(props.worker ?? {}) } };
}

/** Synthesizes one pipeline "orders" in a fresh stack. */
export function synthPipeline(props: Partial<ConsumerPipelineProps> = {}): { out: Synthesized; pipeline: ConsumerPipeline } {
  let pipeline!: ConsumerPipeline;
  const out = synth((stack: Construct) => {
    pipeline = new ConsumerPipeline(stack, "orders", pipelineProps(props));
  });
  return { out, pipeline };
}

/** The message of the error `fn` throws (fails the test when it does not throw). */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, none was thrown");
}

/** The attribute that holds the physical name, per resource type. */
const PHYSICAL_NAME_FIELDS: Readonly<Record<string, string>> = {
  aws_sqs_queue: "name",
  aws_lambda_function: "function_name",
  aws_iam_role: "name",
  aws_cloudwatch_metric_alarm: "alarm_name",
  aws_dynamodb_table: "name",
  aws_secretsmanager_secret: "name",
  aws_sns_topic: "name",
  aws_cloudwatch_log_group: "name",
  aws_api_gateway_rest_api: "name",
  aws_cloudwatch_dashboard: "dashboard_name",
  aws_scheduler_schedule: "name",
};

/** Every physical name in a synthesized stack: [type, attribute, value], by type in a fixed order. */
export function physicalNames(out: Synthesized): [string, string, string][] {
  return Object.entries(PHYSICAL_NAME_FIELDS).flatMap(([type, field]) =>
    out.list(type).map((r) => [type, field, r[field]] as [string, string, string]),
  );
}
