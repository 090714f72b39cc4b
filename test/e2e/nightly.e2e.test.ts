/**
 * The nightly path, locally, end to end: a stack synthesized with a short schedule
 * (`rate(1 minute)`) runs on the emulator; the local spike's reports go to the reports bucket,
 * then the schedule fires the spike generator's own Lambda bundle (its synthesized environment
 * pointed at the local servers, S3 over TLS included), which runs a judged spike, stores its
 * JSON and HTML report, updates the history and the trend page and publishes its heartbeat.
 * The missing-run alarm is quiet at the end of the run and fires when the alarms are evaluated
 * as of three hours later (the heartbeat has stopped by then).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline } from "cdktf-genesys-consumer";
import { runLocalStack, type LocalRunResult } from "../../lib/local/run";
import { parseHistory } from "../../lib/runtime/loadgen/report-store";
import type { ControllerResult } from "../../lib/runtime/loadgen/lambda";
import type { SpikeProfileInput } from "../../lib/runtime/loadgen/profile";
import { DEMO_WORKER_ENTRY } from "./helpers/stacks";

/**
 * Small enough that a run fits in the minute between two firings (synth refuses overlapping
 * runs): 2 s of traffic, one attempt per message with a 2 s timeout, a 15 s reconciliation
 * deadline (the pipeline's derived one, with maxReceiveCount 5 and a 1 s backoff, is longer
 * and is used).
 */
const TINY: SpikeProfileInput = {
  name: "nightly-tiny",
  phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 2 }],
  conversations: 5,
  sending: { requestTimeoutSeconds: 2, retry: { maxAttempts: 1 } },
  reconcile: { deadlineSeconds: 15, pollIntervalSeconds: 0.5 },
  slo: { ackP99Ms: 5000, endToEndP99Ms: 60_000, minAcceptedRatio: 0.99 },
};
const HOUR = 3_600_000;

describe("the nightly path runs locally", () => {
  const outdir = mkdtempSync(join(tmpdir(), "gcx-nightly-synth-"));
  const reportDir = mkdtempSync(join(tmpdir(), "gcx-nightly-reports-"));
  let result: LocalRunResult;
  let generator: { functionName: string; bucket: string };

  beforeAll(async () => {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "nightly");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const pipeline = new ConsumerPipeline(stack, "messaging", {
      worker: {
        entry: DEMO_WORKER_ENTRY,
        maxConcurrency: 5,
        downstreamRequestsPerMinute: 600,
        backoffBaseSeconds: 0,
        backoffMaxSeconds: 1,
      },
      ingress: { path: "genesys/webhook" },
      queue: { maxReceiveCount: 5 },
      alarms: {},
      spikeGenerator: { scheduleExpression: "rate(1 minute)", profile: TINY, timeoutSeconds: 300, runName: "nightly-local" },
    });
    app.synth();
    const spike = pipeline.spikeGenerator!;
    expect(spike.missingRunAlarmShape).toMatchObject({ evaluationPeriods: 2, longestGapSeconds: 60 });
    generator = { functionName: spike.functionName, bucket: "" };
    result = await runLocalStack({
      stack: join(outdir, "stacks", "nightly"),
      profile: TINY,
      reportDir,
      html: false,
      schedules: { firings: 1, maxWaitMs: 90_000 },
      alarmsAsOfMs: 3 * HOUR,
    });
    generator.bucket = Object.keys(result.emulator.nightly!.s3!.buckets)[0];
  }, 240_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(reportDir, { recursive: true, force: true });
  });

  it("the schedule fired the generator's function with the target's input, asynchronously, once", () => {
    const nightly = result.emulator.nightly!;
    expect(nightly.firings).toHaveLength(1);
    expect(nightly.firings[0]).toMatchObject({ input: { role: "controller" } });
    expect(nightly.firings[0].targetArn).toContain(`:function:${generator.functionName}`);
    expect(nightly.asyncInvocations).toHaveLength(1);
    const invocation = nightly.asyncInvocations[0];
    expect(invocation).toMatchObject({ functionName: generator.functionName, attempts: 1 });
    if (!invocation.result.ok)
      throw new Error(`the scheduled run failed: ${invocation.result.errorType}: ${invocation.result.errorMessage}`);
  });

  it("the scheduled run stored its report, and the history holds the local spike and the scheduled run", () => {
    const invocation = result.emulator.nightly!.asyncInvocations[0];
    const payload = (invocation.result as { payload: ControllerResult }).payload;
    expect(payload.stored?.jsonKey).toMatch(new RegExp(`^spike-reports/nightly-local/\\d{4}/\\d{2}/\\d{2}/${payload.runId}/spike\\.json$`));
    const keys = result.emulator.nightly!.s3!.buckets[generator.bucket];
    expect(keys).toEqual(
      expect.arrayContaining([
        payload.stored!.jsonKey,
        payload.stored!.htmlKey,
        "spike-reports/nightly-local/history.json",
        "spike-reports/nightly-local/history.html",
      ]),
    );
    expect(keys).toContain(result.emulator.nightly!.storedLocalSpike!.jsonKey);
    // read back from the server's data directory: the objects persist for the next local run
    expect(keys.filter((k) => k.endsWith("/spike.json"))).toHaveLength(2);
    expect(payload.delivery).toMatchObject({ reconciled: true, lost: 0 });
  });

  it("the history index lists both runs in order", async () => {
    const { startS3Server } = await import("../../lib/local/s3-server");
    const again = await startS3Server({
      buckets: [{ name: generator.bucket, denyInsecureTransport: true, blockPublicAcls: true, aclsDisabled: true }],
      dataDir: join(reportDir, "s3"),
    });
    try {
      const history = parseHistory(again.read(generator.bucket, "spike-reports/nightly-local/history.json")!, "history.json");
      const payload = (result.emulator.nightly!.asyncInvocations[0].result as { payload: ControllerResult }).payload;
      expect(history.runs.map((r) => r.runId)).toEqual([result.spike.runId, payload.runId]);
      expect(history.runs[1]).toMatchObject({ verdict: payload.verdict.verdict, reconciled: true, lost: 0 });
    } finally {
      await again.close();
    }
  });

  it("the heartbeat keeps the missing-run alarm quiet at the end of the run; three hours later it fires", () => {
    const byMetric = (alarms: typeof result.emulator.alarms, metric: string) =>
      alarms.find((a) => a.metric.includes(` ${metric} {RunName=nightly-local}`));
    const atEnd = byMetric(result.emulator.alarms, "RunCompleted");
    expect(atEnd).toMatchObject({
      state: "quiet",
      metric: expect.stringContaining("RunCompleted"),
      evaluationPeriods: 2,
      periodSeconds: 3600,
    });
    const later = result.emulator.nightly!.alarmsAsOf!;
    expect(later.asOfMs).toBeGreaterThan(Date.now() + 2 * HOUR);
    expect(byMetric(later.alarms, "RunCompleted")).toMatchObject({ state: "would-fire", periods: expect.arrayContaining([undefined]) });
    // the FAIL alarm treats missing data as not breaching: the same silence does not fire it
    expect(byMetric(later.alarms, "SpikeVerdictFailed")).toMatchObject({ state: "quiet" });
  });
});
