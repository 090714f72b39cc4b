/** Shared by the local end-to-end suites: synthesize the demo stack once into a scratch directory. */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { LocalRunResult } from "../../lib/local/run";
import { LATENCY_CHECKS } from "../../lib/runtime/loadgen/verdict";

const ROOT = resolve(__dirname, "..", "..");

/**
 * Synthesizes bin/main.ts (the demo stack) into a fresh directory; returns the stack directory.
 * With `"cdktn"`, the same sources are synthesized by CDK Terrain (test/helpers/framework-hook.ts).
 */
export function synthesizeDemo(framework: "cdktf" | "cdktn" = "cdktf"): string {
  const outdir = mkdtempSync(join(tmpdir(), "gcx-synth-"));
  const resolver = framework === "cdktf" ? "tsconfig-paths/register" : join(ROOT, "test", "helpers", "framework-hook.ts");
  const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-r", resolver, join(ROOT, "bin", "main.ts")], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1", GCX_FRAMEWORK: framework },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`synth failed: ${result.stderr}`);
  return join(outdir, "stacks", "demo");
}

/** Copies a synthesized stack (with its assets) and edits its JSON; returns the copy's directory. */
export function editedCopy(
  stackDir: string,
  edit: (json: { resource: Record<string, Record<string, Record<string, unknown>>> }) => void,
): string {
  const copy = mkdtempSync(join(tmpdir(), "gcx-edited-"));
  cpSync(stackDir, copy, { recursive: true });
  const file = join(copy, "cdk.tf.json");
  const json = JSON.parse(readFileSync(file, "utf8"));
  edit(json);
  writeFileSync(file, JSON.stringify(json, null, 2));
  return copy;
}

/** Every resource of a type in a synthesized stack JSON. */
export function resourcesOf(
  json: { resource: Record<string, Record<string, Record<string, unknown>>> },
  type: string,
): Record<string, unknown>[] {
  return Object.values(json.resource[type] ?? {});
}

/** Shortens the worker's backoff so poison messages exhaust their receives within a short run. */
export function shortBackoff(json: { resource: Record<string, Record<string, Record<string, unknown>>> }): void {
  for (const fn of resourcesOf(json, "aws_lambda_function")) {
    const vars = (fn.environment as { variables?: Record<string, string> } | undefined)?.variables;
    if (vars?.GCX_INGRESS_KIND) {
      vars.GCX_BACKOFF_BASE_SECONDS = "0";
      vars.GCX_BACKOFF_MAX_SECONDS = "1";
    }
  }
}

/** The delivery of a local run, asserted reconciled (throws with the delivery otherwise). */
export function reconciledDelivery(result: LocalRunResult): Extract<LocalRunResult["spike"]["delivery"], { reconciled: true }> {
  const delivery = result.spike.delivery;
  if (!("reconciled" in delivery) || delivery.reconciled !== true) throw new Error(`not reconciled: ${JSON.stringify(delivery)}`);
  return delivery as Extract<LocalRunResult["spike"]["delivery"], { reconciled: true }>;
}

/**
 * The verdict's correctness checks that did not pass ("name: status, actual"): end-to-end
 * tests assert correctness, never latency (this machine's: see the fidelity table in docs/guides/local-run.md),
 * so the latency checks (`LATENCY_CHECKS`) are left out. Empty when every correctness check passed.
 */
export function failedCorrectnessChecks(result: LocalRunResult): string[] {
  return result.spike.verdict.checks
    .filter((c) => !LATENCY_CHECKS.includes(c.name) && c.status !== "pass" && c.status !== "skipped")
    .map((c) => `${c.name}: ${c.status}, ${c.detail ?? c.actual}`);
}
