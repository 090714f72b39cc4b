/**
 * Taurus (bzt) configurations: each `execution:` item is a load (`concurrency`, `ramp-up`,
 * `hold-for`, `iterations`, `throughput`, `steps`) applied to a `scenario` (inline, or a
 * name under `scenarios:`) of `requests` with `think-time`. Executions run in parallel.
 *
 * Taurus semantics (Blazemeter/taurus site/dat/docs/ExecutionSettings.md, bzt/jmx tools):
 * `throughput` is an RPS limit applied with a Throughput Shaping Timer: a line from
 * min(max(throughput / duration, 0.001), 1) to `throughput` over `ramp-up` (or `steps`
 * equal steps), then `throughput` for `hold-for`; threads run for ramp-up + hold-for.
 * Durations are seconds or `90s`, `5m`, `1h30m`, `500ms`.
 *
 * Each execution is written as a JMeter Thread Group (+ timers) and converted by the
 * JMeter converter.
 */
import { z } from "zod";
import { shortDuration } from "./jmx";
import { boolProp, loadProfileProp, loopControllerProp, stringProp, writeJmx, type JmxNode } from "./jmx-writer";
import { PlanConversionError, type ConversionNote } from "./types";

const duration = z.union([z.number(), z.string().min(1)]);
const requestSchema = z.union([
  z.string(),
  z
    .object({ url: z.string().optional(), label: z.string().optional(), method: z.string().optional(), "think-time": duration.optional() })
    .passthrough(),
]);
const scenarioSchema = z
  .object({ requests: z.array(requestSchema).optional(), "think-time": duration.optional(), script: z.string().optional() })
  .passthrough();
const executionSchema = z
  .object({
    executor: z.string().optional(),
    concurrency: z.union([z.number(), z.string()]).optional(),
    "ramp-up": duration.optional(),
    "hold-for": duration.optional(),
    iterations: z.number().int().optional(),
    throughput: z.number().positive().optional(),
    steps: z.number().int().positive().optional(),
    scenario: z.union([z.string(), scenarioSchema]).optional(),
  })
  .passthrough();
const configSchema = z
  .object({
    execution: z.union([executionSchema, z.array(executionSchema).min(1)]),
    scenarios: z.record(scenarioSchema).optional(),
  })
  .passthrough();

const KNOWN_EXECUTION = new Set(Object.keys(executionSchema.shape));
const KNOWN_SCENARIO = new Set([
  "requests",
  "think-time",
  "script",
  "headers",
  "variables",
  "properties",
  "default-address",
  "keepalive",
  "timeout",
]);

/** True when a parsed YAML/JSON document looks like a Taurus configuration (an `execution` key). */
export function isTaurus(doc: unknown): boolean {
  return typeof doc === "object" && doc !== null && "execution" in (doc as Record<string, unknown>);
}

const seconds = (v: number | string | undefined, where: string) =>
  v === undefined ? undefined : typeof v === "number" ? v : shortDuration(v, where);

type Execution = z.infer<typeof executionSchema>;
type Scenario = z.infer<typeof scenarioSchema>;

/** Notes the execution's and its scenario's keys the conversion does not use. */
function noteUnusedKeys(scenario: Scenario, where: string, notes: ConversionNote[]): void {
  for (const k of Object.keys(scenario))
    if (!KNOWN_SCENARIO.has(k))
      notes.push({ level: "not-converted", element: `${where}.scenario.${k}`, message: `scenario key ${k}: not converted` });
  for (const k of ["headers", "variables", "properties", "default-address", "keepalive", "timeout"]) {
    if (k in scenario)
      notes.push({
        level: "info",
        element: `${where}.scenario.${k}`,
        message: `scenario ${k}: not needed; the generator sends to the pipeline's ingress with the webhook's own headers`,
      });
  }
}

/** The execution's thread count: `concurrency`, or (assumed, noted) enough for its throughput, or 1. */
function concurrencyOf(e: Execution, where: string, notes: ConversionNote[]): number {
  let concurrency: number;
  if (e.concurrency === undefined) {
    concurrency = e.throughput ? Math.max(1, Math.ceil(e.throughput * 10)) : 1;
    notes.push({
      level: "assumption",
      element: `${where}.concurrency`,
      message: e.throughput
        ? `concurrency not given: assumed enough threads (${concurrency}) to reach the throughput of ${e.throughput}/s`
        : "concurrency not given: 1 thread",
    });
  } else concurrency = Number(e.concurrency);
  if (!Number.isFinite(concurrency) || concurrency <= 0)
    throw new PlanConversionError(`concurrency ${JSON.stringify(e.concurrency)} is not a number > 0`, `${where}.concurrency`);
  return concurrency;
}

/** The scenario's samplers with their think times: one POST standing for a script, then each request. */
function scenarioSamplers(scenario: Scenario, where: string, notes: ConversionNote[]): JmxNode[] {
  const children: JmxNode[] = [];
  const scenarioThink = seconds(scenario["think-time"], `${where}.scenario.think-time`);
  const requests = scenario.requests ?? [];
  if (scenario.script) {
    notes.push({
      level: "assumption",
      element: `${where}.scenario.script`,
      message: `runs the script ${scenario.script}, which is not read here: assumed one webhook POST per iteration${scenarioThink ? ` after ${scenarioThink} s think time` : " with no think time"}; convert the script itself to take its timers and samplers into account`,
    });
    children.push(httpSampler("script request", "", "POST", scenarioThink));
  }
  for (const [j, r] of requests.entries()) {
    const url = typeof r === "string" ? r : (r.url ?? "");
    const method = typeof r === "string" ? "GET" : (r.method ?? "GET");
    const think =
      typeof r === "string" ? scenarioThink : (seconds(r["think-time"], `${where}.scenario.requests.${j}.think-time`) ?? scenarioThink);
    children.push(httpSampler(typeof r === "string" ? url : (r.label ?? url), pathOf(url), method.toUpperCase(), think));
  }
  if (!children.length)
    throw new PlanConversionError("the scenario has no requests and no script: add the webhook POST as a request", `${where}.scenario`);
  return children;
}

/**
 * The execution's `throughput` as Taurus applies it, a Throughput Shaping Timer: from
 * min(max(throughput / duration, 0.001), 1) RPS, a line (or steps) to the throughput over
 * ramp-up, then hold. Undefined without `throughput`.
 */
function throughputTimer(e: Execution, rampUp: number, hold: number, where: string, notes: ConversionNote[]): JmxNode | undefined {
  if (!e.throughput) return undefined;
  const rows: Array<[number, number, number]> = [];
  if (rampUp > 0) {
    if (e.steps) {
      for (let k = 1; k <= e.steps; k++) rows.push([(e.throughput * k) / e.steps, (e.throughput * k) / e.steps, rampUp / e.steps]);
    } else rows.push([Math.min(Math.max(e.throughput / (rampUp + hold), 0.001), 1), e.throughput, rampUp]);
  }
  if (hold > 0) rows.push([e.throughput, e.throughput, hold]);
  notes.push({
    level: "info",
    element: `${where}.throughput`,
    message: `throughput ${e.throughput}/s: an RPS limit, as Taurus applies it (a Throughput Shaping Timer)`,
  });
  return { testclass: "kg.apc.jmeter.timers.VariableThroughputTimer", name: "throughput", props: [loadProfileProp(rows)] };
}

/** One `execution:` item as a JMeter Thread Group with its samplers and timers; with its scenario's name when named. */
function executionGroup(
  e: Execution,
  i: number,
  scenarios: Record<string, Scenario>,
  notes: ConversionNote[],
): { group: JmxNode; name: string | undefined } {
  const where = `execution.${i}`;
  for (const k of Object.keys(e))
    if (!KNOWN_EXECUTION.has(k)) notes.push({ level: "not-converted", element: `${where}.${k}`, message: `key ${k}: not converted` });
  if (e.executor && e.executor !== "jmeter")
    notes.push({
      level: "info",
      element: `${where}.executor`,
      message: `executor ${e.executor}: only the load settings and requests are converted`,
    });
  const { scenario, name } = resolveScenario(e.scenario, scenarios, where);
  noteUnusedKeys(scenario, where, notes);
  const rampUp = seconds(e["ramp-up"], `${where}.ramp-up`) ?? 0;
  const hold = seconds(e["hold-for"], `${where}.hold-for`) ?? 0;
  const total = rampUp + hold;
  if (total <= 0 && e.iterations === undefined)
    throw new PlanConversionError("give hold-for (and ramp-up), or iterations: the execution has no length", where);
  const concurrency = concurrencyOf(e, where, notes);
  const children = scenarioSamplers(scenario, where, notes);
  const timer = throughputTimer(e, rampUp, hold, where, notes);
  if (timer) children.push(timer);
  if (e.steps && !e.throughput)
    notes.push({
      level: "warning",
      element: `${where}.steps`,
      message: "steps without throughput: threads ramp linearly in the conversion",
    });
  const scheduler = total > 0;
  const group: JmxNode = {
    testclass: "ThreadGroup",
    name: name ?? `execution ${i + 1}`,
    props: [
      stringProp("ThreadGroup.num_threads", concurrency),
      stringProp("ThreadGroup.ramp_time", rampUp),
      loopControllerProp(e.iterations ?? -1),
      boolProp("ThreadGroup.scheduler", scheduler),
      stringProp("ThreadGroup.duration", scheduler ? total : ""),
      stringProp("ThreadGroup.delay", ""),
    ],
    children,
  };
  return { group, name };
}

/** Writes the Taurus executions as a `.jmx` for the JMeter converter; returns it with the name of the first scenario. */
export function taurusToJmx(doc: unknown, notes: ConversionNote[]): { xml: string; name: string } {
  const parsed = configSchema.safeParse(doc);
  if (!parsed.success) {
    throw new PlanConversionError(
      `not a Taurus configuration: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`).join("; ")} (expected execution: [{ concurrency, ramp-up, hold-for, throughput, scenario }])`,
    );
  }
  const cfg = parsed.data;
  for (const k of Object.keys(cfg)) {
    if (k !== "execution" && k !== "scenarios")
      notes.push({
        level: k === "reporting" || k === "settings" || k === "modules" || k === "services" ? "info" : "not-converted",
        element: k,
        message: `Taurus section ${k}: not converted`,
      });
  }
  const executions = Array.isArray(cfg.execution) ? cfg.execution : [cfg.execution];
  let firstName: string | undefined;
  const groups: JmxNode[] = executions.map((e, i) => {
    const { group, name } = executionGroup(e, i, cfg.scenarios ?? {}, notes);
    firstName ??= name;
    return group;
  });
  const name = firstName ?? "taurus";
  return { xml: writeJmx({ testclass: "TestPlan", name, props: [], children: groups }), name };
}

function httpSampler(name: string, path: string, method: string, thinkSeconds: number | undefined): JmxNode {
  const timer: JmxNode[] = thinkSeconds
    ? [{ testclass: "ConstantTimer", name: "think-time", props: [stringProp("ConstantTimer.delay", thinkSeconds * 1000)] }]
    : [];
  return {
    testclass: "HTTPSamplerProxy",
    name: name || method,
    props: [stringProp("HTTPSampler.path", path), stringProp("HTTPSampler.method", method)],
    children: timer,
  };
}

function pathOf(url: string): string {
  const m = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(url);
  return m ? (m[1] ?? "/") : url;
}

function resolveScenario(
  s: string | z.infer<typeof scenarioSchema> | undefined,
  scenarios: Record<string, z.infer<typeof scenarioSchema>>,
  where: string,
): { scenario: z.infer<typeof scenarioSchema>; name?: string } {
  if (s === undefined) throw new PlanConversionError("no scenario: give scenario: <name> or an inline scenario with requests", where);
  if (typeof s === "string") {
    const found = scenarios[s];
    if (!found)
      throw new PlanConversionError(
        `scenario ${JSON.stringify(s)} is not under scenarios: (known: ${Object.keys(scenarios).join(", ") || "none"})`,
        where,
      );
    return { scenario: found, name: s };
  }
  return { scenario: s };
}
