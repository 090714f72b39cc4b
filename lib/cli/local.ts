import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { defaultSpikeProfile } from "../runtime/loadgen/profile";
import type { SpikeProgress } from "../runtime/loadgen/run";
import { writeReports } from "../runtime/loadgen/reports";
import { addPlanOptions, profileFromFile, type PlanFlags } from "./plan";
import { addBaselineOptions, judgeAgainstBaseline, loadRunBaseline, type BaselineFlags } from "./spike-compare";

/** Options of the `local` subcommand. */
export interface LocalCommandOptions extends PlanFlags, BaselineFlags {
  stackDir: string;
  profile?: string;
  json?: boolean;
  html: boolean;
  reportDir: string;
  downstreamRate?: string;
  maxThreads?: string;
  api?: string;
  /** Fire the stack's schedules this many times after the spike. */
  fireSchedules?: string;
  /** Evaluate the alarms again this many hours after the run's end. */
  alarmsAsOf?: string;
}

const positive = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
};

const positiveInteger = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive integer (firings to wait for), got ${JSON.stringify(value)}`);
  return n;
};

/** The emulator's REST API choice in the words of this command: its `--api` flag. */
function apiChoiceMessage(choices: readonly string[], requested: string | undefined): string {
  return requested === undefined
    ? `the stack has ${choices.length} REST APIs: choose the one to send to with --api <address>, one of: ${choices.join(", ")}`
    : `--api "${requested}" is not a REST API of the stack; choose one of: ${choices.join(", ")}`;
}

/**
 * Runs the `local` subcommand; resolves the process exit code (0 on PASS, 1 on FAIL; with
 * `--baseline` and `--fail-on-regression`, also 1 on a regression against the baseline).
 */
export async function runLocalCommand(
  options: LocalCommandOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  // Loaded on demand: the emulator starts local-aws-sqs and dynalite, which the other commands never need.
  const { runLocalStack, ApiChoiceError } = await import("../local/run");
  // read before anything starts: a missing or foreign baseline is refused here
  const baseline = await loadRunBaseline(options);
  const profile = options.profile
    ? profileFromFile(readFileSync(options.profile, "utf8"), options.profile, options, (t) => process.stderr.write(t))
    : defaultSpikeProfile;
  let result: Awaited<ReturnType<typeof runLocalStack>>;
  try {
    result = await runLocalStack({
      stack: options.stackDir,
      profile,
      reportDir: options.reportDir,
      html: options.html,
      api: options.api,
      schedules: options.fireSchedules !== undefined ? { firings: positiveInteger("fire-schedules", options.fireSchedules) } : undefined,
      alarmsAsOfMs: options.alarmsAsOf !== undefined ? positive("alarms-as-of", options.alarmsAsOf)! * 3_600_000 : undefined,
      overrides: {
        downstreamRatePerSecond: positive("downstream-rate", options.downstreamRate),
        maxThreadsPerFunction: positive("max-threads", options.maxThreads),
      },
      onProgress: options.json ? undefined : progressPrinter(process.stderr),
    });
  } catch (error) {
    if (error instanceof ApiChoiceError) throw new Error(apiChoiceMessage(error.choices, error.requested));
    throw error;
  }
  if (!options.json) process.stderr.write("\n");
  let printed = "";
  const judged = baseline ? judgeAgainstBaseline(result.spike, baseline, (t) => (printed += t)) : undefined;
  // the HTML report was written by the run: written again with the baseline section
  const html = result.reports.find((p) => p.endsWith("spike.html"));
  if (judged && html) await writeReports(result.spike, { html }, { baseline: judged.comparison });
  if (options.json)
    out(
      JSON.stringify(
        {
          verdict: result.verdict,
          reports: result.reports,
          spike: result.spike,
          emulator: result.emulator,
          ...(judged ? { baseline: judged.comparison } : {}),
        },
        null,
        2,
      ) + "\n",
    );
  else out(`${result.summary}\n\nverdict: ${result.verdict}\n${printed}`);
  return result.verdict === "PASS" ? (judged?.exitCode ?? 0) : 1;
}

/**
 * Progress on stderr: one line rewritten in place on a terminal, a line every 5 s otherwise
 * (CI logs and pipes stay readable).
 */
function progressPrinter(stream: NodeJS.WriteStream): (p: SpikeProgress) => void {
  let lastLineMs = 0;
  return (p) => {
    const line =
      p.stage === "sending"
        ? `sending     ${p.elapsedSeconds.toFixed(0).padStart(4)} s  offered ${p.offered}/${p.planned}  accepted ${p.accepted}  dropped ${p.dropped}  failed ${p.failed}  in flight ${p.inFlight}`
        : `reconciling ${p.elapsedSeconds.toFixed(0).padStart(4)} s  ${p.accounted}/${p.accepted} accepted messages accounted for`;
    if (stream.isTTY) {
      stream.write(`\r${line.padEnd(stream.columns ? Math.min(stream.columns - 1, 120) : 120)}`);
    } else if (Date.now() - lastLineMs >= 5000) {
      lastLineMs = Date.now();
      stream.write(`${line}\n`);
    }
  };
}

/** Registers the `local` subcommand: run a synthesized stack on this machine and send a spike through it. */
export function registerLocal(program: Command): void {
  const local = program
    .command("local")
    .description("Run a synthesized stack (cdktf.out/stacks/<stack>/cdk.tf.json) on this machine and send a spike through it.")
    .option("--stack-dir <dir>", "the synthesized stack directory (or its cdk.tf.json)", "cdktf.out/stacks/demo")
    .option(
      "--profile <file>",
      "spike profile, YAML or JSON, or a JMeter .jmx / thread_groups: YAML / Taurus plan (converted, with notes) (default: the built-in default spike)",
    )
    .option("--json", "print the whole result as JSON instead of the summary")
    .option("--html", "write the HTML report (default)", true)
    .option("--no-html", "do not write the HTML report")
    .option("--report-dir <dir>", "where reports go (a directory per run)", "reports")
    .option(
      "--downstream-rate <perSecond>",
      "accepted calls per second of the local fake Genesys downstream (default: the budget the stack was synthesized with, else 50)",
    )
    .option("--max-threads <count>", "worker threads at most per function (default 32)")
    .option("--api <address>", "the aws_api_gateway_rest_api to send to, when the stack has several")
    .option(
      "--fire-schedules <count>",
      "after the spike, fire the stack's rate()/cron() schedules at their times until <count> firings (the spike generator's own bundle runs and keeps its reports in the local S3 bucket); default: schedules are inert",
    )
    .option(
      "--alarms-as-of <hours>",
      "evaluate the alarms again as of <hours> after the run, as CloudWatch would with no further data (the missing-run alarm)",
    );
  addPlanOptions(addBaselineOptions(local)).action(async (options: LocalCommandOptions) => {
    process.exitCode = await runLocalCommand(options);
  });
}
