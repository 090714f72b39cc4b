import type { GetMetricDataCommand, GetMetricDataCommandOutput, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { readCloudWatchBackpressure, type CloudWatchLike } from "../../../lib/runtime/loadgen/backpressure";

/** A CloudWatch stand-in answering GetMetricData from a table of (metric, dimension value) -> points, two results a page. */
function fakeCloudWatch(data: Record<string, [Date, number][]>) {
  const requests: GetMetricDataCommand["input"][] = [];
  const client: CloudWatchLike = {
    async send(command) {
      requests.push(command.input);
      const queries = command.input.MetricDataQueries ?? [];
      const page = command.input.NextToken ? Number(command.input.NextToken) : 0;
      const key = (q: MetricDataQuery) => `${q.MetricStat!.Metric!.MetricName} ${q.MetricStat!.Metric!.Dimensions![0].Value}`;
      const results = queries.slice(page * 2, page * 2 + 2).map((q) => {
        const points = data[key(q)] ?? [];
        return { Id: q.Id, Timestamps: points.map(([t]) => t), Values: points.map(([, v]) => v), StatusCode: "Complete" as const };
      });
      const next = (page + 1) * 2 < queries.length ? String(page + 1) : undefined;
      return { MetricDataResults: results, NextToken: next, $metadata: {} } as GetMetricDataCommandOutput;
    },
  };
  return { client, requests };
}

const START = Date.parse("2026-12-03T10:00:20Z");
const at = (iso: string) => new Date(`2026-12-03T${iso}Z`);

test("reads queue depth, worker concurrency, downstream calls and 429s and dead letters over the run's window, relative to the report's start", async () => {
  // Prepare: two minutes of metrics for the queue, the DLQ, the quarantine queue, the worker and its EMF
  const { client, requests } = fakeCloudWatch({
    "ApproximateNumberOfMessagesVisible ingress": [
      [at("10:00:00"), 120],
      [at("10:01:00"), 30],
    ],
    "ApproximateNumberOfMessagesNotVisible ingress": [
      [at("10:00:00"), 10],
      [at("10:01:00"), 8],
    ],
    "ApproximateNumberOfMessagesDelayed ingress": [[at("10:01:00"), 2]],
    "ApproximateNumberOfMessagesVisible dlq": [[at("10:01:00"), 1]],
    "ApproximateNumberOfMessagesVisible quarantine": [[at("10:01:00"), 3]],
    "ConcurrentExecutions worker-fn": [
      [at("10:00:00"), 5],
      [at("10:01:00"), 5],
    ],
    "PolledEventCount esm-uuid": [
      [at("10:00:00"), 1200],
      [at("10:01:00"), 300],
    ],
    "syntheticCallsMade genesys-consumer-worker": [[at("10:00:00"), 600]],
    "syntheticCallsSimulated genesys-consumer-worker": [[at("10:00:00"), 60]],
    "throttled genesys-consumer-worker": [[at("10:00:00"), 90]],
  });

  // Act
  const block = await readCloudWatchBackpressure({
    client,
    queueName: "ingress",
    dlqName: "dlq",
    quarantineQueueName: "quarantine",
    workerFunctionName: "worker-fn",
    eventSourceMappingUuid: "esm-uuid",
    reportStartMs: START,
    startMs: START,
    endMs: Date.parse("2026-12-03T10:01:30Z"),
  });

  // Assess: one paginated request over whole minutes, every point placed relative to the report's start
  expect(requests).toHaveLength(6); // 12 queries, two results a page
  expect(requests[0]).toMatchObject({ StartTime: at("10:00:00"), EndTime: at("10:02:00"), ScanBy: "TimestampAscending" });
  expect(requests[0].MetricDataQueries!.find((q) => q.Id === "wc")).toEqual({
    Id: "wc",
    ReturnData: true,
    MetricStat: {
      Metric: { Namespace: "AWS/Lambda", MetricName: "ConcurrentExecutions", Dimensions: [{ Name: "FunctionName", Value: "worker-fn" }] },
      Period: 60,
      Stat: "Maximum",
    },
  });
  expect(requests[0].MetricDataQueries!.find((q) => q.Id === "dt")!.MetricStat).toMatchObject({
    Metric: { Namespace: "GenesysConsumer", Dimensions: [{ Name: "service", Value: "genesys-consumer-worker" }] },
    Stat: "Sum",
  });
  expect(block.source).toBe("cloudwatch");
  expect(block.periodSeconds).toBe(60);
  expect(block.series).toEqual({
    queueVisible: [
      [-20_000, 120],
      [40_000, 30],
    ],
    queueInFlight: [
      [-20_000, 10],
      [40_000, 8],
    ],
    queueDelayed: [[40_000, 2]],
    deadLetters: [[40_000, 4]], // DLQ + quarantine
    workerConcurrency: [
      [-20_000, 5],
      [40_000, 5],
    ],
    eventsPolled: [
      [-20_000, 20],
      [40_000, 5],
    ], // 1200 and 300 records a minute
    downstreamCalls: [[-20_000, 11]], // (600 made + 60 simulated) / 60 s
    downstream429: [[-20_000, 1.5]], // 90 / 60 s
  });
  // the metrics that had no data are named, never drawn as zero
  expect(block.notes).toEqual(
    expect.arrayContaining([
      "no data: AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName=dlq",
      "no data: AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName=quarantine",
    ]),
  );
});

test("reads the worker's EMF under the namespace and service given, and leaves out what it was not told about", async () => {
  const { client, requests } = fakeCloudWatch({});
  const block = await readCloudWatchBackpressure({
    client,
    queueName: "q",
    workerMetricsNamespace: "Team/Worker",
    workerServiceName: "svc",
    reportStartMs: START,
    startMs: START,
    endMs: START + 1000,
    periodSeconds: 120,
  });
  const queries = requests.flatMap((r) => (r.NextToken ? [] : r.MetricDataQueries!));
  expect(queries.map((q) => q.Id)).toEqual(["qv", "qi", "qd", "dc", "dsim", "dt"]); // no DLQ, no worker function
  expect(queries.find((q) => q.Id === "dc")!.MetricStat).toMatchObject({
    Metric: { Namespace: "Team/Worker", MetricName: "syntheticCallsMade", Dimensions: [{ Name: "service", Value: "svc" }] },
    Period: 120,
  });
  expect(block.series).toEqual({});
  expect(block.notes).toHaveLength(7);
});

test("refuses a period CloudWatch cannot serve for standard-resolution metrics, and an empty window, naming the option", async () => {
  const { client, requests } = fakeCloudWatch({});
  const base = { client, queueName: "q", reportStartMs: START, startMs: START, endMs: START + 60_000 };
  await expect(readCloudWatchBackpressure({ ...base, periodSeconds: 1 })).rejects.toThrow(
    "periodSeconds must be 60 or a multiple of 60 (standard-resolution metrics), got 1",
  );
  await expect(readCloudWatchBackpressure({ ...base, endMs: START })).rejects.toThrow(`endMs (${START}) must be after startMs (${START})`);
  expect(requests).toHaveLength(0);
});
