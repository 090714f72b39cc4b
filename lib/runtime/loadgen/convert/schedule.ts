/**
 * Arrival-rate schedules as piecewise-linear functions of time, the algebra the converters
 * need (sum of parallel thread groups, the lower of a rate and a cap, shift, cut), and the
 * translation into profile phases within the profile's limits.
 */
import type { Phase } from "../profile";
import type { ConversionNote } from "./types";

/** A linear piece of a schedule: the rate goes from `from` to `to` (per second) between `start` and `end` (seconds). */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly from: number;
  readonly to: number;
  /** Where the piece comes from (a thread group's name), for the phase names. */
  readonly label?: string;
}

/** Sorted, non-overlapping pieces; the rate is 0 outside them. */
export type Schedule = readonly Segment[];

/** Largest rate and phase length the profile accepts (lib/runtime/loadgen/profile.ts: `rate`, `seconds`, `phases.max`). */
export const PROFILE_MAX_RATE_PER_SECOND = 100_000;
export const PROFILE_MAX_PHASE_SECONDS = 86_400;
export const PROFILE_MAX_PHASES = 1000;
const PHASE_NAME_MAX = 64;
const EPS = 1e-9;

/** A rate held constant from `start` for `duration` seconds. */
export function constant(start: number, duration: number, rate: number, label?: string): Schedule {
  return duration > EPS ? [{ start, end: start + duration, from: rate, to: rate, label }] : [];
}

/** A linear ramp from `from` to `to` over `duration` seconds, starting at `start`. */
export function ramp(start: number, duration: number, from: number, to: number, label?: string): Schedule {
  return duration > EPS ? [{ start, end: start + duration, from, to, label }] : [];
}

/** End of the last piece, seconds (0 for an empty schedule). */
export function scheduleEnd(s: Schedule): number {
  return s.length ? s[s.length - 1].end : 0;
}

/** The schedule `offset` seconds later. */
export function shift(s: Schedule, offset: number): Schedule {
  return s.map((p) => ({ ...p, start: p.start + offset, end: p.end + offset }));
}

/** The schedule multiplied by `k`. */
export function scale(s: Schedule, k: number): Schedule {
  return s.map((p) => ({ ...p, from: p.from * k, to: p.to * k }));
}

/** The pieces of `s` before `end` (cut at `end`). */
export function cut(s: Schedule, end: number): Schedule {
  const out: Segment[] = [];
  for (const p of s) {
    if (p.start >= end - EPS) break;
    if (p.end <= end + EPS) out.push(p);
    else out.push({ ...p, end, to: valueIn(p, end) });
  }
  return out;
}

/** Concatenation of schedules that follow each other in time (the later ones must start after the earlier end). */
export function concat(...parts: Schedule[]): Schedule {
  return parts.flat();
}

function valueIn(p: Segment, t: number): number {
  const len = p.end - p.start;
  return len <= EPS ? p.to : p.from + ((p.to - p.from) * (t - p.start)) / len;
}

/** Value of `s` on the open interval (t0, t1) with no breakpoint inside: its values at both ends and the label. */
function pieceOn(s: Schedule, t0: number, t1: number): { from: number; to: number; label?: string } | undefined {
  const mid = (t0 + t1) / 2;
  const p = s.find((q) => q.start <= mid && mid < q.end);
  return p ? { from: valueIn(p, t0), to: valueIn(p, t1), label: p.label } : undefined;
}

function breakpoints(schedules: readonly Schedule[]): number[] {
  const set = new Set<number>();
  for (const s of schedules) for (const p of s) set.add(p.start).add(p.end);
  return [...set].sort((a, b) => a - b);
}

/** Sum of schedules running in parallel; the labels of the pieces that contribute are joined. */
export function sum(schedules: readonly Schedule[]): Schedule {
  const times = breakpoints(schedules);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const [t0, t1] = [times[i], times[i + 1]];
    if (t1 - t0 <= EPS) continue;
    const parts = schedules.map((s) => pieceOn(s, t0, t1)).filter((x): x is NonNullable<typeof x> => !!x);
    if (!parts.length) continue;
    const labels = [
      ...new Set(
        parts
          .filter((x) => x.from > 0 || x.to > 0)
          .map((x) => x.label)
          .filter((l): l is string => !!l),
      ),
    ];
    out.push({
      start: t0,
      end: t1,
      from: parts.reduce((a, x) => a + x.from, 0),
      to: parts.reduce((a, x) => a + x.to, 0),
      label: labels.join(" + ") || undefined,
    });
  }
  return out;
}

/**
 * The lower of `rate` and `cap` at every instant, over `rate`'s pieces (where `cap` has no
 * piece, the cap is 0). Crossings inside a piece split it, so the result stays exact.
 */
export function minOf(rate: Schedule, cap: Schedule): Schedule {
  const times = breakpoints([rate, cap]);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const [t0, t1] = [times[i], times[i + 1]];
    if (t1 - t0 <= EPS) continue;
    const a = pieceOn(rate, t0, t1);
    if (!a) continue;
    const b = pieceOn(cap, t0, t1) ?? { from: 0, to: 0 };
    const d0 = a.from - b.from;
    const d1 = a.to - b.to;
    if (d0 * d1 < 0) {
      const tc = t0 + ((t1 - t0) * d0) / (d0 - d1);
      const vc = a.from + ((a.to - a.from) * (tc - t0)) / (t1 - t0);
      out.push({ start: t0, end: tc, from: Math.min(a.from, b.from), to: vc, label: a.label });
      out.push({ start: tc, end: t1, from: vc, to: Math.min(a.to, b.to), label: a.label });
    } else {
      const lower = d0 + d1 <= 0 ? a : b;
      out.push({ start: t0, end: t1, from: lower.from, to: lower.to, label: a.label });
    }
  }
  return out;
}

/**
 * Merges neighbouring pieces that join without a jump and lie on nearly one line (the
 * joint within 0.05/s of the straight line over both), so that a crossing a few
 * milliseconds from a breakpoint does not become a phase of its own. Labels must match.
 */
export function simplify(s: Schedule, tolerance = 0.05): Schedule {
  const out: Segment[] = [];
  for (const p of s) {
    const last = out[out.length - 1];
    if (last && last.label === p.label && Math.abs(last.end - p.start) <= EPS && Math.abs(last.to - p.from) <= 1e-6) {
      const span = p.end - last.start;
      const onLine = last.from + ((p.to - last.from) * (last.end - last.start)) / span;
      if (Math.abs(onLine - last.to) <= tolerance) {
        out[out.length - 1] = { ...last, end: p.end, to: p.to };
        continue;
      }
    }
    out.push(p);
  }
  return out;
}

/** Highest rate of a schedule, per second. */
export function peak(s: Schedule): number {
  return Math.max(0, ...s.map((p) => Math.max(p.from, p.to)));
}

/** Expected arrivals of a schedule (its integral). */
export function arrivals(s: Schedule): number {
  return s.reduce((n, p) => n + ((p.from + p.to) / 2) * (p.end - p.start), 0);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Profile phases for a schedule: `constant` for a flat piece, `ramp` for a sloped one,
 * `pause` for a gap or a zero rate; neighbours with the same rate are merged, pieces longer
 * than the profile's 86 400 s split, rates above its 100 000/s cut to it (with a warning).
 * Rates are rounded to 1e-6/s, durations to 1 ms.
 */
export function toPhases(s: Schedule, notes: ConversionNote[]): Phase[] {
  const phases: Phase[] = [];
  let clamped = 0;
  const clamp = (r: number) => {
    const v = round(Math.max(0, r), 6);
    if (v > PROFILE_MAX_RATE_PER_SECOND) {
      clamped = Math.max(clamped, v);
      return PROFILE_MAX_RATE_PER_SECOND;
    }
    return v;
  };
  const push = (phase: Phase) => {
    const last = phases[phases.length - 1];
    if (last && last.type === phase.type && last.name === phase.name) {
      const same =
        phase.type === "pause" || (phase.type === "constant" && last.type === "constant" && last.ratePerSecond === phase.ratePerSecond);
      if (same && last.durationSeconds + phase.durationSeconds <= PROFILE_MAX_PHASE_SECONDS) {
        phases[phases.length - 1] = { ...last, durationSeconds: round(last.durationSeconds + phase.durationSeconds, 3) };
        return;
      }
    }
    phases.push(phase);
  };
  let t = 0;
  for (const p of s) {
    if (p.start - t > 1e-3) pushSplit(push, { type: "pause", durationSeconds: round(p.start - t, 3) });
    const durationSeconds = round(p.end - Math.max(p.start, t), 3);
    t = p.end;
    if (durationSeconds <= 0) continue;
    const name = p.label ? p.label.slice(0, PHASE_NAME_MAX) : undefined;
    const from = clamp(p.from);
    const to = clamp(p.to);
    if (from === 0 && to === 0) pushSplit(push, { type: "pause", durationSeconds });
    else if (from === to) pushSplit(push, { type: "constant", name, ratePerSecond: from, durationSeconds });
    else pushSplit(push, { type: "ramp", name, fromRatePerSecond: from, toRatePerSecond: to, durationSeconds });
  }
  while (phases.length && phases[phases.length - 1].type === "pause") phases.pop();
  if (clamped > 0) {
    notes.push({
      level: "warning",
      message: `the plan reaches ${clamped}/s, above the profile's limit of ${PROFILE_MAX_RATE_PER_SECOND}/s per phase: cut to ${PROFILE_MAX_RATE_PER_SECOND}/s; split such a load over several runs or generators`,
    });
  }
  if (phases.length > PROFILE_MAX_PHASES) {
    notes.push({
      level: "warning",
      message: `the converted plan has ${phases.length} phases, more than the profile's ${PROFILE_MAX_PHASES}: parseProfile will refuse it; simplify the plan (fewer steps or rows)`,
    });
  }
  return phases;
}

/** Pushes a phase, split into pieces of at most 86 400 s (a ramp split keeps its slope). */
function pushSplit(push: (p: Phase) => void, phase: Phase): void {
  let left = phase.durationSeconds;
  let done = 0;
  while (left > EPS) {
    const d = round(Math.min(left, PROFILE_MAX_PHASE_SECONDS), 3);
    if (phase.type === "ramp") {
      const slope = (phase.toRatePerSecond - phase.fromRatePerSecond) / phase.durationSeconds;
      push({
        ...phase,
        fromRatePerSecond: round(phase.fromRatePerSecond + slope * done, 6),
        toRatePerSecond: round(phase.fromRatePerSecond + slope * (done + d), 6),
        durationSeconds: d,
      });
    } else push({ ...phase, durationSeconds: d });
    done += d;
    left = round(left - d, 3);
  }
}

/**
 * Number of active threads of a group whose `threads` start evenly over `rampSeconds` (JMeter:
 * thread i starts at i * ramp / threads) and each stay `activeSeconds` (finite): a trapezoid, up over min(ramp, active), flat, down over the same.
 */
export function threadTrapezoid(threads: number, rampSeconds: number, activeSeconds: number, label?: string): Schedule {
  if (rampSeconds <= EPS) return constant(0, activeSeconds, threads, label);
  const a = Math.min(rampSeconds, activeSeconds);
  const b = Math.max(rampSeconds, activeSeconds);
  const top = (threads * a) / rampSeconds;
  return concat(ramp(0, a, 0, top, label), constant(a, b - a, top, label), ramp(b, a, top, 0, label));
}

/**
 * A level reached in `steps` equal steps over `rampSeconds` (the first step at once, as the
 * JMeter Plugins' Concurrency and Arrivals thread groups do), or linearly when `steps` is 0,
 * then held for `holdSeconds`.
 */
export function steppedRamp(level: number, rampSeconds: number, steps: number, holdSeconds: number, label?: string): Schedule {
  const parts: Schedule[] = [];
  if (rampSeconds > EPS) {
    if (steps > 0) {
      const len = rampSeconds / steps;
      for (let k = 0; k < steps; k++) parts.push(constant(k * len, len, (level * (k + 1)) / steps, label));
    } else parts.push(ramp(0, rampSeconds, 0, level, label));
  }
  parts.push(constant(rampSeconds, holdSeconds, level, label));
  return concat(...parts);
}
