/**
 * JMeter test plan (`.jmx`) to arrival-rate schedule.
 *
 * Converted: the standard Thread Group (threads, ramp-up, loops or scheduler duration,
 * startup delay), the JMeter Plugins' Concurrency and Arrivals thread groups, Constant /
 * Uniform / Gaussian / Poisson random timers (their mean, as think time), the Constant
 * Throughput Timer in each `calcMode`, and the Throughput Shaping Timer's `load_profile`.
 * Everything else is listed in the notes as not converted.
 *
 * Sources for the semantics (read in the JMeter and JMeter Plugins sources):
 * - ConstantThroughputTimer: `throughput` is samples per MINUTE; `calcMode` 0 "this thread
 *   only" (each thread paces itself: total = threads x throughput), 1 "all active threads"
 *   (the target is divided over the active threads of all thread groups), 2 "all active
 *   threads in current thread group", 3 and 4 the "shared" variants of 1 and 2
 *   (apache/jmeter src/components/.../timers/ConstantThroughputTimer.java, `Mode`, `calculateDelay`).
 * - Concurrency / Arrivals thread groups: properties TargetLevel, RampUp, Steps, Hold, Unit
 *   ("M" multiplies RampUp and Hold by 60 and divides the Arrivals rate by 60), the first
 *   step at once (undera/jmeter-plugins plugins/casutg AbstractDynamicThreadGroup(Model).java,
 *   ConcurrencyThreadStarter.java, ArrivalsThreadStarter.java).
 * - Throughput Shaping Timer: `load_profile` rows of (start RPS, end RPS, duration s), linear
 *   inside a row; the test stops at the end of the schedule; a `load_profile` JMeter property
 *   (`const(N,T) line(A,B,T) step(A,B,S,T)`) replaces the rows
 *   (plugins/tst .../timers/VariableThroughputTimer.java).
 */
import { capNote, closedModelNote, formatRate } from "./closed-model";
import { applyShaping, shapingRows, sumRows } from "./jmx-shaping";
import { JmxExpressions, parseJmx, propText, type JmxElement } from "./jmx-tree";
import {
  CONCURRENCY_TG,
  CTT_MODES,
  isThreadGroupLike,
  listPlanLevel,
  pickWebhookPath,
  THREAD_GROUPS,
  threadGroupHint,
  walkGroup,
  type GroupWalk,
  type JmxConvertContext,
  type ThroughputTimer,
} from "./jmx-walk";
import {
  constant,
  concat,
  cut,
  minOf,
  peak,
  scale,
  scheduleEnd,
  shift,
  steppedRamp,
  sum,
  threadTrapezoid,
  type Schedule,
} from "./schedule";
import { PlanConversionError } from "./types";

export type { JmxConvertContext } from "./jmx-walk";
export { parseLoadProfileProperty, shortDuration } from "./jmx-shaping";

/** Converts a JMeter test plan's XML. Returns the plan's name and the arrival-rate schedule of its webhook POSTs. */
export function convertJmx(xml: string, ctx: JmxConvertContext): { name: string; schedule: Schedule } {
  const plan = parseJmx(xml);
  const notes = ctx.notes;
  const ex = new JmxExpressions(ctx.properties, notes);
  ex.addVariables(plan.props.get("TestPlan.user_defined_variables"), plan.path);
  for (const el of plan.children) {
    if (el.enabled && el.testclass === "Arguments") ex.addVariables({ kind: "element", props: el.props }, el.path);
  }

  // Plan-level elements other than thread groups apply to (or are listed for) every group.
  const groups: GroupWalk[] = [];
  const planLevel = plan.children.filter((el) => !isThreadGroupLike(el));
  for (const el of plan.children) {
    if (!el.enabled) {
      notes.push({ level: "info", element: el.path, message: 'disabled in the plan (enabled="false"): skipped, with everything under it' });
      continue;
    }
    if (THREAD_GROUPS.has(el.testclass)) {
      groups.push(walkGroup(el, planLevel, ex, notes));
    } else if (isThreadGroupLike(el)) {
      notes.push({ level: "not-converted", element: el.path, message: threadGroupHint(el.testclass) });
    }
  }
  listPlanLevel(planLevel, notes);
  if (!groups.length)
    throw new PlanConversionError(
      "the plan has no enabled Thread Group, Concurrency Thread Group or Arrivals Thread Group to convert",
      plan.path,
    );

  const webhookPath = pickWebhookPath(groups, ctx, notes);
  const threadsByGroup = new Map(groups.map((g) => [g, maxThreads(g.el, ex)]));
  const schedules: Schedule[] = [];
  for (const g of groups) {
    const s = groupSchedule(g, webhookPath, ctx, ex, groups, threadsByGroup);
    if (s) schedules.push(s);
  }
  if (!schedules.length) {
    throw new PlanConversionError(
      `no thread group sends an HTTP POST${webhookPath ? ` to ${webhookPath}` : ""}: the profile only models webhook POSTs; give webhookPath to pick the sampler that stands for the webhook`,
      plan.path,
    );
  }
  const serialize = ex.str(plan, "TestPlan.serialize_threadgroups", plan.path) === "true";
  let schedule: Schedule;
  if (serialize) {
    notes.push({ level: "info", element: plan.path, message: "Run Thread Groups consecutively: the groups' schedules follow each other" });
    let offset = 0;
    const parts: Schedule[] = [];
    for (const s of schedules) {
      parts.push(shift(s, offset));
      offset += scheduleEnd(s);
    }
    schedule = concat(...parts);
  } else schedule = sum(schedules);
  return { name: plan.name, schedule };
}

/** Largest number of threads a group runs (for calcMode 1 and 3, which share a target between groups). */
function maxThreads(el: JmxElement, ex: JmxExpressions): number {
  if (el.testclass === "ThreadGroup") return ex.num(el, "ThreadGroup.num_threads");
  if (el.testclass === CONCURRENCY_TG) return ex.num(el, "TargetLevel", 1);
  return ex.num(el, "ConcurrencyLimit", 0) || 0;
}

function unitFactor(el: JmxElement, ex: JmxExpressions): number {
  return (ex.str(el, "Unit", el.path) ?? "S").trim() === "M" ? 60 : 1;
}

/**
 * The stepping of the Concurrency and Arrivals thread groups (JMeter Plugins' dynamic thread
 * groups share it): `TargetLevel` as written, `RampUp` and `Hold` in seconds, `Steps`, and the
 * `Unit` factor (60 for M). Throws when RampUp + Hold is 0.
 */
function steppingOf(
  el: JmxElement,
  ex: JmxExpressions,
): { unit: number; targetLevel: number; rampUp: number; steps: number; hold: number } {
  const unit = unitFactor(el, ex);
  const targetLevel = ex.num(el, "TargetLevel", 1);
  const rampUp = ex.num(el, "RampUp", 0) * unit;
  const steps = Math.max(0, Math.trunc(ex.num(el, "Steps", 0)));
  const hold = ex.num(el, "Hold", 1) * unit;
  if (rampUp + hold <= 0) throw new PlanConversionError("RampUp + Hold is 0: the group would run for no time; set a Hold time", el.path);
  return { unit, targetLevel, rampUp, steps, hold };
}

/** The Constant Throughput Timers of a group as rate caps, in webhook POSTs per second, and its shaping timers. */
interface GroupCaps {
  /** The calcMode 0 cap: each thread paces itself. */
  perThreadCap: number;
  /** The calcMode 1..4 cap: the group as a whole. */
  groupCap: number;
  readonly shaping: ThroughputTimer[];
}

/**
 * Reads a group's throughput timers: each Constant Throughput Timer becomes a per-thread cap
 * (calcMode 0) or a group cap (1..4, a target shared between groups split by thread count),
 * scaled to the webhook POSTs among the samples it paces; shaping timers are collected.
 */
function throughputCaps(
  g: GroupWalk,
  posts: number,
  ex: JmxExpressions,
  groups: readonly GroupWalk[],
  threadsByGroup: ReadonlyMap<GroupWalk, number>,
  notes: JmxConvertContext["notes"],
): GroupCaps {
  const caps: GroupCaps = { perThreadCap: Infinity, groupCap: Infinity, shaping: [] };
  for (const t of g.throughputTimers) {
    if (t.kind === "shaping") {
      caps.shaping.push(t);
      continue;
    }
    const perMinute = ex.num(t.el, "throughput");
    const mode = Math.trunc(ex.num(t.el, "calcMode", 0));
    if (!(mode >= 0 && mode <= 4)) throw new PlanConversionError(`calcMode ${mode} is not one of 0..4`, t.el.path);
    const postsShare = posts / Math.max(1, t.samplesInScope);
    let share = 1;
    if (mode === 1 || mode === 3) {
      const sharing =
        mode === 1 ? groups : groups.filter((o) => o.throughputTimers.some((x) => x.kind === "ctt" && ex.num(x.el, "calcMode", 0) === 3));
      const all = sharing.reduce((n, o) => n + (threadsByGroup.get(o) ?? 0), 0);
      share = all > 0 ? (threadsByGroup.get(g) ?? 0) / all : 1;
    }
    const samplesPerSecond = perMinute / 60;
    if (mode === 0) {
      caps.perThreadCap = Math.min(caps.perThreadCap, samplesPerSecond * postsShare);
      notes.push({
        level: "info",
        element: t.el.path,
        message: `Constant Throughput Timer, calcMode ${CTT_MODES[0]}: ${formatRate(perMinute)}/min per thread = ${formatRate(samplesPerSecond)}/s per thread, times the active threads`,
      });
    } else {
      caps.groupCap = Math.min(caps.groupCap, samplesPerSecond * share * postsShare);
      notes.push({
        level: "info",
        element: t.el.path,
        message: `Constant Throughput Timer, calcMode ${CTT_MODES[mode]}: ${formatRate(perMinute)}/min = ${formatRate(samplesPerSecond)}/s${share !== 1 ? `, this group's share ${formatRate(share)} (its threads / the threads of the groups sharing the target) = ${formatRate(samplesPerSecond * share)}/s` : ""} for the group`,
      });
      if (mode === 1 || mode === 3)
        notes.push({
          level: "assumption",
          element: t.el.path,
          message:
            "the shared target is split between thread groups in proportion to their thread counts (JMeter divides it over the threads active at each moment)",
        });
    }
    if (t.samplesInScope > posts)
      notes.push({
        level: "info",
        element: t.el.path,
        message: `it paces ${formatRate(t.samplesInScope)} samples per iteration, ${formatRate(posts)} of them webhook POSTs: the POST rate is ${formatRate(postsShare)} of its throughput`,
      });
  }
  return caps;
}

/** What one group's schedule is built from: its iteration's make-up and its timers' caps. */
interface GroupShape {
  readonly g: GroupWalk;
  readonly ctx: JmxConvertContext;
  readonly ex: JmxExpressions;
  /** Webhook POSTs per iteration. */
  readonly posts: number;
  /** Samples per iteration. */
  readonly samples: number;
  /** Think time per iteration, seconds. */
  readonly think: number;
  /** Seconds per iteration of one thread. */
  readonly cycle: number;
  /** Webhook POSTs per second of one thread, its calcMode 0 cap applied. */
  readonly closedPerThread: number;
  readonly caps: GroupCaps;
}

/** Explains a closed-model group's rate (threads x per-thread rate) unless a timer sets it (noted with the timer). */
function explainClosed(s: GroupShape, threads: number): void {
  const { caps, posts, cycle, ctx } = s;
  const el = s.g.el;
  if (caps.shaping.length || caps.groupCap <= threads * s.closedPerThread) return;
  if (caps.perThreadCap < posts / cycle) {
    ctx.notes.push({
      level: "info",
      element: el.path,
      message: `the Constant Throughput Timer paces each thread at ${formatRate(caps.perThreadCap)} webhook POSTs/s (on its own a thread could send ${formatRate(posts / cycle)}/s with R as assumed): rate = ${formatRate(threads)} threads x ${formatRate(caps.perThreadCap)}/s = ${formatRate(threads * caps.perThreadCap)}/s`,
    });
  } else ctx.notes.push(closedModelNote(el.path, threads, s.think, ctx.responseSeconds, posts, s.samples));
}

/** A Concurrency Thread Group: its stepped thread count times each thread's rate. */
function concurrencyGroupSchedule(s: GroupShape): Schedule {
  const { ex, ctx } = s;
  const el = s.g.el;
  const { unit: u, targetLevel: level, rampUp, steps, hold } = steppingOf(el, ex);
  ctx.notes.push({
    level: "info",
    element: el.path,
    message: `Concurrency Thread Group: ${formatRate(level)} threads reached ${steps > 0 ? `in ${steps} steps` : "linearly"} over ${formatRate(rampUp)} s, held ${formatRate(hold)} s (Unit ${u === 60 ? "M: minutes" : "S: seconds"})`,
  });
  if (ex.str(el, "Iterations", el.path)?.trim())
    ctx.notes.push({
      level: "warning",
      element: el.path,
      message: "Iterations limit: not converted; the converted run lasts RampUp + Hold",
    });
  const schedule = scale(steppedRamp(level, rampUp, steps, hold, el.name), s.closedPerThread);
  explainClosed(s, level);
  return schedule;
}

/** An Arrivals Thread Group (open model already): its stepped arrival rate times the POSTs per arrival, capped by ConcurrencyLimit. */
function arrivalsGroupSchedule(s: GroupShape): Schedule {
  const { ex, ctx, posts, cycle } = s;
  const el = s.g.el;
  const { unit: u, targetLevel, rampUp, steps, hold } = steppingOf(el, ex);
  // TargetLevel is arrivals per Unit
  const level = targetLevel / u;
  ctx.notes.push({
    level: "info",
    element: el.path,
    message: `Arrivals Thread Group (open model already): ${formatRate(level)} arrivals/s${u === 60 ? ` (${formatRate(level * 60)}/min)` : ""} reached ${steps > 0 ? `in ${steps} steps` : "linearly"} over ${formatRate(rampUp)} s, held ${formatRate(hold)} s; each arrival runs one iteration with ${formatRate(posts)} webhook POST(s)`,
  });
  let schedule = scale(steppedRamp(level, rampUp, steps, hold, el.name), posts);
  const limit = ex.num(el, "ConcurrencyLimit", 0);
  if (limit > 0) {
    const capacity = (limit / cycle) * posts;
    if (capacity < peak(schedule)) {
      ctx.notes.push(
        capNote(
          el.path,
          `the Arrivals Thread Group (ConcurrencyLimit ${formatRate(limit)} threads, each iteration ${formatRate(cycle)} s)`,
          peak(schedule),
          capacity,
        ),
      );
      schedule = minOf(schedule, constant(0, scheduleEnd(schedule), capacity));
    }
  }
  return schedule;
}

/**
 * Holds a schedule at the group's Constant Throughput Timer cap when the threads could send
 * more; notes a cap the threads cannot reach (closed-model groups only, `closedModel`).
 */
function applyGroupCap(s: GroupShape, schedule: Schedule, closedModel: boolean): Schedule {
  const { groupCap } = s.caps;
  const el = s.g.el;
  if (!Number.isFinite(groupCap)) return schedule;
  const before = peak(schedule);
  if (groupCap < before) {
    s.ctx.notes.push({
      level: "info",
      element: el.path,
      message: `the Constant Throughput Timer holds the group at ${formatRate(groupCap)} webhook POSTs/s (its threads could send ${formatRate(before)}/s)`,
    });
    return minOf(schedule, constant(0, scheduleEnd(schedule), groupCap));
  }
  if (closedModel && groupCap > before * (1 + 1e-9)) s.ctx.notes.push(capNote(el.path, "the Constant Throughput Timer", groupCap, before));
  return schedule;
}

/** A standard Thread Group's startup delay (scheduler ticked): the schedule shifted by it. */
function applyStartupDelay(s: GroupShape, schedule: Schedule): Schedule {
  const { ex } = s;
  const el = s.g.el;
  const delay =
    el.testclass === "ThreadGroup" && ex.str(el, "ThreadGroup.scheduler", el.path) === "true" ? ex.num(el, "ThreadGroup.delay", 0) : 0;
  if (delay > 0)
    s.ctx.notes.push({
      level: "info",
      element: el.path,
      message: `startup delay ${formatRate(delay)} s: the group starts ${formatRate(delay)} s into the run`,
    });
  return delay > 0 ? shift(schedule, delay) : schedule;
}

/** The arrival-rate schedule of a group's webhook POSTs, or undefined when it sends none. */
function groupSchedule(
  g: GroupWalk,
  webhookPath: string | undefined,
  ctx: JmxConvertContext,
  ex: JmxExpressions,
  groups: readonly GroupWalk[],
  threadsByGroup: ReadonlyMap<GroupWalk, number>,
): Schedule | undefined {
  const el = g.el;
  const posts = g.samplers.filter((s) => s.http && s.method === "POST" && s.path === webhookPath).reduce((n, s) => n + s.times, 0);
  if (posts === 0) {
    ctx.notes.push({ level: "not-converted", element: el.path, message: "this thread group sends no webhook POST: it adds no arrivals" });
    return undefined;
  }
  const samples = g.samplers.reduce((n, s) => n + s.times, 0);
  const think = g.samplers.reduce((n, s) => n + s.times * s.timerSeconds, 0);
  const cycle = think + samples * ctx.responseSeconds; // seconds per iteration of one thread
  const caps = throughputCaps(g, posts, ex, groups, threadsByGroup, ctx.notes);
  const closedPerThread = Math.min(posts / cycle, caps.perThreadCap);
  const shape: GroupShape = { g, ctx, ex, posts, samples, think, cycle, closedPerThread, caps };

  let schedule: Schedule;
  if (el.testclass === "ThreadGroup") {
    schedule = threadGroupSchedule(g, ex, cycle, closedPerThread, caps.shaping, ctx);
    explainClosed(shape, ex.num(el, "ThreadGroup.num_threads"));
  } else if (el.testclass === CONCURRENCY_TG) schedule = concurrencyGroupSchedule(shape);
  else schedule = arrivalsGroupSchedule(shape);

  schedule = applyGroupCap(shape, schedule, el.testclass === "ThreadGroup" || el.testclass === CONCURRENCY_TG);
  for (const t of caps.shaping) schedule = applyShaping(schedule, t, posts, ctx, ex);
  return applyStartupDelay(shape, schedule);
}

/** A standard Thread Group: threads started evenly over the ramp-up, each running its loops, cut at the scheduler's duration. */
function threadGroupSchedule(
  g: GroupWalk,
  ex: JmxExpressions,
  cycle: number,
  perThread: number,
  shaping: readonly ThroughputTimer[],
  ctx: JmxConvertContext,
): Schedule {
  const el = g.el;
  const threads = ex.num(el, "ThreadGroup.num_threads");
  const rampTime = ex.num(el, "ThreadGroup.ramp_time", 1);
  if (!(threads > 0)) throw new PlanConversionError(`ThreadGroup.num_threads is ${threads}: give at least 1 thread`, el.path);
  const main = el.props.get("ThreadGroup.main_controller");
  const loopsRaw = main?.kind === "element" ? propText(main, "LoopController.loops") : undefined;
  const forever = main?.kind === "element" && propText(main, "LoopController.continue_forever") === "true" && loopsRaw === undefined;
  const loops = forever ? -1 : loopsRaw === undefined ? 1 : Number(ex.tryEval(loopsRaw, el.path));
  if (!Number.isFinite(loops))
    throw new PlanConversionError(
      `LoopController.loops is ${JSON.stringify(loopsRaw)}, not a number: pass it in properties or write the number`,
      el.path,
    );
  const scheduler = ex.str(el, "ThreadGroup.scheduler", el.path) === "true";
  const duration = scheduler ? ex.num(el, "ThreadGroup.duration", 0) : 0;
  const shapingEnd = shaping.length ? Math.min(...shaping.map((t) => sumRows(shapingRows(t.el, { ...ctx, notes: [] }, ex)))) : Infinity;
  let horizon = duration > 0 ? duration : Infinity;
  if (loops < 0 && !Number.isFinite(horizon)) {
    if (!Number.isFinite(shapingEnd)) {
      throw new PlanConversionError(
        'loops forever (Infinite) with no scheduler duration: the plan never ends; tick "Specify Thread lifetime" and give a Duration, or give a loop count',
        el.path,
      );
    }
    horizon = shapingEnd;
  }
  const active = loops < 0 ? horizon : Math.min(loops * cycle, horizon);
  ctx.notes.push({
    level: "info",
    element: el.path,
    message:
      `Thread Group: ${formatRate(threads)} threads started over ${formatRate(rampTime)} s` +
      (loops < 0 ? ", looping until the end" : `, ${formatRate(loops)} loop(s) of ${formatRate(cycle)} s each`) +
      (duration > 0 ? `, for ${formatRate(duration)} s (scheduler)` : ""),
  });
  const threadsOverTime = cut(threadTrapezoid(threads, rampTime, active, el.name), horizon);
  return scale(threadsOverTime, perThread);
}
