/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON is untyped; tests read it loosely. */
/** The examples synthesized once per test file, as parsed Terraform JSON. */
import { Testing } from "cdktf";
import { DemoStack } from "../../examples/basic";
import { ComposedStack } from "../../examples/composed";
import { EventStreamsPipelineStack } from "../../examples/event-streams/stack";
import { NightlySpikePipelineStack } from "../../examples/nightly-spike/pipeline-stack";
import { ExistingResourcesStack } from "../../examples/existing/stack";

export type TfJson = Record<string, any>;

let basic: { stack: DemoStack; json: TfJson } | undefined;
let composed: { stack: ComposedStack; json: TfJson } | undefined;
let eventStreams: { stack: EventStreamsPipelineStack; json: TfJson } | undefined;
let nightlySpike: { stack: NightlySpikePipelineStack; json: TfJson } | undefined;
let existing: { stack: ExistingResourcesStack; json: TfJson } | undefined;

export function synthBasic() {
  if (!basic) {
    const stack = new DemoStack(Testing.app(), "demo");
    basic = { stack, json: JSON.parse(Testing.synth(stack, true)) };
  }
  return basic;
}

export function synthComposed() {
  if (!composed) {
    const stack = new ComposedStack(Testing.app(), "composed");
    composed = { stack, json: JSON.parse(Testing.synth(stack)) };
  }
  return composed;
}

export function synthEventStreams() {
  if (!eventStreams) {
    const stack = new EventStreamsPipelineStack(Testing.app(), "event-streams");
    eventStreams = { stack, json: JSON.parse(Testing.synth(stack, true)) };
  }
  return eventStreams;
}

export function synthNightlySpike() {
  if (!nightlySpike) {
    const stack = new NightlySpikePipelineStack(Testing.app(), "nightly-spike-pipeline");
    nightlySpike = { stack, json: JSON.parse(Testing.synth(stack, true)) };
  }
  return nightlySpike;
}

export function synthExisting() {
  if (!existing) {
    const stack = new ExistingResourcesStack(Testing.app(), "existing");
    existing = { stack, json: JSON.parse(Testing.synth(stack, true)) };
  }
  return existing;
}

/** Every resource config of a type. */
export function resources(json: TfJson, type: string): [string, any][] {
  return Object.entries(json.resource?.[type] ?? {});
}
