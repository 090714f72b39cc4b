/**
 * Plans from other load tools converted into our spike profile: JMeter test plans (`.jmx`),
 * the JMeter-style YAML people post (`thread_groups:`), and Taurus configurations
 * (`execution:`). {@link convertPlan} returns an open-model profile that `parseProfile`
 * accepts and notes that explain the conversion: what was assumed (the closed-to-open
 * rate), what differs, and every element that could not be converted.
 */
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { arrivals, peak, scheduleEnd, simplify, toPhases } from "./schedule";
import { convertJmx } from "./jmx";
import { OPEN_MODEL_NOTE, formatRate } from "./closed-model";
import { isJmeterYaml, jmeterYamlToJmx } from "./yaml-plan";
import { isTaurus, taurusToJmx } from "./taurus";
import {
  DEFAULT_RESPONSE_TIME_MS,
  PLAN_FORMATS,
  PlanConversionError,
  type ConversionNote,
  type ConversionResult,
  type ConvertPlanOptions,
  type PlanFormat,
} from "./types";

export * from "./types";
export { parseLoadProfileProperty, shortDuration } from "./jmx";

/**
 * The format of a plan: `.jmx` by extension or by an XML start (`<?xml` / `<jmeterTestPlan`),
 * otherwise YAML/JSON told apart by its keys (`thread_groups` or `execution`).
 * Throws {@link PlanConversionError} when it is none of them.
 */
export function detectPlanFormat(text: string, fileName?: string): PlanFormat {
  const ext = fileName ? extname(fileName).toLowerCase() : "";
  const start = text.trimStart();
  if (ext === ".jmx" || start.startsWith("<")) return PLAN_FORMATS.jmx;
  const doc = parseDocument(text);
  if (isJmeterYaml(doc)) return PLAN_FORMATS.jmeterYaml;
  if (isTaurus(doc)) return PLAN_FORMATS.taurus;
  throw new PlanConversionError(
    `${fileName ? `${basename(fileName)}: ` : ""}not a plan this converter reads: expected a JMeter .jmx (XML), a YAML/JSON plan with thread_groups:, or a Taurus config with execution:`,
  );
}

function parseDocument(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new PlanConversionError(`not valid YAML or JSON: ${(error as Error).message}`);
  }
}

const PROFILE_NAME_MAX = 128;

/**
 * Converts a load-test plan into a spike profile.
 * @param text the plan's text (XML, YAML or JSON)
 * @param options see {@link ConvertPlanOptions}
 * @throws PlanConversionError naming the element or option and the fix
 */
export function convertPlan(text: string, options: ConvertPlanOptions = {}): ConversionResult {
  const responseTimeMs = options.responseTimeMs ?? DEFAULT_RESPONSE_TIME_MS;
  if (!(Number.isFinite(responseTimeMs) && responseTimeMs > 0)) {
    throw new PlanConversionError(
      `responseTimeMs is ${responseTimeMs}: give the expected response time of one request in milliseconds, > 0 (default ${DEFAULT_RESPONSE_TIME_MS})`,
    );
  }
  const format = options.format ?? detectPlanFormat(text, options.fileName);
  const notes: ConversionNote[] = [];
  let xml: string;
  let fallbackName: string | undefined;
  if (format === PLAN_FORMATS.jmx) xml = text;
  else if (format === PLAN_FORMATS.jmeterYaml) xml = jmeterYamlToJmx(parseDocument(text), notes);
  else {
    const t = taurusToJmx(parseDocument(text), notes);
    xml = t.xml;
    fallbackName = t.name;
  }
  const { name, schedule } = convertJmx(xml, {
    properties: options.properties ?? {},
    responseSeconds: responseTimeMs / 1000,
    webhookPath: options.webhookPath,
    notes,
  });
  if (notes.some((n) => n.level === "assumption" && /closed model/.test(n.message))) notes.push(OPEN_MODEL_NOTE);
  const phases = toPhases(simplify(schedule), notes);
  if (!phases.length) throw new PlanConversionError("the converted plan sends nothing: every thread group's rate is 0");
  const total = arrivals(schedule);
  notes.push({
    level: "info",
    message: `converted: ${phases.length} phase(s), ${formatRate(scheduleEnd(schedule))} s, peak ${formatRate(peak(schedule))}/s, about ${Math.round(total)} arrivals`,
  });
  const profileName = (options.name ?? (name || fallbackName || "converted-plan")).slice(0, PROFILE_NAME_MAX) || "converted-plan";
  return { format, profile: { name: profileName, phases }, notes };
}

/**
 * Reads a plan file and converts it ({@link convertPlan} with `fileName` set).
 * @throws PlanConversionError naming the file when it cannot be read or converted
 */
export async function convertPlanFile(path: string, options: Omit<ConvertPlanOptions, "fileName"> = {}): Promise<ConversionResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new PlanConversionError(`cannot read the plan ${path}: ${(error as Error).message}`);
  }
  try {
    return convertPlan(text, { ...options, fileName: path });
  } catch (error) {
    if (error instanceof PlanConversionError) throw new PlanConversionError(`${basename(path)}: ${error.message}`);
    throw error;
  }
}

const LEVEL_ORDER: Record<ConversionNote["level"], number> = { warning: 0, "not-converted": 1, assumption: 2, info: 3 };
const LEVEL_TITLE: Record<ConversionNote["level"], string> = {
  warning: "Differences from the plan",
  "not-converted": "Not converted",
  assumption: "Assumptions",
  info: "How it was converted",
};

/** The notes as text for a terminal: grouped by level (differences first), one line each, the element before its message. */
export function renderConversionNotes(notes: readonly ConversionNote[]): string {
  const levels = [...new Set(notes.map((n) => n.level))].sort((a, b) => LEVEL_ORDER[a] - LEVEL_ORDER[b]);
  const out: string[] = [];
  for (const level of levels) {
    out.push(`${LEVEL_TITLE[level]}:`);
    for (const n of notes.filter((x) => x.level === level)) out.push(`  - ${n.element ? `${n.element}: ` : ""}${n.message}`);
  }
  return out.join("\n");
}
