/**
 * The Throughput Shaping Timer (kg.apc.jmeter.timers.VariableThroughputTimer) and the JMeter
 * Plugins' short syntax for durations and load profiles.
 *
 * Its `load_profile` rows are (start RPS, end RPS, duration s), linear inside a row; the test
 * stops at the end of the schedule; a `load_profile` JMeter property (`const(N,T) line(A,B,T)
 * step(A,B,S,T)`) replaces the rows (undera/jmeter-plugins plugins/tst
 * .../timers/VariableThroughputTimer.java: getRPSForSecond, trySettingLoadFromProperty).
 */
import { capNote, formatRate } from "./closed-model";
import type { JmxElement, JmxExpressions, JmxProp } from "./jmx-tree";
import type { JmxConvertContext, ThroughputTimer } from "./jmx-walk";
import { concat, constant, cut, minOf, peak, ramp, type Schedule } from "./schedule";
import { PlanConversionError } from "./types";

/** Rows of a Throughput Shaping Timer: from the `load_profile` property if given, else the saved table. */
export function shapingRows(el: JmxElement, ctx: JmxConvertContext, ex: JmxExpressions): Array<[number, number, number]> {
  if (ctx.properties.load_profile) {
    ctx.notes.push({
      level: "info",
      element: el.path,
      message: `load_profile property given: it replaces the timer's table, as in JMeter (${ctx.properties.load_profile})`,
    });
    return parseLoadProfileProperty(ctx.properties.load_profile, el.path);
  }
  const table = el.props.get("load_profile");
  if (table?.kind !== "collection" || !table.items.length)
    throw new PlanConversionError(
      "the Throughput Shaping Timer has no load_profile rows: add rows (start RPS, end RPS, duration) in JMeter",
      el.path,
    );
  return table.items.map((row: JmxProp, i) => {
    if (row.kind !== "collection" || row.items.length < 3)
      throw new PlanConversionError(`load_profile row ${i + 1} does not have 3 columns (start RPS, end RPS, duration)`, el.path);
    const cell = (k: number, what: string) => {
      const item = row.items[k];
      const raw = item.kind === "scalar" ? item.value : "";
      const v = Number(ex.tryEval(raw, el.path));
      if (!Number.isFinite(v) || v < 0)
        throw new PlanConversionError(`load_profile row ${i + 1} ${what} is ${JSON.stringify(raw)}, not a number >= 0`, el.path);
      return v;
    };
    return [cell(0, "start RPS"), cell(1, "end RPS"), cell(2, "duration")] as [number, number, number];
  });
}

/** The `load_profile` JMeter property syntax: `const(N,T) line(A,B,T) step(A,B,S,T)`, T in s, or with a `s`/`m`/`h`/`d` suffix. */
export function parseLoadProfileProperty(text: string, where: string): Array<[number, number, number]> {
  const rows: Array<[number, number, number]> = [];
  for (const chunk of text.split(")")) {
    if (!chunk.trim()) continue;
    const parts = chunk.split(/[(,]/).map((p) => p.trim());
    const kind = parts[0].toLowerCase();
    const n = (i: number) => {
      const v = Number(parts[i]);
      if (!Number.isFinite(v))
        throw new PlanConversionError(
          `load_profile property: ${JSON.stringify(chunk.trim() + ")")} has a bad number ${JSON.stringify(parts[i])}`,
          where,
        );
      return v;
    };
    if (kind === "const") rows.push([n(1), n(1), shortDuration(parts[2], where)]);
    else if (kind === "line") rows.push([n(1), n(2), shortDuration(parts[3], where)]);
    else if (kind === "step") {
      const [from, to, inc] = [n(1), n(2), Math.abs(n(3)) * (n(1) > n(2) ? -1 : 1)];
      if (inc === 0) throw new PlanConversionError("load_profile property: step() with a 0 increment", where);
      for (let v = from; inc > 0 ? v <= to : v > to; v += inc) rows.push([v, v, shortDuration(parts[4], where)]);
    } else throw new PlanConversionError(`load_profile property: unknown load type ${JSON.stringify(parts[0])} (const, line, step)`, where);
  }
  return rows;
}

/** JMeter Plugins' short duration (`90`, `90s`, `5m`, `1h30m`, `1d`) in seconds. */
export function shortDuration(text: string | undefined, where: string): number {
  const t = (text ?? "").trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)/g;
  let total = 0;
  let matched = "";
  for (const m of t.matchAll(re)) {
    total += Number(m[1]) * { ms: 0.001, d: 86_400, h: 3600, m: 60, s: 1 }[m[2] as "ms" | "d" | "h" | "m" | "s"];
    matched += m[0];
  }
  if (!t || matched.replace(/\s/g, "") !== t.replace(/\s/g, ""))
    throw new PlanConversionError(`duration ${JSON.stringify(text)} is not a number of seconds or like 90s, 5m, 1h30m`, where);
  return total;
}

/** Length of a shaping schedule, seconds. */
export function sumRows(rows: ReadonlyArray<[number, number, number]>): number {
  return rows.reduce((n, r) => n + r[2], 0);
}

/** Applies a Throughput Shaping Timer: the lower of its schedule and what the threads can send; the run stops at its end. */
export function applyShaping(schedule: Schedule, t: ThroughputTimer, posts: number, ctx: JmxConvertContext, ex: JmxExpressions): Schedule {
  const rows = shapingRows(t.el, ctx, ex);
  const k = posts / Math.max(1, t.samplesInScope);
  let at = 0;
  const pieces: Schedule[] = [];
  for (const [from, to, d] of rows) {
    pieces.push(from === to ? constant(at, d, from * k, t.el.name) : ramp(at, d, from * k, to * k, t.el.name));
    at += d;
  }
  const cap = concat(...pieces);
  ctx.notes.push({
    level: "info",
    element: t.el.path,
    message: `Throughput Shaping Timer: ${rows.length} row(s), ${formatRate(at)} s, peak ${formatRate(peak(cap) / k)} samples/s${k !== 1 ? ` (${formatRate(k)} of them webhook POSTs)` : ""}; JMeter stops the test at the end of the schedule`,
  });
  const capacity = peak(schedule);
  if (capacity + 1e-9 < peak(cap)) ctx.notes.push(capNote(t.el.path, "the Throughput Shaping Timer", peak(cap), capacity));
  return minOf(cut(schedule, at), cap);
}
