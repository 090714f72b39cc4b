/**
 * The fake Genesys takes its rate from the synthesized stack (synthesizedDownstreamBudget): the
 * per-instance budget times the instances the mapping runs, in standard and in provisioned mode.
 * A provisioned-mode stack used to get no budget locally (the emulator read only scaling_config),
 * which made the local downstream kinder than the one the stack is configured for.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WorkerOptions } from "../../lib";
import { synthesizedDownstreamBudget } from "../../lib/local/run";
import { loadStack } from "../../lib/local/stack";
import { synthPipeline } from "../constructs/support";

function budgetOf(worker: Partial<WorkerOptions>): number | undefined {
  const { out } = synthPipeline({ worker: worker as WorkerOptions });
  const dir = mkdtempSync(join(tmpdir(), "gcx-budget-"));
  try {
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(out.json));
    return synthesizedDownstreamBudget(loadStack(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the local downstream budget read from the synthesized stack", () => {
  it("standard mode: per-instance rate x maximum concurrency (Genesys' 300 requests a minute)", () => {
    expect(budgetOf({})).toBeCloseTo(5, 6);
  });

  it("provisioned mode with reserved concurrency: per-instance rate x reserved concurrency", () => {
    expect(budgetOf({ provisionedPollers: { maximum: 20 }, reservedConcurrency: 10 })).toBeCloseTo(5, 6);
  });

  it("provisioned mode without reserved concurrency: per-instance rate x maximum pollers x invocations per poller", () => {
    expect(budgetOf({ provisionedPollers: { maximum: 4 } })).toBeCloseTo(5, 6);
  });
});
