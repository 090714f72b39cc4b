/** The generator on AWS reads the run's backpressure from CloudWatch after the run (an injected client: no AWS here). */
import type { GetMetricDataCommand, GetMetricDataCommandOutput } from "@aws-sdk/client-cloudwatch";
import {
  createLoadgenHandler,
  renderHtmlReport,
  type CloudWatchLike,
  type ControllerResult,
  type SpikeReport,
} from "../../../lib/runtime/loadgen";
import { loadgenEnvironment } from "cdktf-genesys-consumer/runtime";
import { startTarget } from "./target";

const profile = JSON.stringify({ name: "bp", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] });

function recordingCloudWatch(answer: (input: GetMetricDataCommand["input"]) => GetMetricDataCommandOutput | Error) {
  const inputs: GetMetricDataCommand["input"][] = [];
  const client: CloudWatchLike = {
    async send(command) {
      inputs.push(command.input);
      const a = answer(command.input);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { client, inputs };
}

async function run(env: Record<string, string>, cloudWatch: CloudWatchLike): Promise<ControllerResult> {
  const handler = createLoadgenHandler({ env, readSecret: async () => "backpressure-secret-1234567", cloudWatch, log: () => undefined });
  return (await handler(undefined, { functionName: "spike-fn" })) as ControllerResult;
}

test("with the stack's names in its environment, the controller reads the metrics over the run's window into the report, and the HTML charts them", async () => {
  // Prepare
  const target = await startTarget(() => ({ status: 202 }));
  const env = loadgenEnvironment({
    targetUrl: target.url,
    signatureSecretArn: "arn:aws:secretsmanager:us-east-1:1:secret:s",
    profile,
    queueName: "q",
    dlqName: "q-dlq",
    workerFunctionName: "worker-fn",
    workerMetricsNamespace: "GenesysConsumer",
  });
  const { client, inputs } = recordingCloudWatch((input) => ({
    MetricDataResults: input.MetricDataQueries!.map((q) => ({
      Id: q.Id,
      Timestamps: [input.StartTime as Date],
      Values: [q.Id === "qv" ? 42 : 1],
    })),
    $metadata: {},
  }));

  // Act
  const result = await run(env, client).finally(() => target.close());

  // Assess: one request over the run's window, whole minutes
  expect(inputs).toHaveLength(1);
  const start = (inputs[0].StartTime as Date).getTime();
  const end = (inputs[0].EndTime as Date).getTime();
  expect(start).toBeLessThanOrEqual(result.startMs);
  expect(end).toBeGreaterThanOrEqual(result.finishedMs);
  expect(start % 60_000).toBe(0);
  expect(inputs[0].MetricDataQueries!.map((q) => q.MetricStat!.Metric!.Dimensions![0].Value)).toEqual([
    "q",
    "q",
    "q",
    "q-dlq",
    "q-dlq",
    "worker-fn",
    "genesys-consumer-worker",
    "genesys-consumer-worker",
    "genesys-consumer-worker",
  ]);
  expect(result.backpressure).toMatchObject({
    source: "cloudwatch",
    periodSeconds: 60,
    series: { queueVisible: [[start - result.startMs, 42]], workerConcurrency: [[start - result.startMs, 1]] },
  });
  const html = renderHtmlReport({ ...result, histograms: { ackUs: "", serviceUs: "" } } as SpikeReport);
  expect(html).toContain('id="backpressure-chart"');
  expect(html).toContain("CloudWatch, 60 s periods");
});

test("without GCX_QUEUE_NAME nothing is read; a CloudWatch error never fails the run, the block says why", async () => {
  const target = await startTarget(() => ({ status: 202 }));
  try {
    const base = { targetUrl: target.url, signatureSecretArn: "arn:aws:secretsmanager:us-east-1:1:secret:s", profile };
    const unused = recordingCloudWatch(() => new Error("must not be called"));
    const plain = await run(loadgenEnvironment(base), unused.client);
    expect(plain.backpressure).toBeUndefined();
    expect(unused.inputs).toHaveLength(0);
    expect(renderHtmlReport({ ...plain, histograms: { ackUs: "", serviceUs: "" } } as SpikeReport)).not.toContain('id="backpressure"');

    const denied = recordingCloudWatch(() =>
      Object.assign(new Error("User is not authorized to perform: cloudwatch:GetMetricData"), { name: "AccessDenied" }),
    );
    const result = await run(loadgenEnvironment({ ...base, queueName: "q" }), denied.client);
    expect(result.verdict.verdict).toBe("PASS");
    expect(result.backpressure).toEqual({
      source: "cloudwatch",
      periodSeconds: 60,
      series: {},
      notes: ["CloudWatch could not be read (GetMetricData): User is not authorized to perform: cloudwatch:GetMetricData"],
    });
  } finally {
    await target.close();
  }
});
