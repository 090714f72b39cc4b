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
  type ComparableReport,
  type Comparison,
  type ToleranceOverrides,
} from "../runtime/loadgen/compare";
import type { SpikeReport } from "../runtime/loadgen/run";

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

const TOLERANCE_HELP =
  "override a tolerance (repeatable): latency=10% (relative rise of a percentile), latency-floor=5ms, rate=5% (relative drop), " +
  "rate-floor=0.5/s, share=0.5% (percentage points: 429s, late acks, duplicate deliveries), or one metric, e.g. ack.max=50%. " +
  "Lost, in-flight, duplicate side effects, unexpected dead letters, fault violations and PASS -> FAIL have none";

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
    .addOption(new Option("--tolerance <key=value>", TOLERANCE_HELP).argParser(collect).default([]))
    .option("--require-same-profile", "refuse (exit code 2) runs of different profiles instead of warning")
    .option("--json <file>", "also write the comparison as JSON")
    .action(async (oldPath: string, newPath: string, flags: SpikeCompareFlags) => {
      process.exitCode = await spikeCompareCommand(oldPath, newPath, flags);
    });
}

// --- a run judged against a baseline: `spike --baseline` and `local --baseline` ---

/** Flags of a run compared with an earlier run (`spike` and `local`). */
export interface BaselineFlags {
  /** The earlier run's JSON report (spike.json). */
  baseline?: string;
  /** Exit 1 on a regression against the baseline (2 on a refused comparison); default: report only. */
  failOnRegression?: boolean;
  tolerance?: string[];
  requireSameProfile?: boolean;
}

/** The baseline of a run, read and checked before any traffic. */
export interface RunBaseline {
  readonly path: string;
  readonly report: ComparableReport;
  readonly tolerances: ToleranceOverrides;
  readonly requireSameProfile: boolean;
  readonly failOnRegression: boolean;
}

/**
 * Reads `--baseline` (undefined without it) and parses `--tolerance`, before any traffic. Throws
 * a {@link CompareInputError} naming the flag, the file and why (unreadable, not JSON, not a
 * spike report), or a comparison flag given without `--baseline`.
 */
export async function loadRunBaseline(flags: BaselineFlags): Promise<RunBaseline | undefined> {
  if (!flags.baseline) {
    const stray = [
      flags.failOnRegression ? "--fail-on-regression" : "",
      flags.tolerance?.length ? "--tolerance" : "",
      flags.requireSameProfile ? "--require-same-profile" : "",
    ].filter(Boolean);
    if (stray.length)
      throw new CompareInputError(
        `${stray.join(", ")} only apply to a comparison with an earlier run: add --baseline <old spike.json> (the JSON report of that run)`,
      );
    return undefined;
  }
  try {
    const tolerances = parseTolerances(flags.tolerance ?? []);
    const report = await loadReportFile(flags.baseline);
    return {
      path: flags.baseline,
      report,
      tolerances,
      requireSameProfile: !!flags.requireSameProfile,
      failOnRegression: !!flags.failOnRegression,
    };
  } catch (error) {
    if (error instanceof CompareInputError) throw new CompareInputError(`--baseline ${flags.baseline}: ${error.message}`);
    throw error;
  }
}

/**
 * Compares a finished run with its baseline (as `spike compare` does, same tolerances) and prints
 * the comparison. `exitCode` is the comparison's (1 a regression, 2 refused) with
 * `--fail-on-regression`, else 0: by default a regression is reported, not gated on.
 */
export function judgeAgainstBaseline(
  report: SpikeReport,
  baseline: RunBaseline,
  out: (text: string) => void,
): { comparison: Comparison; exitCode: 0 | 1 | 2 } {
  const comparison = compareReports(baseline.report, report, {
    tolerances: baseline.tolerances,
    requireSameProfile: baseline.requireSameProfile,
  });
  out(`\nCompared with the baseline ${baseline.path}:\n${renderComparison(comparison)}\n`);
  const code = comparisonExitCode(comparison);
  if (code !== 0 && !baseline.failOnRegression)
    out(`note: the comparison with the baseline does not change the exit code; add --fail-on-regression to gate on it\n`);
  return { comparison, exitCode: baseline.failOnRegression ? code : 0 };
}

/** Adds `--baseline`, `--fail-on-regression`, `--tolerance` and `--require-same-profile` to a run command. */
export function addBaselineOptions(cmd: Command): Command {
  return cmd
    .option(
      "--baseline <old.json>",
      "compare the run with this earlier run's JSON report (spike.json), as `spike compare` does: printed after the verdict, " +
        "and a baseline section in the HTML report; checked before any traffic",
    )
    .option("--fail-on-regression", "with --baseline: exit 1 on a regression against the baseline (default: report it only)")
    .addOption(new Option("--tolerance <key=value>", `with --baseline: ${TOLERANCE_HELP}`).argParser(collect).default([]))
    .option("--require-same-profile", "with --baseline: refuse the comparison when the runs used different profiles");
}
