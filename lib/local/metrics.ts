/**
 * What a local run observed, as CloudWatch-like data points (namespace, metric name,
 * dimensions, value, time), so the synthesized alarms can be evaluated against it.
 * Sources: the API server (AWS/ApiGateway), the pollers and function hosts (AWS/Lambda),
 * the queue sampler (AWS/SQS) and EMF lines parsed from the functions' output.
 */

export interface DataPoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** The statistics CloudWatch alarms use (extended statistics pNN too). */
export type Statistic = "SampleCount" | "Average" | "Sum" | "Minimum" | "Maximum" | `p${number}`;

/** An in-memory metric store for one run. */
export class MetricStore {
  private readonly points: DataPoint[] = [];

  /** Adds one data point (timestamp: now by default). */
  put(namespace: string, metricName: string, dimensions: Record<string, string>, value: number, timestamp = Date.now()): void {
    this.points.push({ namespace, metricName, dimensions, value, timestamp });
  }

  /** Every data point of a metric whose dimensions include the given ones exactly. */
  query(namespace: string, metricName: string, dimensions: Readonly<Record<string, string>>): DataPoint[] {
    const wanted = Object.entries(dimensions);
    return this.points.filter(
      (p) =>
        p.namespace === namespace &&
        p.metricName === metricName &&
        Object.keys(p.dimensions).length === wanted.length &&
        wanted.every(([k, v]) => p.dimensions[k] === v),
    );
  }

  /** Number of data points held. */
  get size(): number {
    return this.points.length;
  }
}

/** Aggregates values with a CloudWatch statistic; undefined for no data. */
export function aggregate(values: readonly number[], statistic: Statistic): number | undefined {
  if (!values.length) return undefined;
  switch (statistic) {
    case "SampleCount":
      return values.length;
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    default: {
      const p = Number(statistic.slice(1));
      if (!Number.isFinite(p)) throw new Error(`unknown statistic ${statistic}`);
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
    }
  }
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string }[];
}

/**
 * Parses one line of function output as CloudWatch Embedded Metric Format and stores its
 * metrics (one data point per metric and dimension set). Returns the number stored.
 */
export function ingestEmfLine(store: MetricStore, line: string): number {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{") || !trimmed.includes('"_aws"')) return 0;
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return 0;
  }
  const aws = doc._aws as { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] } | undefined;
  if (!aws?.CloudWatchMetrics) return 0;
  let stored = 0;
  const timestamp = typeof aws.Timestamp === "number" ? aws.Timestamp : Date.now();
  for (const directive of aws.CloudWatchMetrics) {
    for (const metric of directive.Metrics ?? []) {
      const raw = doc[metric.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === "number");
      for (const dimensionSet of directive.Dimensions?.length ? directive.Dimensions : [[]]) {
        const dimensions = Object.fromEntries(dimensionSet.map((d) => [d, String(doc[d])]));
        for (const value of values) {
          store.put(directive.Namespace, metric.Name, dimensions, value, timestamp);
          stored++;
        }
      }
    }
  }
  return stored;
}
