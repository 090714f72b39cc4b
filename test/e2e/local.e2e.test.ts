/**
 * The emulator reads the synthesized configuration: change a setting in a copy of the
 * synthesized JSON and the run's behaviour changes accordingly.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack } from "../../lib/local/run";
import type { SpikeProfileInput } from "../../lib/runtime/loadgen/profile";
import { editedCopy, resourcesOf, shortBackoff, synthesizeDemo } from "./local-helpers";

const profile: SpikeProfileInput = {
  name: "settings-probe",
  phases: [{ type: "constant", ratePerSecond: 40, durationSeconds: 8 }],
  conversations: 20,
  workMs: 50,
  reconcile: { deadlineSeconds: 120, pollIntervalSeconds: 1 },
  slo: { ackP99Ms: 5000, endToEndP99Ms: 120_000, minAcceptedRatio: 0.99 },
};

describe("the local run follows the synthesized settings", () => {
  const reportDir = join(tmpdir(), `gcx-local-e2e-${process.pid}`);
  let demo: string;
  beforeAll(() => {
    demo = synthesizeDemo();
  });
  afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

  it("a lower maximum concurrency leaves a larger backlog", async () => {
    const run = async (maximumConcurrency: number) => {
      const dir = editedCopy(demo, (json) => {
        shortBackoff(json);
        for (const m of resourcesOf(json, "aws_lambda_event_source_mapping"))
          m.scaling_config = { maximum_concurrency: maximumConcurrency };
      });
      return runLocalStack({ stack: dir, profile, reportDir, html: false });
    };
    const wide = await run(10);
    const narrow = await run(2);
    const peak = (r: typeof wide) => Math.max(...r.emulator.queues.map((q) => q.maxVisible));
    expect(narrow.emulator.mappings[0].spec.maximumConcurrency).toBe(2);
    expect(narrow.emulator.functions[0].stats.maxConcurrent).toBeLessThanOrEqual(2);
    expect(wide.emulator.functions[0].stats.maxConcurrent).toBeGreaterThan(2);
    expect(peak(narrow)).toBeGreaterThan(peak(wide));
    // correctness, never latency (this machine's, not AWS's): the backlog is absorbed, nothing lost
    for (const r of [wide, narrow])
      expect(r.spike.delivery).toMatchObject({ reconciled: true, lost: 0, inFlight: 0, duplicateSideEffects: 0 });
  }, 600_000);

  it("a lower stage throttle makes the ingress answer 429s that the generator retries", async () => {
    const dir = editedCopy(demo, (json) => {
      shortBackoff(json);
      for (const s of resourcesOf(json, "aws_api_gateway_method_settings"))
        s.settings = { ...(s.settings as object), throttling_rate_limit: 20, throttling_burst_limit: 5 };
    });
    const result = await runLocalStack({ stack: dir, profile, reportDir, html: false });
    expect(result.emulator.api.stats.throttled).toBeGreaterThan(0);
    expect(result.spike.counts.throttledResponses).toBeGreaterThan(0);
    expect(result.spike.counts.retries).toBeGreaterThan(0);
    const delivery = result.spike.delivery as { lost: number };
    expect(delivery.lost).toBe(0);
  }, 600_000);
});
