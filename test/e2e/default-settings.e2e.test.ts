/**
 * The default settings and the default nightly profile agree (issue 16, item 8): a pipeline
 * with the README's settings (maxReceiveCount 10, the worker's backoff 2 s to 900 s) runs the
 * default spike profile locally and passes. Its poison messages take up to 1022 s of backoff to
 * be quarantined, far beyond the profile's 180 s: the reconciliation deadline is derived from
 * the synthesized worker and queue (1052 s here), an upper bound only: the run ends once every
 * message is resolved, about 10-12 minutes.
 *
 * `npx jest -c jest.e2e.config.js test/e2e/default-settings.e2e.test.ts`
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack, type LocalRunResult } from "../../lib/local/run";
import { defaultSpikeProfile } from "../../lib/runtime/loadgen/profile";
import { synthVariant, type SynthesizedVariant } from "./helpers/stacks";
import { failedCorrectnessChecks, reconciledDelivery } from "./local-helpers";

/** The derived deadline (1052 s) plus the traffic, the drain and the emulator's start and stop. */
const RUN_TIMEOUT_MS = 25 * 60 * 1000;

describe("the README's settings (maxReceiveCount 10, backoff 2..900 s) with the default profile, locally", () => {
  let variant: SynthesizedVariant;
  let result: LocalRunResult;
  const reportDir = join(tmpdir(), `gcx-default-settings-${process.pid}`);

  beforeAll(async () => {
    // The demo worker sized as examples/basic (10 instances, a 100/s downstream budget), with
    // the library's defaults for everything item 8 is about: no backoff or receive count set.
    variant = synthVariant({ worker: { maxConcurrency: 10, downstreamRequestsPerMinute: 6000, downstreamBurst: 5 } });
    result = await runLocalStack({ stack: variant.stackDir, profile: defaultSpikeProfile, reportDir, html: false });
    process.stdout.write(`${result.summary}\n`);
  }, RUN_TIMEOUT_MS);
  afterAll(() => {
    variant?.cleanup();
    rmSync(reportDir, { recursive: true, force: true });
  });

  it("derives the reconciliation deadline from the synthesized worker and queue: 1052 s, not the profile's 180 s", () => {
    expect(result.spike.reconcileDeadline).toMatchObject({
      profileSeconds: 180,
      derivedSeconds: 1052,
      deadlineSeconds: 1052,
      basis: "pipeline",
      pipeline: {
        maxReceiveCount: 10,
        backoffBaseSeconds: 2,
        backoffMaxSeconds: 900,
        functionTimeoutSeconds: 30,
        batchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 180,
      },
    });
  });

  it("every accepted message processed or quarantined, none lost or in flight, every correctness check of the verdict passes", () => {
    // correctness, never latency (this machine's): see the fidelity table in docs/guides/local-run.md
    const delivery = reconciledDelivery(result);
    expect(failedCorrectnessChecks(result)).toEqual([]);
    expect({ complete: delivery.complete, lost: delivery.lost, inFlight: delivery.inFlight }).toEqual({
      complete: true,
      lost: 0,
      inFlight: 0,
    });
    expect(delivery.processed + delivery.deadLetteredExpected).toBe(delivery.accepted);
    // the poison messages were quarantined (exhausted on their tenth receive)
    expect(delivery.deadLetteredExpected).toBeGreaterThan(0);
    expect(delivery.quarantineDrained).toBe(delivery.deadLetteredExpected);
  });
});
