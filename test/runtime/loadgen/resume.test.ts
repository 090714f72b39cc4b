/**
 * A reconciliation longer than one Lambda invocation: `reconcileStopAtMs` stops it with a
 * JSON continuation in `pending`, `resumeSpike` takes it up (in "another process": only the
 * JSON crosses), and a message still being retried at the deadline is reported in flight with
 * its attempt, next to lost, and fails the verdict.
 */
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { receiptUpdate, retryingMarkUpdate } from "cdktf-genesys-consumer/runtime";
import { resumeSpike, runSpike, type SpikeContinuation } from "../../../lib/runtime/loadgen";
import { LOCAL_AWS, startDynamo } from "../../helpers/local-servers";
import { createReceiptsTable, startReceiptsTarget } from "./receipts-target";

let dynamo: Awaited<ReturnType<typeof startDynamo>>;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const SECRET = "resume-secret-0123456789";
/** 20 messages in one second, no faults; the verdict's latency bounds are generous. */
const profile = (deadlineSeconds: number) => ({
  name: "resume",
  phases: [{ type: "constant" as const, ratePerSecond: 20, durationSeconds: 1 }],
  reconcile: { deadlineSeconds, pollIntervalSeconds: 0.2 },
  slo: { ackP99Ms: 5000 },
});

async function setUp(table: string, lose: number[]) {
  const ddb = dynamo.client();
  await createReceiptsTable(ddb, table);
  const target = await startReceiptsTarget({ ddb, tableName: table, secret: SECRET, lose: new Set(lose) });
  const doc = DynamoDBDocumentClient.from(ddb);
  const receipts = { tableName: table, endpoint: dynamo.endpoint, ...LOCAL_AWS };
  return { ddb, target, doc, receipts };
}

test("a reconciliation stopped at reconcileStopAtMs returns `pending`; resumeSpike continues it from the JSON and judges", async () => {
  // Prepare: seqs 3 and 7 get no receipt yet (still being processed when the invocation ends)
  const { ddb, target, doc, receipts } = await setUp("receipts-resume", [3, 7]);
  const runId = "run-resume-1";

  // Act: stop reconciling 1.5 s after the start, long before the 60 s deadline
  const began = Date.now();
  const first = await runSpike({
    targetUrl: target.url,
    secret: SECRET,
    profile: profile(60),
    runId,
    receipts,
    reconcileStopAtMs: Date.now() + 2500,
  });
  await Promise.all(target.writes);

  // Assess: not a result: pending, FAIL "not finished", nothing reconciled yet
  expect(Date.now() - began).toBeLessThan(15_000);
  expect(first.pending).toBeDefined();
  expect(first.pending!.progress).toEqual({ accounted: 18, accepted: 20, inFlight: 0 });
  expect(first.verdict.verdict).toBe("FAIL");
  expect(first.verdict.reasons).toEqual([
    expect.stringMatching(/^not finished: reconciliation stopped at the invocation's end with 2 of 20 accepted message\(s\) unresolved/),
  ]);
  expect(first.delivery).toMatchObject({ reconciled: false, reason: expect.stringContaining("continues in another invocation (18 of 20") });

  // the two messages are processed while no invocation runs
  const now = Date.now();
  for (const seq of [3, 7]) {
    await doc.send(
      new UpdateCommand(
        receiptUpdate(receipts.tableName, {
          runId,
          seq,
          outcome: "processed",
          attempts: 1,
          firstReceiveMs: now,
          doneMs: now,
          effect: true,
          ttl: Math.floor(now / 1000) + 3600,
        }) as never,
      ),
    );
  }
  const stored = JSON.parse(JSON.stringify(first.pending)) as SpikeContinuation;
  const final = await resumeSpike(stored, { receipts, reconcileStopAtMs: Date.now() + 30_000 });

  // Assess: the final report, PASS, with the ingress side of the first invocation
  expect(final.pending).toBeUndefined();
  expect(final.verdict).toMatchObject({ verdict: "PASS", reasons: [] });
  expect(final.delivery).toMatchObject({ reconciled: true, accepted: 20, processed: 20, lost: 0, inFlight: 0, complete: true });
  expect(final.counts.accepted).toBe(20);
  expect(final.latency.ack.count).toBe(20);
  expect(final.runId).toBe(runId);
  expect(final.reconcileDeadline).toMatchObject({ deadlineSeconds: 60, basis: "profile" });
  expect(final.machine?.cores).toBeGreaterThan(0);
  expect(final.machine?.loadAverageStart).toHaveLength(3);
  await target.close();
  ddb.destroy();
}, 60_000);

test("a message the worker is still retrying at the deadline is reported in flight with its attempt, next to lost, and fails the verdict", async () => {
  // Prepare: seq 4 is lost (no trace); seq 9 has only the worker's retrying mark (attempt 8 of 10)
  const { ddb, target, doc, receipts } = await setUp("receipts-in-flight", [4, 9]);
  const runId = "run-in-flight";
  const now = Date.now();
  const mark = (attempt: number) =>
    doc.send(
      new UpdateCommand(
        retryingMarkUpdate(receipts.tableName, {
          runId,
          seq: 9,
          attempt,
          maxAttempts: 10,
          firstReceiveMs: now,
          nextAttemptAtMs: now + attempt * 10_000,
          ttl: Math.floor(now / 1000) + 3600,
          faultInjected: true,
        }) as never,
      ),
    );
  let marks: Promise<unknown> | undefined;

  // Act: a 2 s deadline; the worker's marks are written while the spike is sent (the run id must be new before it)
  const report = await runSpike({
    targetUrl: target.url,
    secret: SECRET,
    profile: profile(2),
    runId,
    receipts,
    onProgress: () => {
      marks ??= (async () => {
        await mark(7);
        await mark(8);
        // a late mark of an earlier attempt does not go back
        await expect(mark(6)).rejects.toThrow(/conditional/i);
      })();
    },
  });
  await Promise.all(target.writes);
  await marks;

  // Assess
  expect(report.delivery).toMatchObject({
    reconciled: true,
    lost: 1,
    lostSeqs: [4],
    inFlight: 1,
    inFlightSamples: [{ seq: 9, attempt: 8, maxAttempts: 10, nextAttemptAtMs: now + 80_000 }],
    complete: false,
  });
  expect(report.verdict.verdict).toBe("FAIL");
  expect(report.verdict.reasons).toEqual([
    "1 accepted message(s) lost (neither processed nor dead-lettered by the deadline, never seen retrying)",
    expect.stringContaining(
      "1 accepted message(s) still in flight at the deadline (being retried, not resolved: seq 9: in flight, attempt 8 of 10)",
    ),
  ]);
  // a retrying mark never counts as a delivery
  expect((report.delivery as { processed: number }).processed).toBe(18);

  // the outcome written after the mark resolves it, and a later mark does not hide it
  await doc.send(
    new UpdateCommand(
      receiptUpdate(receipts.tableName, {
        runId,
        seq: 9,
        outcome: "dead-lettered",
        reason: "exhausted",
        attempts: 10,
        firstReceiveMs: now,
        doneMs: Date.now(),
        effect: false,
        ttl: Math.floor(now / 1000) + 3600,
      }) as never,
    ),
  );
  await expect(mark(9)).rejects.toThrow(/conditional/i);
  await target.close();
  ddb.destroy();
}, 60_000);
