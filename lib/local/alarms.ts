/**
 * The synthesized CloudWatch alarms, evaluated against what a local run observed. This is
 * approximate: periods are aligned to the epoch as CloudWatch does, but a run of a minute
 * or two covers few periods, so an alarm needing more evaluation periods than the run
 * observed is judged on the periods there are (listed in the report).
 */
import { aggregate, type MetricStore, type Statistic } from "./metrics";
import type { StackResolver } from "./resolver";
import { ofType, type TfItem } from "./stack";

/** The verdict on one alarm. */
export interface AlarmVerdict {
  readonly address: string;
  readonly alarmName: string;
  /** would-fire: breached M of N periods; quiet: did not; not-evaluated: metric math or no metric. */
  readonly state: "would-fire" | "quiet" | "not-evaluated";
  readonly metric: string;
  readonly threshold: number;
  readonly comparison: string;
  /** Value per observed period (undefined: no data). */
  readonly periods: readonly (number | undefined)[];
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly note?: string;
}

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: Statistic;
  period: number;
}

function metricOf(item: TfItem, r: StackResolver): MetricRef | string {
  const cfg = r.config(item);
  const queries = cfg.metric_query as Record<string, unknown>[] | undefined;
  if (queries?.length) {
    const returned = queries.filter((q) => q.return_data === true);
    const q = returned.length === 1 ? returned[0] : queries.length === 1 ? queries[0] : undefined;
    const metric = q?.metric as Record<string, unknown>[] | Record<string, unknown> | undefined;
    const m = Array.isArray(metric) ? metric[0] : metric;
    if (!q || q.expression || !m) return "metric math is not evaluated locally";
    return {
      namespace: String(m.namespace),
      metricName: String(m.metric_name),
      dimensions: (m.dimensions as Record<string, string> | undefined) ?? {},
      statistic: String(m.stat ?? "Average") as Statistic,
      period: Number(m.period ?? 60),
    };
  }
  if (!cfg.metric_name || !cfg.namespace) return "the alarm names no metric";
  return {
    namespace: String(cfg.namespace),
    metricName: String(cfg.metric_name),
    dimensions: (cfg.dimensions as Record<string, string> | undefined) ?? {},
    statistic: String(cfg.extended_statistic ?? cfg.statistic ?? "Average") as Statistic,
    period: Number(cfg.period ?? 60),
  };
}

/**
 * Evaluates every aws_cloudwatch_metric_alarm of the stack over [startMs, endMs]: would-fire
 * when any window of evaluation periods breached. With `stateAt`, only the last window (the
 * periods up to endMs) counts: the alarm's state as CloudWatch would evaluate it at endMs.
 */
export function evaluateAlarms(
  resolver: StackResolver,
  store: MetricStore,
  startMs: number,
  endMs: number,
  options: { readonly stateAt?: boolean } = {},
): AlarmVerdict[] {
  return ofType(resolver.stack, "aws_cloudwatch_metric_alarm").map((item) => {
    const cfg = resolver.config(item);
    const alarmName = String(cfg.alarm_name ?? item.address);
    const threshold = Number(cfg.threshold ?? 0);
    const comparison = String(cfg.comparison_operator);
    const evaluationPeriods = Number(cfg.evaluation_periods ?? 1);
    const datapointsToAlarm = Number(cfg.datapoints_to_alarm ?? evaluationPeriods);
    const metric = metricOf(item, resolver);
    const base = { address: item.address, alarmName, threshold, comparison, evaluationPeriods, datapointsToAlarm };
    const compare = COMPARE[comparison];
    if (typeof metric === "string" || !compare) {
      return {
        ...base,
        state: "not-evaluated",
        metric: typeof metric === "string" ? "-" : `${metric.namespace} ${metric.metricName}`,
        periods: [],
        periodSeconds: 0,
        note: typeof metric === "string" ? metric : `comparison ${comparison} is not evaluated locally`,
      } satisfies AlarmVerdict;
    }
    const points = store
      .query(metric.namespace, metric.metricName, metric.dimensions)
      .filter((p) => p.timestamp >= startMs && p.timestamp <= endMs);
    const periodMs = metric.period * 1000;
    const first = Math.floor(startMs / periodMs) * periodMs;
    const periods: (number | undefined)[] = [];
    for (let t = first; t <= endMs; t += periodMs) {
      periods.push(
        aggregate(
          points.filter((p) => p.timestamp >= t && p.timestamp < t + periodMs).map((p) => p.value),
          metric.statistic,
        ),
      );
    }
    const missing = String(cfg.treat_missing_data ?? "missing");
    const breaching = periods.map((v) => (v === undefined ? missing === "breaching" : compare(v, threshold)));
    const window = Math.min(evaluationPeriods, breaching.length);
    const needed = Math.min(datapointsToAlarm, window);
    let fires = false;
    for (let i = options.stateAt ? breaching.length - window : 0; i + window <= breaching.length && !fires; i++) {
      if (breaching.slice(i, i + window).filter(Boolean).length >= needed && needed > 0) fires = true;
    }
    const dims = Object.entries(metric.dimensions)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    return {
      ...base,
      state: fires ? "would-fire" : "quiet",
      metric: `${metric.namespace} ${metric.metricName}${dims ? ` {${dims}}` : ""} ${metric.statistic}`,
      periods,
      periodSeconds: metric.period,
      note: window < evaluationPeriods ? `judged on ${window} of ${evaluationPeriods} evaluation periods (the run was shorter)` : undefined,
    } satisfies AlarmVerdict;
  });
}
