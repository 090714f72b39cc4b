/**
 * A run aborted mid-way by an `abortOnFail` threshold: a local target accepts the first
 * messages (writing the worker's receipt for each, against dynalite) and then answers 429.
 * The sending stops after the grace period, the report says why (verdict, `aborted` in the
 * JSON, the summary, the HTML), and what was accepted is still reconciled: nothing is lost.
 */
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { readSyntheticMarker, receiptUpdate } from "cdktf-genesys-consumer/runtime";
import { renderHtmlReport, renderSummary, runIngress, runSpike, parseProfile, abortWatcher } from "../../../lib/runtime/loadgen";
import { LOCAL_AWS, startDynamo } from "../../helpers/local-servers";
import { createReceiptsTable } from "./receipts-target";
import { startTarget, type Target } from "./target";

const SECRET = "abort-secret-0123456789";
/** 20 messages a second for 5 s (100 planned); 429s are final (one attempt) to keep the run short. */
const PROFILE = {
  name: "abort",
  phases: [{ type: "constant" as const, ratePerSecond: 20, durationSeconds: 5 }],
  sending: { retry: { maxAttempts: 1 } },
  reconcile: { deadlineSeconds: 20, pollIntervalSeconds: 0.2 },
  slo: { ackP99Ms: 5000, thresholds: [{ expr: "rate(status.429) < 0.2", abortOnFail: true, delayAbortEvalSeconds: 1 }, "lost == 0"] },
};

let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let target: Target | undefined;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
afterEach(async () => {
  await target?.close();
  target = undefined;
});

test("runIngress stops offering when the abort hook answers, and lists the rest as not accepted", async () => {
  target = await startTarget((_a, i) => (i < 5 ? { status: 202 } : { status: 429 }));
  const profile = parseProfile(PROFILE);
  const part = await runIngress({
    targetUrl: target.url,
    secret: SECRET,
    profile,
    runId: "r-abort-ingress",
    abortWhen: abortWatcher(profile.slo.thresholds),
  });
  expect(part.aborted).toMatchObject({ threshold: "rate(status.429) < 0.2" });
  expect(part.aborted!.elapsedSeconds).toBeGreaterThanOrEqual(1);
  expect(part.aborted!.elapsedSeconds).toBeLessThan(2.5);
  expect(part.aborted!.value).toBeGreaterThanOrEqual(0.2);
  // well short of the 100 planned; every arrival not accepted is listed for reconciliation
  expect(part.counts.offered).toBeLessThan(60);
  expect(part.counts.accepted).toBe(5);
  expect(part.notAccepted).toHaveLength(100 - 5);
});

test("a run aborted mid-way reports why (verdict, JSON, summary, HTML) and still reconciles what was accepted", async () => {
  const ddb = dynamo.client();
  const table = "receipts-abort";
  await createReceiptsTable(ddb, table);
  const doc = DynamoDBDocumentClient.from(ddb);
  const writes: Promise<unknown>[] = [];
  // Prepare: the first 10 requests are accepted and processed (receipt written); then 429
  target = await startTarget((arrival, i) => {
    if (i >= 10) return { status: 429 };
    const marker = readSyntheticMarker(JSON.parse(arrival.body))!;
    const now = Date.now();
    writes.push(
      doc.send(
        new UpdateCommand(
          receiptUpdate(table, {
            runId: marker.runId,
            seq: marker.seq,
            outcome: "processed",
            attempts: 1,
            firstReceiveMs: now,
            doneMs: now + 5,
            effect: true,
            ttl: Math.floor(now / 1000) + 3600,
          }) as never,
        ),
      ),
    );
    return { status: 200 };
  });

  // Act
  const began = Date.now();
  const report = await runSpike({
    targetUrl: target.url,
    secret: SECRET,
    profile: PROFILE,
    runId: "run-abort-1",
    receipts: { tableName: table, endpoint: dynamo.endpoint, ...LOCAL_AWS },
  });
  await Promise.all(writes);

  // Assess: stopped after the 1 s grace period, well before the 5 s plan ended
  expect(Date.now() - began).toBeLessThan(15_000);
  expect(report.aborted).toMatchObject({ threshold: "rate(status.429) < 0.2", at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  expect(report.aborted!.elapsedSeconds).toBeGreaterThanOrEqual(1);
  expect(report.aborted!.value).toBeGreaterThanOrEqual(0.2);
  expect(report.counts.offered).toBeLessThan(report.planned);
  expect(report.verdict.verdict).toBe("FAIL");
  // why it stopped comes first; the 429s also cost the accepted ratio
  expect(report.verdict.reasons).toEqual([
    expect.stringMatching(
      /^aborted at [\d.]+ s \(.*\): threshold "rate\(status\.429\) < 0\.2" failed while sending \(value 0\.\d{4}\) with abortOnFail/,
    ),
    expect.stringMatching(/^accepted ratio [\d.]+ is below 0\.999 \(10 of \d+ offered\)/),
  ]);
  expect(report.verdict.checks.find((c) => c.name === "rate(status.429) < 0.2")).toMatchObject({
    status: "fail",
    detail: expect.stringContaining("sending aborted"),
  });
  // the reconcile part is done: the 10 accepted are all processed, nothing lost or unaccounted
  expect(report.counts.accepted).toBe(10);
  expect(report.delivery).toMatchObject({ reconciled: true, complete: true, accepted: 10, processed: 10, lost: 0 });
  expect(report.verdict.checks.find((c) => c.name === "lost == 0")).toMatchObject({ status: "pass", actual: 0 });
  // the JSON report carries it; the summary and the HTML say it
  expect(JSON.parse(JSON.stringify(report)).aborted).toEqual(report.aborted);
  expect(renderSummary(report)).toMatch(/ABORTED at [\d.]+ s .*threshold "rate\(status\.429\) < 0\.2" failed while sending/);
  const html = renderHtmlReport(report);
  expect(html).toContain('<section id="aborted"><h2>Aborted mid-way</h2>');
  expect(html).toContain("<code>rate(status.429) &lt; 0.2</code>");
});
