/**
 * Plans from JMeter, JMeter-style YAML and Taurus, for the CLI: `spike convert plan.jmx`
 * writes the equivalent profile and explains the conversion; `--profile plan.jmx` (on `spike`
 * and `local`) converts on the fly and prints the same notes.
 */
import { readFile, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { Option, type Command } from "commander";
import { stringify as toYaml } from "yaml";
import {
  convertPlan,
  detectPlanFormat,
  PlanConversionError,
  renderConversionNotes,
  type ConvertPlanOptions,
} from "../runtime/loadgen/convert";
import type { SpikeProfileInput } from "../runtime/loadgen/profile";

/** Flags shared by `spike convert` and the commands that take `--profile <plan>`. */
export interface PlanFlags {
  /** `-J name=value`, repeatable: JMeter properties (`${__P(name,default)}`). */
  property?: string[];
  /** Expected response time of one request, ms (closed-to-open conversion). */
  responseTimeMs?: string;
  /** The POST path that stands for the webhook when the plan posts to several. */
  webhookPath?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The options `-J`, `--response-time-ms` and `--webhook-path` on a command. */
export function addPlanOptions(command: Command): Command {
  return command
    .addOption(
      new Option("-J, --property <name=value>", "a JMeter property for ${__P(name,default)} in a .jmx plan (repeatable)").argParser(
        collect,
      ),
    )
    .option(
      "--response-time-ms <ms>",
      "expected response time of one request, ms: R in rate = threads / (think time + R) for a closed-model plan (default 100)",
    )
    .option(
      "--webhook-path <path>",
      "the POST path that stands for the Genesys webhook when the plan posts to several (default: the first POST's)",
    );
}

/** Converts the CLI flags into {@link ConvertPlanOptions}; throws {@link PlanConversionError} naming the flag. */
export function planOptions(flags: PlanFlags): Omit<ConvertPlanOptions, "fileName"> {
  const properties: Record<string, string> = {};
  for (const p of flags.property ?? []) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new PlanConversionError(`-J ${p}: give a JMeter property as name=value, e.g. -J threads=100`);
    properties[p.slice(0, eq)] = p.slice(eq + 1);
  }
  let responseTimeMs: number | undefined;
  if (flags.responseTimeMs !== undefined) {
    responseTimeMs = Number(flags.responseTimeMs);
    if (!Number.isFinite(responseTimeMs) || responseTimeMs <= 0) {
      throw new PlanConversionError(
        `--response-time-ms ${JSON.stringify(flags.responseTimeMs)}: give the expected response time of one request in milliseconds, > 0`,
      );
    }
  }
  return { properties, responseTimeMs, webhookPath: flags.webhookPath };
}

/**
 * Whether a `--profile` file is a plan of another tool rather than our profile: a `.jmx`, or
 * YAML/JSON with `thread_groups:` or `execution:` at the top.
 */
export function isForeignPlan(text: string, fileName: string): boolean {
  try {
    detectPlanFormat(text, fileName);
    return true;
  } catch {
    return false;
  }
}

/**
 * The profile a `--profile` file holds: our own profile text as it is, or a plan of another
 * tool converted, its notes written to `notes` (standard error) first.
 */
export function profileFromFile(
  text: string,
  fileName: string,
  flags: PlanFlags,
  notes: (text: string) => void,
): string | SpikeProfileInput {
  if (!isForeignPlan(text, fileName)) return text;
  const result = convertPlan(text, { ...planOptions(flags), fileName });
  notes(`${fileName}: a ${result.format} plan, converted to a spike profile\n${renderConversionNotes(result.notes)}\n`);
  return result.profile;
}

/** Flags of `spike convert`. */
export interface ConvertFlags extends PlanFlags {
  out?: string;
  format?: "yaml" | "json";
  name?: string;
}

/** `spike convert <plan>`: the profile to `--out` (or standard output), the notes to standard error. Resolves the exit code. */
export async function convertCommand(
  plan: string,
  flags: ConvertFlags,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  try {
    let text: string;
    try {
      text = await readFile(plan, "utf8");
    } catch (error) {
      throw new PlanConversionError(`cannot read the plan ${plan}: ${(error as Error).message}`);
    }
    const result = convertPlan(text, { ...planOptions(flags), fileName: plan, name: flags.name });
    const format = flags.format ?? (flags.out && extname(flags.out).toLowerCase() === ".json" ? "json" : "yaml");
    const body =
      format === "json"
        ? JSON.stringify(result.profile, null, 2) + "\n"
        : `# converted from ${plan} (${result.format}) by cdktf-genesys-consumer spike convert; the notes below explain it\n${renderConversionNotes(
            result.notes,
          )
            .split("\n")
            .map((l) => `# ${l}`)
            .join("\n")}\n${toYaml(result.profile)}`;
    if (flags.out) await writeFile(flags.out, body, "utf8");
    else out(body);
    err(`${renderConversionNotes(result.notes)}\n${flags.out ? `profile written to ${flags.out}\n` : ""}`);
    return 0;
  } catch (error) {
    if (error instanceof PlanConversionError) {
      err(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Registers `spike convert`. */
export function registerSpikeConvert(spike: Command): void {
  const convert = spike
    .command("convert")
    .description(
      "Convert a JMeter test plan (.jmx), a JMeter-style YAML plan (thread_groups:) or a Taurus config (execution:) into a spike profile, " +
        "and explain the conversion: assumptions (closed model -> open-model arrival rate), differences, and everything not converted. Exits 2 on a plan it cannot read.",
    )
    .argument("<plan>", "the plan file")
    .option("-o, --out <file>", "write the profile here (default: standard output)")
    .addOption(
      new Option("--format <format>", "the profile's format (default: json for a .json --out, else yaml)").choices(["yaml", "json"]),
    )
    .option("--name <name>", "the profile's name (default: the plan's)");
  addPlanOptions(convert).action(async (plan: string, flags: ConvertFlags) => {
    process.exitCode = await convertCommand(plan, flags);
  });
}
