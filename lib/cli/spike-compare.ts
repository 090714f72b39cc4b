/**
 * `spike compare old.json new.json`: what changed between two runs, and a non-zero exit on a
 * regression beyond the tolerances, so a release can be gated on it.
 */
import { writeFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import {
  CompareInputError,
  compareReports,
  comparisonExitCode,
  loadReportFile,
  parseTolerances,
  renderComparison,
} from "../runtime/loadgen/compare";

/** Flags of `spike compare`. */
export interface SpikeCompareFlags {
  tolerance: string[];
  requireSameProfile?: boolean;
  json?: string;
}

/**
 * `spike compare old.json new.json`: prints the comparison; returns 0 (no regression), 1 (a
 * regression) or 2 (bad input: unreadable or foreign file, bad --tolerance, or different profiles
 * with --require-same-profile).
 */
export async function spikeCompareCommand(
  oldPath: string,
  newPath: string,
  flags: SpikeCompareFlags,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  try {
    const tolerances = parseTolerances(flags.tolerance); // before reading any file
    const [before, after] = await Promise.all([loadReportFile(oldPath), loadReportFile(newPath)]);
    const comparison = compareReports(before, after, { tolerances, requireSameProfile: flags.requireSameProfile });
    out(renderComparison(comparison) + "\n");
    if (flags.json) await writeFile(flags.json, JSON.stringify(comparison, null, 2) + "\n", "utf8");
    return comparisonExitCode(comparison);
  } catch (error) {
    if (error instanceof CompareInputError) {
      err(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers `spike compare`; call from registerSpike next to registerSpikeReports(spike). */
export function registerSpikeCompare(spike: Command): void {
  spike
    .command("compare")
    .description(
      "Compare two spike runs (JSON reports; the first is the baseline): rates, latency percentiles, delivery counts, " +
        "verdicts and checks, old -> new. Exits 1 when a metric regressed beyond its tolerance, 2 on bad input, else 0.",
    )
    .argument("<old.json>", "the baseline run's JSON report (spike --json, or spike reports get)")
    .argument("<new.json>", "the run to judge")
    .addOption(
      new Option(
        "--tolerance <key=value>",
        "override a tolerance (repeatable): latency=10% (relative rise of a percentile), latency-floor=5ms, rate=5% (relative drop), " +
          "rate-floor=0.5/s, share=0.5% (percentage points: 429s, late acks, duplicate deliveries), or one metric, e.g. ack.max=50%. " +
          "Lost, in-flight, duplicate side effects, unexpected dead letters, fault violations and PASS -> FAIL have none",
      )
        .argParser(collect)
        .default([]),
    )
    .option("--require-same-profile", "refuse (exit code 2) runs of different profiles instead of warning")
    .option("--json <file>", "also write the comparison as JSON")
    .action(async (oldPath: string, newPath: string, flags: SpikeCompareFlags) => {
      process.exitCode = await spikeCompareCommand(oldPath, newPath, flags);
    });
}

// --- the baseline in the HTML report (proposal) ---
// html.ts: renderHtmlReport(report, options: { baseline?: Comparison } = {}) inserts
//   `${options.baseline ? renderBaselineSection(options.baseline) : ""}` right after the kpis <div>.
// spike (run) gets `--baseline <old.json>`: "compare the run with this earlier run's JSON report:
//   printed after the summary, and a section in the HTML report; a regression also exits 1".
//   loadReportFile(flags.baseline) runs in validation, before any traffic (a bad file exits 2
//   with its message), and --tolerance / --require-same-profile are accepted there too.
