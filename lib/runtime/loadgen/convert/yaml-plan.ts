/**
 * The YAML form people post when they describe a JMeter plan, e.g.
 *
 * ```yaml
 * thread_groups:
 *   - name: Genesys webhook
 *     num_threads: 100
 *     ramp_up: 10
 *     scheduler: { duration: 600 }
 *     constant_timer: { delay: 2000 }
 * http_request_defaults: { path: /webhook, method: POST }
 * ```
 *
 * It has no schema of its own: the keys follow the JMeter properties they stand for
 * (ThreadGroup.num_threads, ramp_time, LoopController.loops, scheduler, duration, delay;
 * ConstantTimer.delay in ms; ConstantThroughputTimer throughput per minute and calcMode).
 * It is written out as a `.jmx` and converted by the JMeter converter. Keys it does not
 * know are listed as not converted.
 */
import { z } from "zod";
import { boolProp, loopControllerProp, stringProp, userDefinedVariablesProp, writeJmx, type JmxNode } from "./jmx-writer";
import { PlanConversionError, type ConversionNote } from "./types";

const num = z.union([z.number(), z.string().min(1)], {
  errorMap: (_issue, ctx) => ({ message: ctx.data === undefined ? "Required" : "expected a number or a ${...} expression" }),
});
const request = z.object({ name: z.string().optional(), path: z.string().default(""), method: z.string().optional() }).passthrough();
const threadGroup = z
  .object({
    name: z.string().optional(),
    num_threads: num,
    ramp_up: num.optional(),
    ramp_time: num.optional(),
    loops: num.optional(),
    scheduler: z.union([z.boolean(), z.object({ duration: num.optional(), delay: num.optional() }).passthrough()]).optional(),
    duration: num.optional(),
    delay: num.optional(),
    constant_timer: z.object({ delay: num }).passthrough().optional(),
    think_time_ms: num.optional(),
    uniform_random_timer: z.object({ delay: num.optional(), range: num }).passthrough().optional(),
    constant_throughput_timer: z.object({ throughput: num, calc_mode: num.optional() }).passthrough().optional(),
    http_requests: z.array(request).optional(),
    samplers: z.array(request).optional(),
  })
  .passthrough();
const planSchema = z
  .object({
    name: z.string().optional(),
    test_plan: z.object({ name: z.string().optional(), serialize_threadgroups: z.boolean().optional() }).passthrough().optional(),
    user_defined_variables: z.record(z.union([z.string(), z.number()])).optional(),
    thread_groups: z.array(threadGroup).min(1),
    http_request_defaults: z.object({ path: z.string().optional(), method: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

const KNOWN_PLAN = new Set(["name", "test_plan", "user_defined_variables", "thread_groups", "http_request_defaults"]);
const KNOWN_GROUP = new Set(Object.keys(threadGroup.shape));
const KNOWN_DEFAULTS = new Set(["path", "method", "domain", "protocol", "port"]);

/** True when a parsed YAML/JSON document looks like this form (a `thread_groups` list). */
export function isJmeterYaml(doc: unknown): boolean {
  return typeof doc === "object" && doc !== null && Array.isArray((doc as Record<string, unknown>).thread_groups);
}

/** Writes the YAML plan as a `.jmx`; notes list what the YAML has that the `.jmx` cannot carry. */
export function jmeterYamlToJmx(doc: unknown, notes: ConversionNote[]): string {
  const parsed = planSchema.safeParse(doc);
  if (!parsed.success) {
    throw new PlanConversionError(
      `not a JMeter-style YAML plan: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(plan)"}: ${i.message}`).join("; ")} ` +
        "(expected thread_groups: [{ name, num_threads, ramp_up, scheduler: { duration } }] and http_request_defaults: { path, method })",
    );
  }
  const p = parsed.data;
  for (const k of Object.keys(p))
    if (!KNOWN_PLAN.has(k))
      notes.push({ level: "not-converted", element: k, message: `key ${k}: not converted (known: ${[...KNOWN_PLAN].join(", ")})` });
  const defaults = p.http_request_defaults ?? {};
  for (const k of Object.keys(defaults))
    if (!KNOWN_DEFAULTS.has(k))
      notes.push({ level: "not-converted", element: `http_request_defaults.${k}`, message: `key ${k}: not converted` });
  let defaultMethod = defaults.method;
  if (!defaultMethod) {
    defaultMethod = "POST";
    notes.push({ level: "assumption", element: "http_request_defaults.method", message: "no method given: taken as POST (the webhook)" });
  }
  const groups: JmxNode[] = p.thread_groups.map((g, i) => {
    const where = `thread_groups.${i}`;
    for (const k of Object.keys(g))
      if (!KNOWN_GROUP.has(k))
        notes.push({
          level: "not-converted",
          element: `${where}.${k}`,
          message: `key ${k}: not converted (known: ${[...KNOWN_GROUP].join(", ")})`,
        });
    const sched = typeof g.scheduler === "object" ? g.scheduler : {};
    const duration = sched.duration ?? g.duration;
    const delay = sched.delay ?? g.delay;
    const scheduler = g.scheduler === true || duration !== undefined;
    if (g.loops === undefined) {
      notes.push({
        level: "assumption",
        element: `${where}.loops`,
        message: scheduler
          ? "no loops given: each thread loops until the scheduler duration ends (JMeter's Infinite)"
          : "no loops and no scheduler given: each thread runs once (JMeter's default of 1 loop)",
      });
    }
    const children: JmxNode[] = [];
    const think = g.constant_timer?.delay ?? g.think_time_ms;
    if (think !== undefined)
      children.push({ testclass: "ConstantTimer", name: "Constant Timer", props: [stringProp("ConstantTimer.delay", think)] });
    if (g.uniform_random_timer) {
      children.push({
        testclass: "UniformRandomTimer",
        name: "Uniform Random Timer",
        props: [
          stringProp("ConstantTimer.delay", g.uniform_random_timer.delay ?? 0),
          stringProp("RandomTimer.range", g.uniform_random_timer.range),
        ],
      });
    }
    if (g.constant_throughput_timer) {
      children.push({
        testclass: "ConstantThroughputTimer",
        name: "Constant Throughput Timer",
        props: [
          stringProp("calcMode", g.constant_throughput_timer.calc_mode ?? 0),
          stringProp("throughput", g.constant_throughput_timer.throughput),
        ],
      });
    }
    const requests = g.http_requests ?? g.samplers ?? [{ name: "HTTP Request", path: defaults.path ?? "", method: defaultMethod }];
    for (const r of requests) {
      children.push({
        testclass: "HTTPSamplerProxy",
        name: r.name ?? "HTTP Request",
        props: [stringProp("HTTPSampler.path", r.path || defaults.path || ""), stringProp("HTTPSampler.method", r.method ?? defaultMethod)],
      });
    }
    return {
      testclass: "ThreadGroup",
      name: g.name ?? `Thread Group ${i + 1}`,
      props: [
        stringProp("ThreadGroup.num_threads", g.num_threads),
        stringProp("ThreadGroup.ramp_time", g.ramp_up ?? g.ramp_time ?? 1),
        loopControllerProp(g.loops ?? (scheduler ? -1 : 1)),
        boolProp("ThreadGroup.scheduler", scheduler),
        stringProp("ThreadGroup.duration", duration ?? ""),
        stringProp("ThreadGroup.delay", delay ?? ""),
      ],
      children,
    };
  });
  return writeJmx({
    testclass: "TestPlan",
    name: p.test_plan?.name ?? p.name ?? "converted-plan",
    props: [
      boolProp("TestPlan.serialize_threadgroups", p.test_plan?.serialize_threadgroups ?? false),
      userDefinedVariablesProp(p.user_defined_variables ?? {}),
    ],
    children: groups,
  });
}
