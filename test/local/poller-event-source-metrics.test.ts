/**
 * The event source mapping metrics the local poller emits (AWS/Lambda, dimension
 * EventSourceMappingUUID), only when the synthesized mapping asks for them with
 * `metrics_config { metrics = ["EventCount"] }`, as Lambda does.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { FunctionHost, type FunctionSpec } from "../../lib/local/lambda-host";
import { MetricStore, aggregate } from "../../lib/local/metrics";
import { SqsPoller, eventSourceMetricsSettings, type MappingSpec } from "../../lib/local/poller";
import { LOCAL_ACCOUNT_ID } from "../../lib/local/resolver";
import { LOCAL_CREDENTIALS, startSqsServer, type LocalEndpoint } from "../../lib/local/services";

const HANDLER = `
exports.handler = async (event) => {
  const bodies = event.Records.map((r) => r.body);
  if (bodies.includes("throw")) throw new Error("batch failed");
  return { batchItemFailures: event.Records.filter((r) => r.body.startsWith("fail")).map((r) => ({ itemIdentifier: r.messageId })) };
};`;
const UUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const ESM_METRICS = ["PolledEventCount", "InvokedEventCount", "FailedInvokeEventCount", "DeletedEventCount"];

describe("event source mapping metrics of the local poller", () => {
  let codeDir: string;
  let sqs: LocalEndpoint;
  let client: SQSClient;
  beforeAll(async () => {
    codeDir = mkdtempSync(join(tmpdir(), "gcx-esm-"));
    writeFileSync(join(codeDir, "index.js"), HANDLER);
    sqs = await startSqsServer("us-east-1", LOCAL_ACCOUNT_ID);
    client = new SQSClient({ region: "us-east-1", endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
    rmSync(codeDir, { recursive: true, force: true });
  });

  const run = async (queueName: string, bodies: string[], settings: Pick<MappingSpec, "uuid" | "metrics">) => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: { VisibilityTimeout: "30" } }));
    await client.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }));
    const spec: FunctionSpec = {
      address: "aws_lambda_function.f",
      name: "fn-esm",
      arn: "arn:aws:lambda:us-east-1:123456789012:function:fn-esm",
      handler: "index.handler",
      runtime: "nodejs22.x",
      timeoutSeconds: 2,
      memoryMb: 256,
      codeDir,
      environment: {},
    };
    const host = new FunctionHost(spec, { maxThreads: 1 });
    const store = new MetricStore();
    const mapping: MappingSpec = {
      address: "aws_lambda_event_source_mapping.m",
      queueUrl: QueueUrl!,
      queueArn: `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:${queueName}`,
      batchSize: 10,
      batchingWindowSeconds: 1,
      maximumConcurrency: 2,
      reportBatchItemFailures: true,
      enabled: true,
      ...settings,
    };
    const poller = new SqsPoller(mapping, host, client, "us-east-1", store);
    poller.start();
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && poller.stats.deleted + poller.stats.itemFailures < bodies.length && poller.stats.failedBatches === 0)
      await new Promise((r) => setTimeout(r, 100));
    await poller.stop();
    await host.close();
    const sum = (metric: string) =>
      aggregate(
        store.query("AWS/Lambda", metric, { EventSourceMappingUUID: UUID }).map((p) => p.value),
        "Sum",
      );
    return { stats: poller.stats, sums: Object.fromEntries(ESM_METRICS.map((m) => [m, sum(m)])) };
  };

  it("emits polled, invoked, failed (the reported batchItemFailures) and deleted counts per mapping UUID with EventCount", async () => {
    const { stats, sums } = await run("esm-partial", ["ok-1", "fail-1", "ok-2", "fail-2", "ok-3"], { uuid: UUID, metrics: ["EventCount"] });
    expect(stats).toMatchObject({ received: 5, deleted: 3, itemFailures: 2 });
    expect(sums).toEqual({ PolledEventCount: 5, InvokedEventCount: 5, FailedInvokeEventCount: 2, DeletedEventCount: 3 });
  });

  it("counts every record of a failed invocation as failed", async () => {
    const { sums } = await run("esm-thrown", ["ok-1", "throw", "ok-2"], { uuid: UUID, metrics: ["EventCount"] });
    expect(sums).toEqual({ PolledEventCount: 3, InvokedEventCount: 3, FailedInvokeEventCount: 3, DeletedEventCount: undefined });
  });

  it("emits none without metrics_config EventCount, as Lambda (never kinder than AWS)", async () => {
    const { stats, sums } = await run("esm-off", ["ok-1", "fail-1"], { uuid: UUID });
    expect(stats.received).toBe(2);
    expect(sums).toEqual({
      PolledEventCount: undefined,
      InvokedEventCount: undefined,
      FailedInvokeEventCount: undefined,
      DeletedEventCount: undefined,
    });
  });

  it("reads the settings from a synthesized mapping's config (block or one-element list)", () => {
    expect(eventSourceMetricsSettings({ metrics_config: { metrics: ["EventCount"] } }, UUID)).toEqual({
      uuid: UUID,
      metrics: ["EventCount"],
    });
    expect(eventSourceMetricsSettings({ metrics_config: [{ metrics: ["EventCount"] }] }, UUID)).toEqual({
      uuid: UUID,
      metrics: ["EventCount"],
    });
    expect(eventSourceMetricsSettings({}, UUID)).toEqual({ uuid: UUID, metrics: undefined });
  });
});
