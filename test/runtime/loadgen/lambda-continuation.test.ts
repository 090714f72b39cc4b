/**
 * A reconciliation longer than one invocation: the controller stops before its end, keeps the
 * continuation in the reports bucket and invokes itself (Event) with `{ role: "reconcile" }`;
 * that invocation resumes, chains again while messages are unresolved, and the final one
 * judges, stores the report, updates the history and emits the heartbeat (once).
 */
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { receiptUpdate } from "cdktf-genesys-consumer/runtime";
import {
  CONTINUATION_MARGIN_MS,
  createLoadgenHandler,
  HEARTBEAT_METRIC,
  type ContinuedResult,
  type ControllerResult,
  type ReconcileEvent,
} from "../../../lib/runtime/loadgen";
import { loadgenEnvironment } from "../../../lib/runtime/contract";
import { memoryObjectStore, parseHistory } from "../../../lib/runtime/loadgen/report-store";
import { LOCAL_AWS, startDynamo } from "../../helpers/local-servers";
import { createReceiptsTable, startReceiptsTarget } from "./receipts-target";

const SECRET = "continuation-secret-0123456789";
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
const saved = { ...process.env };
beforeAll(async () => {
  dynamo = await startDynamo();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  });
});
afterAll(async () => {
  process.env = saved;
  await dynamo.close();
});

test("the controller hands over near its end; the reconcile invocations chain, then judge and store once", async () => {
  const ddb = dynamo.client();
  await createReceiptsTable(ddb, "receipts-continuation");
  const late = new Set([0, 1]);
  const target = await startReceiptsTarget({ ddb, tableName: "receipts-continuation", secret: SECRET, lose: late });
  const objects = new Map<string, string>();
  const store = memoryObjectStore(objects);
  const chained: ReconcileEvent[] = [];
  const lines: string[] = [];
  const env = loadgenEnvironment({
    targetUrl: target.url,
    signatureSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s",
    receiptsTable: "receipts-continuation",
    profile: JSON.stringify({
      name: "long",
      phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }],
      reconcile: { deadlineSeconds: 120, pollIntervalSeconds: 0.2 },
    }),
    runName: "nightly-long",
    reportsBucket: "reports",
    functionName: "spike-fn",
  });
  const handler = createLoadgenHandler({
    env,
    readSecret: async () => SECRET,
    log: (l) => lines.push(l),
    reportStore: store,
    invokeSelfAsync: async (e) => void chained.push(e),
    minReconcileSliceMs: 1000,
  });
  // each invocation has 1.5 s left before its margin
  const shortLived = { functionName: "spike-fn", getRemainingTimeInMillis: () => CONTINUATION_MARGIN_MS + 1500 };
  try {
    const first = (await handler({ role: "controller", runId: "long-run" }, shortLived)) as ContinuedResult;
    expect(first).toMatchObject({
      continued: true,
      runId: "long-run",
      continuationKey: "spike-reports/nightly-long/continuations/long-run.json",
    });
    expect(first.progress.accounted).toBeLessThan(first.progress.accepted);
    expect(chained).toEqual([{ role: "reconcile", continuationKey: first.continuationKey }]);
    expect(JSON.parse(objects.get(first.continuationKey)!)).toMatchObject({ version: 1, runId: "long-run", invocations: 1 });
    expect(lines.some((l) => l.includes(HEARTBEAT_METRIC))).toBe(false);

    // still unresolved: it chains again
    const second = (await handler(chained[0], shortLived)) as ContinuedResult;
    expect(second.continued).toBe(true);
    expect(chained).toHaveLength(2);
    expect(JSON.parse(objects.get(second.continuationKey)!).invocations).toBe(2);

    // the worker finishes the late messages; the next invocation judges and keeps the report
    const doc = DynamoDBDocumentClient.from(ddb);
    for (const seq of late) {
      const now = Date.now();
      await doc.send(
        new UpdateCommand(
          receiptUpdate("receipts-continuation", {
            runId: "long-run",
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
    const final = (await handler(chained[1], shortLived)) as ControllerResult;
    expect(final.delivery).toMatchObject({ reconciled: true, lost: 0 });
    expect(final.stored?.jsonKey).toMatch(/^spike-reports\/nightly-long\/\d{4}\/\d{2}\/\d{2}\/long-run\/spike\.json$/);
    expect(parseHistory(objects.get("spike-reports/nightly-long/history.json")!, "h").runs.map((r) => r.runId)).toEqual(["long-run"]);
    expect(lines.filter((l) => l.includes(`"${HEARTBEAT_METRIC}":1`))).toHaveLength(1);
    expect(chained).toHaveLength(2);
  } finally {
    await target.close();
  }
}, 60_000);

test("a reconcile invocation whose continuation is gone fails naming the key", async () => {
  const env = loadgenEnvironment({
    targetUrl: "http://127.0.0.1:1/x",
    signatureSecretArn: "arn:s",
    profile: "{}",
    reportsBucket: "reports",
  });
  const store = memoryObjectStore();
  const handler = createLoadgenHandler({ env, readSecret: async () => "s", log: () => undefined, reportStore: store });
  await expect(handler({ role: "reconcile", continuationKey: "spike-reports/x/continuations/r.json" })).rejects.toThrow(
    /continuation spike-reports\/x\/continuations\/r.json is not in s3:\/\/reports\//,
  );
});

test("an invocation left no reconcile slice before the margin (a 60 s function) is refused, not chained", async () => {
  const objects = new Map<string, string>();
  const chained: ReconcileEvent[] = [];
  const env = loadgenEnvironment({
    targetUrl: "http://127.0.0.1:9/unused",
    signatureSecretArn: "arn:s",
    profile: JSON.stringify({ name: "p", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] }),
    runName: "n",
    reportsBucket: "reports",
    functionName: "fn",
  });
  const handler = createLoadgenHandler({
    env,
    readSecret: async () => SECRET,
    log: () => undefined,
    reportStore: memoryObjectStore(objects),
    invokeSelfAsync: async (e) => void chained.push(e),
  });
  const sixtySeconds = { functionName: "fn", getRemainingTimeInMillis: () => 60_000 };
  await expect(handler({ role: "controller", runId: "run-60" }, sixtySeconds)).rejects.toThrow(
    /keeps 60000 ms to hand a long reconciliation over and needs at least 60000 ms to reconcile first; raise the function's timeout \(SpikeGenerator timeoutSeconds\) to at least 120/,
  );
  objects.set("spike-reports/n/continuations/run-60.json", "{}");
  await expect(handler({ role: "reconcile", continuationKey: "spike-reports/n/continuations/run-60.json" }, sixtySeconds)).rejects.toThrow(
    /at least 120/,
  );
  expect(chained).toEqual([]);
});
