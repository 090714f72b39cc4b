/**
 * The report's `backpressure` block: what the pipeline did with the spike, on the same time
 * axis as what was sent (queue depth, worker concurrency, downstream calls and 429s, dead
 * letters). Locally the emulator records it every second (lib/local/backpressure.ts); on AWS
 * the generator reads it from CloudWatch after the run ({@link readCloudWatchBackpressure}).
 */
// types only here: the SDK is loaded when the reader runs, so the HTML report does not pull it in
import type { GetMetricDataCommand, GetMetricDataCommandOutput, MetricDataQuery } from "@aws-sdk/client-cloudwatch";

/** The series a backpressure block can hold; each is optional (absent: not observed). */
export const BACKPRESSURE_SERIES = {
  /** Messages visible in the ingress queue, waiting for a poller (count). */
  queueVisible: "queue: visible",
  /** Messages received and not yet deleted: being processed, or waiting out a visibility timeout / backoff (count). */
  queueInFlight: "queue: in flight",
  /** Messages delayed (DelaySeconds), not yet visible (count). */
  queueDelayed: "queue: delayed",
  /** Worker invocations running at once (count). */
  workerConcurrency: "worker concurrency",
  /** Calls to the downstream (Genesys) per second, 429s included (calls / s). */
  downstreamCalls: "downstream calls",
  /** Downstream calls answered 429 per second (calls / s). */
  downstream429: "downstream 429s",
  /** Records the worker's event source mapping received from the queue per second (events / s). */
  eventsPolled: "events polled",
  /** Messages in the operational DLQ and the quarantine queue together (count). */
  deadLetters: "dead letters",
} as const;
export type BackpressureSeriesName = keyof typeof BACKPRESSURE_SERIES;

/** One point: [milliseconds since the report's `startMs` (the plan's start; negative before it), value]. */
export type BackpressurePoint = [tMs: number, value: number];

/** The `backpressure` block of a {@link SpikeReport} (JSON-serializable). */
export interface BackpressureBlock {
  /** Where the series come from: the local emulator's own counters, or the stack's CloudWatch metrics. */
  readonly source: "emulator" | "cloudwatch";
  /** The width of one point, seconds: 1 for the emulator, the GetMetricData period on AWS. */
  readonly periodSeconds: number;
  /** Each series' points in time order; a series absent was not observed (never a zero line standing in for "unknown"). */
  readonly series: Partial<Record<BackpressureSeriesName, BackpressurePoint[]>>;
  /** What a reader should know: a metric that had no data, how a series was derived. */
  readonly notes?: string[];
}

/** The subset of a CloudWatch client the reader uses (a `CloudWatchClient`, or a fake in tests). */
export interface CloudWatchLike {
  send(command: GetMetricDataCommand): Promise<GetMetricDataCommandOutput>;
}

/** The worker's EMF namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set (lib/runtime/worker/worker.ts DEFAULTS). */
export const DEFAULT_WORKER_METRICS_NAMESPACE = "GenesysConsumer";
/** The worker's Powertools service name, its EMF metrics' `service` dimension (lib/runtime/worker/worker.ts DEFAULTS). */
export const DEFAULT_WORKER_SERVICE_NAME = "genesys-consumer-worker";

export interface CloudWatchBackpressureOptions {
  readonly client: CloudWatchLike;
  /** The ingress queue's name (AWS/SQS `QueueName`). */
  readonly queueName: string;
  /** The operational DLQ's name. Default: no dead-letter series from it. */
  readonly dlqName?: string;
  /** The synthetic quarantine queue's name; added to the dead letters. Default: none. */
  readonly quarantineQueueName?: string;
  /** The worker function's name (AWS/Lambda `FunctionName`). Default: no concurrency series. */
  readonly workerFunctionName?: string;
  /** The worker's event source mapping's UUID (its `PolledEventCount`, emitted with `metrics_config { metrics = ["EventCount"] }`). Default: no polled-events series. */
  readonly eventSourceMappingUuid?: string;
  /** The worker's EMF namespace. @default "GenesysConsumer" */
  readonly workerMetricsNamespace?: string;
  /** The worker's EMF `service` dimension. @default "genesys-consumer-worker" */
  readonly workerServiceName?: string;
  /** The report's `startMs` (epoch ms): points are placed relative to it. */
  readonly reportStartMs: number;
  /** The window read, epoch ms: from the run's start to its end (reconciliation included). */
  readonly startMs: number;
  readonly endMs: number;
  /**
   * The period, seconds: 60 (standard-resolution metrics; SQS and Lambda publish per minute)
   * or a multiple of 60. @default 60
   */
  readonly periodSeconds?: number;
}

interface Query {
  readonly id: string;
  readonly series: BackpressureSeriesName;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly stat: "Maximum" | "Sum";
  /** Sums become per-second rates. */
  readonly perSecond?: boolean;
}

/** An SQS queue-depth metric: the period's Maximum. */
function sqsQuery(id: string, series: BackpressureSeriesName, metricName: string, queueName: string): Query {
  return { id, series, namespace: "AWS/SQS", metricName, dimensions: { QueueName: queueName }, stat: "Maximum" };
}

/**
 * The metrics a run's backpressure block is read from: the ingress queue's depth, the dead
 * letters (DLQ and quarantine queue), the worker's concurrency and polled events (when named),
 * and the worker's EMF downstream calls and 429s.
 */
function backpressureQueries(options: CloudWatchBackpressureOptions): Query[] {
  const queries: Query[] = [
    sqsQuery("qv", "queueVisible", "ApproximateNumberOfMessagesVisible", options.queueName),
    sqsQuery("qi", "queueInFlight", "ApproximateNumberOfMessagesNotVisible", options.queueName),
    sqsQuery("qd", "queueDelayed", "ApproximateNumberOfMessagesDelayed", options.queueName),
  ];
  const deadLetterQueues = [options.dlqName, options.quarantineQueueName].filter((n): n is string => !!n);
  deadLetterQueues.forEach((name, i) => {
    queries.push(
      sqsQuery(`dv${i}`, "deadLetters", "ApproximateNumberOfMessagesVisible", name),
      sqsQuery(`di${i}`, "deadLetters", "ApproximateNumberOfMessagesNotVisible", name),
    );
  });
  if (options.workerFunctionName) {
    queries.push({
      id: "wc",
      series: "workerConcurrency",
      namespace: "AWS/Lambda",
      metricName: "ConcurrentExecutions",
      dimensions: { FunctionName: options.workerFunctionName },
      stat: "Maximum",
    });
  }
  if (options.eventSourceMappingUuid) {
    queries.push({
      id: "ep",
      series: "eventsPolled",
      namespace: "AWS/Lambda",
      metricName: "PolledEventCount",
      dimensions: { EventSourceMappingUUID: options.eventSourceMappingUuid },
      stat: "Sum",
      perSecond: true,
    });
  }
  const emf = {
    namespace: options.workerMetricsNamespace ?? DEFAULT_WORKER_METRICS_NAMESPACE,
    dimensions: { service: options.workerServiceName ?? DEFAULT_WORKER_SERVICE_NAME },
    stat: "Sum" as const,
    perSecond: true,
  };
  // synthetic messages' downstream calls: made for real (call, call-genesys) or answered by the simulation (simulate,
  // the default): both went through the worker's rate limit (lib/runtime/worker/metrics.ts)
  queries.push(
    { id: "dc", series: "downstreamCalls", metricName: "syntheticCallsMade", ...emf },
    { id: "dsim", series: "downstreamCalls", metricName: "syntheticCallsSimulated", ...emf },
    { id: "dt", series: "downstream429", metricName: "throttled", ...emf },
  );
  return queries;
}

/** Runs the queries with GetMetricData over the window (every page); the points of each query by epoch ms. */
async function fetchMetricPoints(
  options: CloudWatchBackpressureOptions,
  queries: readonly Query[],
  period: number,
): Promise<Map<string, Map<number, number>>> {
  const metricQueries: MetricDataQuery[] = queries.map((q) => ({
    Id: q.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metricName,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: period,
      Stat: q.stat,
    },
  }));
  // periods aligned to the minute, so the window covers the run's first and last minutes whole
  const start = new Date(Math.floor(options.startMs / (period * 1000)) * period * 1000);
  const end = new Date(Math.ceil(options.endMs / (period * 1000)) * period * 1000);
  const byId = new Map<string, Map<number, number>>(queries.map((q) => [q.id, new Map()]));
  const { GetMetricDataCommand } = await import("@aws-sdk/client-cloudwatch");
  let nextToken: string | undefined;
  do {
    const answer = await options.client.send(
      new GetMetricDataCommand({
        MetricDataQueries: metricQueries,
        StartTime: start,
        EndTime: end,
        ScanBy: "TimestampAscending",
        NextToken: nextToken,
      }),
    );
    for (const r of answer.MetricDataResults ?? []) {
      const points = r.Id ? byId.get(r.Id) : undefined;
      if (!points) continue;
      (r.Timestamps ?? []).forEach((t, i) => {
        const v = r.Values?.[i];
        if (v !== undefined) points.set(new Date(t).getTime(), v);
      });
    }
    nextToken = answer.NextToken;
  } while (nextToken);
  return byId;
}

/**
 * Reads the stack's metrics for the run's window with GetMetricData (one request, paginated)
 * and returns them as a `cloudwatch` {@link BackpressureBlock}. SQS depth and Lambda
 * ConcurrentExecutions as the period's Maximum; the worker's EMF `syntheticCallsMade` and
 * `syntheticCallsSimulated` (downstream calls) and `throttled` (retries after a 429) as
 * per-second rates.
 * Metrics with no data in the window are left out and named in `notes`.
 */
export async function readCloudWatchBackpressure(options: CloudWatchBackpressureOptions): Promise<BackpressureBlock> {
  const period = options.periodSeconds ?? 60;
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw new RangeError(
      `readCloudWatchBackpressure: periodSeconds must be 60 or a multiple of 60 (standard-resolution metrics), got ${period}`,
    );
  }
  if (!(options.endMs > options.startMs))
    throw new RangeError(`readCloudWatchBackpressure: endMs (${options.endMs}) must be after startMs (${options.startMs})`);
  const queries = backpressureQueries(options);
  const byId = await fetchMetricPoints(options, queries, period);

  // queries of the same series add up (the DLQ's and the quarantine queue's dead letters)
  const series: Partial<Record<BackpressureSeriesName, Map<number, number>>> = {};
  const notes: string[] = [];
  for (const q of queries) {
    const points = byId.get(q.id)!;
    if (points.size === 0) {
      notes.push(
        `no data: ${q.namespace} ${q.metricName} ${Object.entries(q.dimensions)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")}`,
      );
      continue;
    }
    const into = (series[q.series] ??= new Map());
    for (const [t, v] of points) into.set(t, (into.get(t) ?? 0) + (q.perSecond ? v / period : v));
  }
  notes.push(
    `${period} s periods: queue depth and concurrency are each period's Maximum; events polled (PolledEventCount), downstream calls (worker EMF syntheticCallsMade + syntheticCallsSimulated) and 429s (EMF throttled: retries after a 429 or a synthetic throttle fault) are per-second averages over the period`,
  );
  return {
    source: "cloudwatch",
    periodSeconds: period,
    series: Object.fromEntries(
      Object.entries(series).map(([name, points]) => [
        name,
        [...points.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([t, v]): BackpressurePoint => [t - options.reportStartMs, Math.round(v * 1000) / 1000]),
      ]),
    ),
    notes,
  };
}
