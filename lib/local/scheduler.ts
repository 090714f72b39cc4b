/**
 * The stack's EventBridge Scheduler schedules, fired locally when a run asks for it
 * (`schedules` option of `runLocalStack`, `--fire-schedules` of the CLI): each ENABLED
 * `rate(...)` / `cron(...)` schedule whose target is a function of the stack invokes it
 * asynchronously with the target's `input`, at the schedule's own times (a `rate` schedule
 * counts from the start of the local run, as from its creation on AWS; cron is read in UTC).
 * Without the option, schedules stay inert: the spike is started by hand.
 */
import { nextFiring, parseScheduleExpression, type ScheduleExpression } from "../constructs/schedule-expression";
import type { LambdaApi } from "./lambda-api";
import type { StackResolver } from "./resolver";
import { ofType } from "./stack";

/** Firing the stack's schedules during a local run. */
export interface LocalSchedulesOptions {
  /** Firings in all (every schedule counted), at least 1; the run waits for them and for the invocations they start. */
  readonly firings: number;
  /** The longest wait for the next firing, ms: a schedule firing later stops the run with an error. Default 15 minutes. */
  readonly maxWaitMs?: number;
}

/** One schedule of the stack as the local scheduler reads it. */
export interface StackSchedule {
  readonly address: string;
  readonly name: string;
  readonly expression: ScheduleExpression;
  readonly timezone: string;
  readonly enabled: boolean;
  /** The target's ARN (a function of the stack). */
  readonly targetArn: string;
  /** The target's input, parsed (Scheduler passes it as the event). */
  readonly input: unknown;
}

/** One firing. */
export interface ScheduleFiring {
  readonly address: string;
  readonly atMs: number;
  readonly targetArn: string;
  readonly input: unknown;
}

/** The stack's aws_scheduler_schedule resources; throws naming a schedule the emulator cannot fire. */
export function stackSchedules(resolver: StackResolver): StackSchedule[] {
  return ofType(resolver.stack, "aws_scheduler_schedule").map((item) => {
    const cfg = resolver.config(item);
    const text = String(cfg.schedule_expression);
    let expression: ScheduleExpression;
    try {
      expression = parseScheduleExpression(text);
    } catch (error) {
      throw new Error(`${item.address}: schedule_expression ${(error as Error).message}`);
    }
    const target = (Array.isArray(cfg.target) ? cfg.target[0] : cfg.target) as { arn?: string; input?: string } | undefined;
    if (!target?.arn) throw new Error(`${item.address}: the schedule has no target`);
    let input: unknown = {};
    if (typeof target.input === "string" && target.input !== "") {
      try {
        input = JSON.parse(target.input);
      } catch {
        input = target.input;
      }
    }
    return {
      address: item.address,
      name: String(cfg.name ?? item.address),
      expression,
      timezone: String(cfg.schedule_expression_timezone ?? "UTC"),
      enabled: (cfg.state ?? "ENABLED") === "ENABLED",
      targetArn: target.arn,
      input,
    };
  });
}

/**
 * Fires the enabled schedules at their times until `firings` firings happened, through the
 * local Lambda API's asynchronous path; resolves once the invocations they started (and the
 * ones those chained) have finished. Throws naming the fix when nothing would fire.
 */
export async function fireSchedules(
  schedules: readonly StackSchedule[],
  lambda: LambdaApi,
  options: LocalSchedulesOptions & {
    readonly startMs: number;
    readonly signal?: AbortSignal;
    readonly onFire?: (f: ScheduleFiring) => void;
  },
): Promise<ScheduleFiring[]> {
  if (!Number.isInteger(options.firings) || options.firings < 1)
    throw new Error(`schedules.firings: ${options.firings} is not a positive integer; give the number of firings to wait for (e.g. 1)`);
  const active = schedules.filter((s) => s.enabled);
  if (!active.length)
    throw new Error(
      `schedules: the stack has no ENABLED aws_scheduler_schedule (${schedules.map((s) => `${s.address}: DISABLED`).join(", ") || "none"}); enable one (scheduleEnabled) or run without schedules`,
    );
  for (const s of active) {
    if (s.expression.kind === "cron" && s.timezone !== "UTC") {
      throw new Error(
        `${s.address}: the local scheduler reads cron expressions in UTC and this one is in ${s.timezone}; synthesize the schedule in UTC for a local run, or use rate(...)`,
      );
    }
  }
  const maxWaitMs = options.maxWaitMs ?? 15 * 60_000;
  const fired: ScheduleFiring[] = [];
  let last = Date.now();
  while (fired.length < options.firings) {
    const next = active
      .map((s) => ({ s, at: nextFiring(s.expression, Math.max(last, options.startMs) - 1, options.startMs) }))
      .filter((n): n is { s: StackSchedule; at: number } => n.at !== undefined && n.at >= last)
      .sort((a, b) => a.at - b.at)[0];
    if (!next)
      throw new Error(
        `schedules: no schedule fires again after ${new Date(last).toISOString()} (${active.map((s) => `${s.address} ${s.expression.text}`).join(", ")}); ask for fewer firings`,
      );
    const wait = next.at - Date.now();
    if (wait > maxWaitMs) {
      throw new Error(
        `schedules: the next firing (${next.s.address}, ${next.s.expression.text}) is at ${new Date(next.at).toISOString()}, ${Math.round(wait / 1000)} s away, beyond schedules.maxWaitMs (${maxWaitMs} ms); synthesize a shorter schedule for the local run (e.g. rate(1 minute)) or raise maxWaitMs`,
      );
    }
    if (wait > 0) await sleep(wait, options.signal);
    if (options.signal?.aborted) break;
    const firing = { address: next.s.address, atMs: next.at, targetArn: next.s.targetArn, input: next.s.input };
    lambda.invokeAsync(next.s.targetArn, next.s.input);
    fired.push(firing);
    options.onFire?.(firing);
    last = next.at + 1;
  }
  await lambda.idle();
  return fired;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
