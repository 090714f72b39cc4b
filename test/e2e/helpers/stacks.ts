/**
 * Variants of the demo stack for the reliability suites, synthesized into a temporary
 * cdktf outdir and run by the local emulator.
 *
 * The base is the pipeline of `examples/basic` (the demo worker entry, the ingress path
 * `genesys/webhook`, alarms on), sized for a suite through construct props (maximum
 * concurrency, downstream budget, function timeout, backoff, receive count). A broken
 * variant is built only with what a user has: construct props, a worker entry written for
 * the test (`test/e2e/fixtures/*-worker.ts`), or `addOverride` on a synthesized resource
 * where the construct's validation rightly refuses the prop. The library is never edited.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline, type ConsumerPipelineProps } from "cdktf-genesys-consumer";

/** The demo worker entry (examples/basic/worker.ts). */
export const DEMO_WORKER_ENTRY = join(__dirname, "..", "..", "..", "examples", "basic", "worker.ts");
/** A worker entry written for the tests, by file name in test/e2e/fixtures. */
export const fixtureEntry = (file: string): string => join(__dirname, "..", "fixtures", file);

type WorkerProps = ConsumerPipelineProps["worker"];

/** How a variant differs from the demo pipeline. */
export interface StackVariant {
  /** Worker props merged over the demo's (entry: the demo worker). */
  readonly worker?: Partial<WorkerProps>;
  readonly queue?: ConsumerPipelineProps["queue"];
  /** Ingress props merged over the demo's (path `genesys/webhook`). */
  readonly ingress?: Extract<ConsumerPipelineProps["ingress"], { kind?: "webhook" }>;
  /** Escape hatches applied after construction (addOverride on synthesized resources). */
  readonly escapeHatches?: (pipeline: ConsumerPipeline) => void;
}

/** The demo stack's pipeline with a variant's props: one webhook pipeline, id "messaging". */
export class DemoVariantStack extends TerraformStack {
  readonly pipeline: ConsumerPipeline;

  constructor(scope: Construct, id: string, variant: StackVariant = {}) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "eu-west-1" });
    this.pipeline = new ConsumerPipeline(this, "messaging", {
      worker: {
        entry: DEMO_WORKER_ENTRY,
        maxConcurrency: 5,
        downstreamRequestsPerMinute: 300,
        // the demo worker calls ctx.genesys (examples/basic declares the same)
        genesys: { createCredentialsSecret: true },
        ...variant.worker,
      },
      ingress: { path: "genesys/webhook", ...variant.ingress },
      queue: variant.queue,
      alarms: {},
      tags: { project: "cdktf-genesys-consumer-demo" },
    });
    variant.escapeHatches?.(this.pipeline);
  }
}

/** A synthesized variant on disk. */
export interface SynthesizedVariant {
  /** `<outdir>/stacks/demo`, what `runLocalStack({ stack })` takes. */
  readonly stackDir: string;
  /** Removes the outdir. */
  cleanup(): void;
}

/** Synthesizes a variant of the demo stack into a fresh temporary outdir. */
export function synthVariant(variant: StackVariant = {}): SynthesizedVariant {
  const outdir = mkdtempSync(join(tmpdir(), "gcx-variant-"));
  const app = new App({ outdir, skipValidation: false });
  new DemoVariantStack(app, "demo", variant);
  app.synth();
  return { stackDir: join(outdir, "stacks", "demo"), cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}
