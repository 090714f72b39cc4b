/**
 * Stacks the emulated benchmarks run: each is one ConsumerPipeline like the demo stack's,
 * synthesized in this process (cdktf App, esbuild bundles) into a temporary `cdktf.out`,
 * then run by the local emulator from its `cdk.tf.json`.
 */
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline } from "../../lib/constructs/consumer-pipeline";
import type { WorkerOptions } from "../../lib/constructs/worker";

export interface BenchStack {
  /** Stack name (a folder under `<outdir>/stacks/`). */
  readonly name: string;
  /** Worker settings (entry, maxConcurrency, downstreamRequestsPerMinute, batchSize...). */
  readonly worker: WorkerOptions;
}

/** Synthesizes the stacks into `outdir`; returns each stack's folder by name. */
export function synthBenchStacks(outdir: string, stacks: readonly BenchStack[]): Record<string, string> {
  const app = new App({ outdir });
  for (const s of stacks) {
    const stack = new TerraformStack(app, s.name);
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new ConsumerPipeline(stack, "messaging", { worker: s.worker, ingress: { path: "genesys/webhook" }, alarms: {} });
  }
  app.synth();
  return Object.fromEntries(stacks.map((s) => [s.name, join(outdir, "stacks", s.name)]));
}
