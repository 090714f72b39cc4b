/**
 * EventBridge Scheduler expressions (`rate(...)`, `cron(...)`, `at(...)`) read without
 * cdktf: the firings of a schedule, the longest gap between two firings (the missing-run
 * alarm is derived from it at synth) and the next firing (the local scheduler fires on it).
 *
 * Syntax as Scheduler documents it ("Schedule types on EventBridge Scheduler",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 * `rate(value unit)` with unit minute(s) | hour(s) | day(s); `cron(minutes hours
 * day-of-month month day-of-week year)` with day-of-week 1-7 = SUN-SAT, one of
 * day-of-month / day-of-week `?`; `at(yyyy-mm-ddThh:mm:ss)`.
 *
 * Supported cron field syntax: `*`, `?`, numbers, names (JAN..DEC, SUN..SAT), ranges
 * `a-b`, steps `a/n` and `a-b/n`, lists, and `L` (last day) in day-of-month. `W`, `#` and
 * `L` in day-of-week are refused with the fix: their gaps are not derived here.
 */
import { CLOUDWATCH_MAX_ALARM_EVALUATION_SECONDS } from "../runtime/aws-limits";

/** A parsed schedule expression. */
export type ScheduleExpression =
  | { readonly kind: "rate"; readonly periodSeconds: number; readonly text: string }
  | { readonly kind: "cron"; readonly text: string; readonly fields: CronFields }
  | { readonly kind: "at"; readonly text: string; readonly atMs: number };

/** The sets of values each cron field matches (`lastDayOfMonth`: `L` in day-of-month). */
export interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** undefined: `?` (day-of-week decides). */
  readonly daysOfMonth?: ReadonlySet<number>;
  readonly lastDayOfMonth: boolean;
  readonly months: ReadonlySet<number>;
  /** 1-7 = SUN-SAT; undefined: `?` (day-of-month decides). */
  readonly daysOfWeek?: ReadonlySet<number>;
  /** undefined: every year. */
  readonly years?: ReadonlySet<number>;
}

/** Thrown for an expression this module cannot read; the message names the fix. */
export class ScheduleExpressionError extends Error {
  override readonly name = "ScheduleExpressionError";
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function field(text: string, name: string, min: number, max: number, names?: readonly string[]): Set<number> {
  const out = new Set<number>();
  const value = (raw: string): number => {
    const upper = raw.toUpperCase();
    const named = names?.indexOf(upper) ?? -1;
    const n = named >= 0 ? named + min : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ScheduleExpressionError(`cron ${name} "${text}": "${raw}" is outside ${min}..${max}`);
    return n;
  };
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(`cron ${name} "${text}": step "${stepText}" is not a positive integer`);
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [min, max];
    else if (range.includes("-")) {
      const [a, b] = range.split("-");
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    if (from > to) throw new ScheduleExpressionError(`cron ${name} "${text}": range ${range} runs backwards`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses a Scheduler expression; throws {@link ScheduleExpressionError} naming what is wrong. */
export function parseScheduleExpression(text: string): ScheduleExpression {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(text.trim());
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) throw new ScheduleExpressionError(`"${text}": a rate must be at least 1`);
    const unit = rate[2].startsWith("minute") ? 60 : rate[2].startsWith("hour") ? 3600 : 86_400;
    return { kind: "rate", periodSeconds: value * unit, text };
  }
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(text.trim());
  if (at) {
    const atMs = Date.parse(`${at[1]}Z`);
    if (Number.isNaN(atMs)) throw new ScheduleExpressionError(`"${text}": not a date and time`);
    return { kind: "at", text, atMs };
  }
  const cron = /^cron\((.+)\)$/.exec(text.trim());
  if (!cron)
    throw new ScheduleExpressionError(
      `"${text}" is not an EventBridge Scheduler expression; use rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)`,
    );
  const parts = cron[1].trim().split(/\s+/);
  if (parts.length !== 6)
    throw new ScheduleExpressionError(
      `"${text}": a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not ${parts.length}`,
    );
  const [mi, h, dom, mo, dow, y] = parts;
  if (/[W#]/i.test(dom + dow) || /L/i.test(dow)) {
    throw new ScheduleExpressionError(
      `"${text}": W, # and L in day-of-week are not supported here (the missing-run alarm cannot derive the longest gap); use numbers, names, ranges, steps, lists, or L in day-of-month`,
    );
  }
  if ((dom === "?") === (dow === "?"))
    throw new ScheduleExpressionError(`"${text}": exactly one of day-of-month and day-of-week must be "?"`);
  const lastDayOfMonth = dom.toUpperCase() === "L";
  return {
    kind: "cron",
    text,
    fields: {
      minutes: field(mi, "minutes", 0, 59),
      hours: field(h, "hours", 0, 23),
      daysOfMonth: dom === "?" || lastDayOfMonth ? undefined : field(dom, "day-of-month", 1, 31),
      lastDayOfMonth,
      months: field(mo, "month", 1, 12, MONTHS),
      daysOfWeek: dow === "?" ? undefined : field(dow, "day-of-week", 1, 7, DAYS),
      years: y === "*" ? undefined : field(y, "year", 1970, 2199),
    },
  };
}

const DAY_MS = 86_400_000;

function dayMatches(f: CronFields, dayStartMs: number): boolean {
  const d = new Date(dayStartMs);
  if (f.years && !f.years.has(d.getUTCFullYear())) return false;
  if (!f.months.has(d.getUTCMonth() + 1)) return false;
  if (f.daysOfWeek) return f.daysOfWeek.has(d.getUTCDay() + 1);
  if (f.lastDayOfMonth) return new Date(dayStartMs + DAY_MS).getUTCDate() === 1;
  return f.daysOfMonth!.has(d.getUTCDate());
}

/**
 * Firings of a cron expression (read in UTC) in [fromMs, toMs), in order; at most `limit`.
 */
export function cronFirings(fields: CronFields, fromMs: number, toMs: number, limit = 100_000): number[] {
  const out: number[] = [];
  const minutes = [...fields.minutes].sort((a, b) => a - b);
  const hours = [...fields.hours].sort((a, b) => a - b);
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day < toMs && out.length < limit; day += DAY_MS) {
    if (!dayMatches(fields, day)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const t = day + h * 3_600_000 + m * 60_000;
        if (t >= fromMs && t < toMs && out.length < limit) out.push(t);
      }
    }
  }
  return out;
}

/** How far ahead the longest gap of a cron schedule is looked for: 4 years and a day (a leap year included). */
const CRON_SCAN_MS = (4 * 365 + 2) * DAY_MS;

/**
 * The longest time between two consecutive firings of a schedule, seconds, over the four years
 * from `fromMs` (default: now), or from the first year a cron expression allows when that is
 * later; undefined for `at(...)` and for a cron expression limited to given years that fires
 * fewer than twice in that scan (one-off schedules, or years all past: no gap to watch); a
 * cron expression of every year that fires fewer than twice in four years (29 February) gives
 * the four years. Cron expressions are read in UTC: a schedule in a time zone with daylight
 * saving time has gaps up to an hour longer; add `dstMarginSeconds`.
 */
export function longestGapSeconds(expression: ScheduleExpression, fromMs = Date.now()): number | undefined {
  if (expression.kind === "rate") return expression.periodSeconds;
  if (expression.kind === "at") return undefined;
  const years = expression.fields.years;
  const startMs = years ? Math.max(fromMs, Date.UTC(Math.min(...years), 0, 1)) : fromMs;
  const firings = cronFirings(expression.fields, startMs, startMs + CRON_SCAN_MS);
  if (firings.length < 2) {
    // limited to given years: a one-off; every year but rarer than the scan (29 February): at least the scan
    return years ? undefined : CRON_SCAN_MS / 1000;
  }
  let longest = 0;
  for (let i = 1; i < firings.length; i++) longest = Math.max(longest, firings[i] - firings[i - 1]);
  return longest / 1000;
}

/**
 * The next firing strictly after `afterMs` (a `rate` schedule counts from `startMs`, when it
 * was created), or undefined when there is none. Cron expressions are read in UTC.
 */
export function nextFiring(expression: ScheduleExpression, afterMs: number, startMs = afterMs): number | undefined {
  if (expression.kind === "rate") {
    const period = expression.periodSeconds * 1000;
    return startMs + (Math.floor((afterMs - startMs) / period) + 1) * period;
  }
  if (expression.kind === "at") return expression.atMs > afterMs ? expression.atMs : undefined;
  return cronFirings(expression.fields, afterMs + 1, afterMs + CRON_SCAN_MS, 1)[0];
}

/** CloudWatch's limit on period x evaluation periods for periods of an hour or more, seconds (7 days; see `../runtime/aws-limits`). */
export const ALARM_MAX_EVALUATION_SECONDS = CLOUDWATCH_MAX_ALARM_EVALUATION_SECONDS;

/** The shape of the missing-run alarm derived from a schedule. */
export interface MissingRunAlarmShape {
  /** 3600: an hour (the heartbeat is a few data points a day at most). */
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** The schedule's longest gap between firings, seconds. */
  readonly longestGapSeconds: number;
  /** Added to the gap, seconds: the run's own length and CloudWatch's period alignment. */
  readonly marginSeconds: number;
}

/**
 * The missing-run alarm for a schedule: it fires when no heartbeat arrived for
 * ceil((longest gap + margin) / 1 hour) hours in a row (every one of those periods breaching:
 * `treat_missing_data = "breaching"` and threshold `Sum < 1`). Returns a problem (the text
 * after the prop path) when the window exceeds CloudWatch's 7 days
 * (PutMetricAlarm: "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
 * or when every year a cron expression allows is past (`nowMs`, default now), and `undefined`
 * for a one-off schedule (no alarm).
 */
export function missingRunAlarmShape(
  expression: ScheduleExpression,
  options: { marginSeconds: number; timezone?: string; nowMs?: number },
): MissingRunAlarmShape | { readonly problem: string } | undefined {
  const nowMs = options.nowMs ?? Date.now();
  if (expression.kind === "cron" && expression.fields.years && Math.max(...expression.fields.years) < new Date(nowMs).getUTCFullYear()) {
    return {
      problem: `"${expression.text}" only allows years before ${new Date(nowMs).getUTCFullYear()}, so it never fires again; set the year field to "*" or to years to come (e.g. "cron(0 3 * * ? *)").`,
    };
  }
  const gap = longestGapSeconds(expression, nowMs);
  if (gap === undefined) return undefined;
  const dst = options.timezone && options.timezone !== "UTC" ? 3600 : 0;
  const periodSeconds = 3600;
  const window = gap + dst + options.marginSeconds;
  const evaluationPeriods = Math.max(1, Math.ceil(window / periodSeconds));
  if (evaluationPeriods * periodSeconds > ALARM_MAX_EVALUATION_SECONDS) {
    return {
      problem:
        `"${expression.text}" leaves up to ${Math.round(gap / 3600)} hours between runs, so the missing-run alarm would need to look back ${evaluationPeriods} hours; ` +
        `CloudWatch looks back at most 7 days (period x evaluation periods <= ${ALARM_MAX_EVALUATION_SECONDS} s). Run the spike at least every ${Math.floor((ALARM_MAX_EVALUATION_SECONDS - options.marginSeconds - dst) / 3600)} hours (e.g. daily: "cron(0 3 * * ? *)").`,
    };
  }
  return {
    periodSeconds,
    evaluationPeriods,
    datapointsToAlarm: evaluationPeriods,
    longestGapSeconds: gap,
    marginSeconds: options.marginSeconds + dst,
  };
}
