/**
 * The walk through a JMeter thread group: its samplers with the timers that run before each
 * and their loop counts, its throughput timers with the samples they pace, and the notes for
 * every element that is not part of the load model (listed, never silently dropped).
 */
import { formatRate } from "./closed-model";
import type { JmxElement, JmxExpressions } from "./jmx-tree";
import { PlanConversionError, type ConversionNote } from "./types";

/** What the JMX converter needs from the options. */
export interface JmxConvertContext {
  readonly properties: Readonly<Record<string, string>>;
  readonly responseSeconds: number;
  readonly webhookPath?: string;
  readonly notes: ConversionNote[];
}

/** Test classes of the converted thread groups and timers (JMeter Plugins: casutg, tst). */
export const CONCURRENCY_TG = "com.blazemeter.jmeter.threads.concurrency.ConcurrencyThreadGroup";
export const ARRIVALS_TG = "com.blazemeter.jmeter.threads.arrivals.ArrivalsThreadGroup";
export const SHAPING_TIMER = "kg.apc.jmeter.timers.VariableThroughputTimer";
/** HTTP samplers: only their POSTs to the webhook path become arrivals. */
export const HTTP_SAMPLERS = new Set(["HTTPSamplerProxy", "HTTPSampler", "HTTPSampler2"]);
/** Timers converted as think time (their mean). */
export const MEAN_TIMERS = new Set(["ConstantTimer", "UniformRandomTimer", "GaussianRandomTimer", "PoissonRandomTimer"]);
/** Controllers that run their children once per iteration, as they are. */
export const PASS_THROUGH_CONTROLLERS = new Set(["GenericController", "TransactionController"]);
/** Thread groups with a converter. */
export const THREAD_GROUPS = new Set(["ThreadGroup", CONCURRENCY_TG, ARRIVALS_TG]);

/** The Constant Throughput Timer's `calcMode` values, in words (ConstantThroughputTimer.Mode ordinals). */
export const CTT_MODES = [
  "0 (this thread only: each thread paces itself)",
  "1 (all active threads: the target is shared by the active threads of every thread group)",
  "2 (all active threads in current thread group)",
  "3 (all active threads, shared)",
  "4 (all active threads in current thread group, shared)",
];

/** A Constant Throughput Timer or Throughput Shaping Timer in a group's scope. */
export interface ThroughputTimer {
  readonly el: JmxElement;
  readonly kind: "ctt" | "shaping";
  /** Samples per iteration of the group that the timer paces (filled by the walk). */
  samplesInScope: number;
}

/** A sampler of a group, with what runs before it. */
export interface Sampler {
  readonly el: JmxElement;
  readonly method?: string;
  readonly path?: string;
  readonly http: boolean;
  /** Mean of the plain timers that run before it, seconds. */
  readonly timerSeconds: number;
  /** Times it runs per iteration (inner loop controllers). */
  readonly times: number;
}

/** What the walk found in one thread group. */
export interface GroupWalk {
  readonly el: JmxElement;
  readonly samplers: Sampler[];
  readonly throughputTimers: ThroughputTimer[];
}

/** True for any thread group element (converted or not). */
export function isThreadGroupLike(el: JmxElement): boolean {
  return THREAD_GROUPS.has(el.testclass) || /ThreadGroup$/.test(el.testclass);
}

/** Why a thread group without a converter is not converted. */
export function threadGroupHint(testclass: string): string {
  if (testclass === "SetupThreadGroup" || testclass === "PostThreadGroup")
    return "setUp/tearDown Thread Group: not part of the load; not converted (the generator needs no setup)";
  return `thread group ${testclass} has no converter (converted: ThreadGroup, Concurrency Thread Group, Arrivals Thread Group); write its schedule as profile phases`;
}

/** Mean delay of a Constant / Uniform / Gaussian / Poisson timer, seconds. */
export function mean(el: JmxElement, ex: JmxExpressions): number {
  const delay = ex.num(el, "ConstantTimer.delay", 0);
  if (el.testclass === "ConstantTimer" || el.testclass === "GaussianRandomTimer") return delay / 1000; // Gaussian: |N(0,1) x deviation + offset|, mean ~ offset
  const range = ex.num(el, "RandomTimer.range", 0);
  if (el.testclass === "UniformRandomTimer") return (delay + range / 2) / 1000; // offset + U(0, range)
  return (delay + range) / 1000; // Poisson: offset + Poisson(lambda = range)
}

/** Walks a thread group: samplers with their timers and loop counts, throughput timers with the samples they pace. */
export function walkGroup(group: JmxElement, planLevel: readonly JmxElement[], ex: JmxExpressions, notes: ConversionNote[]): GroupWalk {
  const walk: GroupWalk = { el: group, samplers: [], throughputTimers: [] };
  const levelTimers = (els: readonly JmxElement[]) => {
    let seconds = 0;
    const tts: ThroughputTimer[] = [];
    for (const el of els) {
      if (!el.enabled) continue;
      if (MEAN_TIMERS.has(el.testclass)) seconds += mean(el, ex);
      else if (el.testclass === "ConstantThroughputTimer" || el.testclass === SHAPING_TIMER) {
        const t: ThroughputTimer = { el, kind: el.testclass === SHAPING_TIMER ? "shaping" : "ctt", samplesInScope: 0 };
        walk.throughputTimers.push(t);
        tts.push(t);
      }
    }
    return { seconds, tts };
  };
  const plan = levelTimers(planLevel);
  // HTTP Request Defaults (ConfigTestElement) fill an empty sampler path; the group's own win over the plan's.
  const defaultsPath = [...group.children, ...planLevel]
    .filter((e) => e.enabled && e.testclass === "ConfigTestElement")
    .map((e) => ex.str(e, "HTTPSampler.path", e.path))
    .find((p) => !!p);
  const visit = (els: readonly JmxElement[], timerSeconds: number, tts: ThroughputTimer[], times: number) => {
    const level = levelTimers(els);
    const scopeSeconds = timerSeconds + level.seconds;
    const scopeTts = [...tts, ...level.tts];
    for (const el of els) {
      if (!el.enabled) {
        notes.push({
          level: "info",
          element: el.path,
          message: 'disabled in the plan (enabled="false"): skipped, with everything under it',
        });
        continue;
      }
      const c = el.testclass;
      if (MEAN_TIMERS.has(c)) {
        notes.push({
          level: "info",
          element: el.path,
          message: `${c}: mean ${formatRate(mean(el, ex) * 1000)} ms before each sampler in its scope, counted as think time`,
        });
      } else if (c === "ConstantThroughputTimer" || c === SHAPING_TIMER) {
        // converted with the group (groupSchedule)
      } else if (isSampler(el)) {
        const own = levelTimers(
          el.children.filter(
            (k) => MEAN_TIMERS.has(k.testclass) || k.testclass === "ConstantThroughputTimer" || k.testclass === SHAPING_TIMER,
          ),
        );
        for (const t of [...scopeTts, ...own.tts]) t.samplesInScope += times;
        const http = HTTP_SAMPLERS.has(c);
        walk.samplers.push({
          el,
          http,
          method: http ? (ex.str(el, "HTTPSampler.method", el.path) ?? "GET").toUpperCase() : undefined,
          path: http ? ex.str(el, "HTTPSampler.path", el.path) || defaultsPath || "" : undefined,
          timerSeconds: scopeSeconds + own.seconds,
          times,
        });
        for (const k of el.children)
          if (!MEAN_TIMERS.has(k.testclass) && k.testclass !== "ConstantThroughputTimer" && k.testclass !== SHAPING_TIMER)
            listElement(k, notes);
        for (const k of el.children)
          if (MEAN_TIMERS.has(k.testclass) && k.enabled)
            notes.push({
              level: "info",
              element: k.path,
              message: `${k.testclass}: mean ${formatRate(mean(k, ex) * 1000)} ms before this sampler, counted as think time`,
            });
      } else if (c === "LoopController") {
        const loops = ex.num(el, "LoopController.loops", 1);
        if (loops < 0)
          throw new PlanConversionError(
            "a Loop Controller inside a thread group loops forever: its thread never finishes an iteration; give it a loop count",
            el.path,
          );
        notes.push({ level: "info", element: el.path, message: `Loop Controller: its samplers run ${loops} times per iteration` });
        visit(el.children, scopeSeconds, scopeTts, times * loops);
      } else if (PASS_THROUGH_CONTROLLERS.has(c)) {
        visit(el.children, scopeSeconds, scopeTts, times);
      } else if (/Control(ler)?$/.test(c) || c === "RunTime") {
        notes.push({
          level: "warning",
          element: el.path,
          message: `${c}: its logic is not converted; its children are counted as running once per iteration`,
        });
        visit(el.children, scopeSeconds, scopeTts, times);
      } else listElement(el, notes);
    }
  };
  visit(group.children, plan.seconds, plan.tts, 1);
  return walk;
}

/** True for a sampler element. */
export function isSampler(el: JmxElement): boolean {
  return HTTP_SAMPLERS.has(el.testclass) || /Sampler$/.test(el.testclass) || el.testclass === "TestAction";
}

/** Notes for an element that is not part of the load model. */
export function listElement(el: JmxElement, notes: ConversionNote[]): void {
  const c = el.testclass;
  if (!el.enabled) return;
  let level: ConversionNote["level"] = "not-converted";
  let message: string;
  if (/Assertion$/.test(c))
    message =
      "assertion: not converted; the run is judged by the profile's SLOs (acknowledgement status and latency, delivery reconciled end to end)";
  else if (/(Extractor|PostProcessor)$/.test(c))
    message = "extractor / post-processor: not converted; the generator sends its own Genesys-shaped messages and extracts nothing";
  else if (/PreProcessor$/.test(c)) message = "pre-processor: not converted; its code is not run";
  else if (/(Timer)$/.test(c))
    message = `${c}: not converted (converted timers: Constant, Uniform/Gaussian/Poisson Random, Constant Throughput, Throughput Shaping)`;
  else if (c === "ResultCollector" || c === "BackendListener" || c === "Summariser" || /Listener$/.test(c)) {
    level = "info";
    message = "listener: not needed; the generator writes its own JSON and HTML report";
  } else if (c === "CSVDataSet")
    message = "CSV Data Set: not converted; messages are synthetic (`textLength` characters, spread over `conversations` addresses)";
  else if (c === "HeaderManager")
    message = "HTTP headers: not converted; the generator sends the Genesys webhook's headers and its X-Hub-Signature-256 itself";
  else if (c === "ConfigTestElement") {
    level = "info";
    message = "HTTP Request Defaults: the target is the pipeline's ingress URL given to the generator, not the plan's server";
  } else if (c === "Arguments") {
    level = "info";
    message = "User Defined Variables: used to evaluate ${...} in the load settings";
  } else if (/(CookieManager|CacheManager|AuthManager|DNSCacheManager|KeystoreConfig)$/.test(c)) {
    level = "info";
    message = `${c}: not needed by the generator`;
  } else message = `${c}: no equivalent in the profile`;
  notes.push({ level, element: el.path, message });
}

/** Notes for the Test Plan's direct children other than thread groups. */
export function listPlanLevel(els: readonly JmxElement[], notes: ConversionNote[]): void {
  for (const el of els) {
    if (!el.enabled) continue; // noted by the caller
    if (MEAN_TIMERS.has(el.testclass) || el.testclass === "ConstantThroughputTimer" || el.testclass === SHAPING_TIMER) {
      notes.push({ level: "info", element: el.path, message: "timer at Test Plan level: applied to the samplers of every thread group" });
    } else if (isSampler(el)) {
      notes.push({ level: "not-converted", element: el.path, message: "sampler outside any thread group: JMeter never runs it" });
    } else listElement(el, notes);
  }
}

/** The POST path that stands for the webhook: the option, or the first POST's; other POST paths are listed. */
export function pickWebhookPath(groups: readonly GroupWalk[], ctx: JmxConvertContext, notes: ConversionNote[]): string | undefined {
  const posts = groups.flatMap((g) => g.samplers).filter((s) => s.http && s.method === "POST");
  const paths = [...new Set(posts.map((s) => s.path ?? ""))];
  const chosen = ctx.webhookPath ?? paths[0];
  if (ctx.webhookPath !== undefined && !paths.includes(ctx.webhookPath)) {
    throw new PlanConversionError(
      `webhookPath ${JSON.stringify(ctx.webhookPath)} matches no HTTP POST sampler of the plan (POST paths: ${paths.map((p) => JSON.stringify(p)).join(", ") || "none"}); pass one of them`,
    );
  }
  for (const s of groups.flatMap((g) => g.samplers)) {
    if (s.http && s.method === "POST" && s.path === chosen) {
      notes.push({
        level: "info",
        element: s.el.path,
        message: `HTTP POST ${chosen || "(no path)"}: stands for the Genesys webhook delivery; the generator sends its own signed Genesys-shaped message instead of the plan's body`,
      });
    } else if (s.http) {
      notes.push({
        level: "not-converted",
        element: s.el.path,
        message: `HTTP ${s.method} ${s.path || "(no path)"}: not converted, the profile only sends webhook POSTs${s.method === "POST" ? ` (the webhook was taken to be ${JSON.stringify(chosen)}; pick another with webhookPath)` : ""}; it still takes R in each iteration`,
      });
    } else {
      const c = s.el.testclass;
      const what = /JSR223|BeanShell/.test(c)
        ? "script code (JSR223/BeanShell) is not run"
        : c === "JDBCSampler"
          ? "JDBC requests are not sent"
          : c === "TestAction"
            ? "a Flow Control Action's pause is not counted as think time (use a Constant Timer)"
            : `${c} is not run`;
      notes.push({
        level: "not-converted",
        element: s.el.path,
        message: `sampler ${c}: not converted, ${what}; it still takes R in each iteration`,
      });
    }
  }
  return chosen;
}
