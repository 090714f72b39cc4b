import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import {
  createLoadgenHandler,
  decodeHistogram,
  lambdaBudgetProblems,
  parseProfile,
  VERDICT_METRIC,
  type AgentEvent,
  type ControllerResult,
  type IngressPart,
} from "../../../lib/runtime/loadgen";
import { loadgenEnvironment } from "cdktf-genesys-consumer/runtime";
import { LOCAL_AWS, startDynamo, startSqs } from "../../helpers/local-servers";
import { createReceiptsTable, startReceiptsTarget } from "./receipts-target";
import { startTarget } from "./target";

const SECRET = "fan-out-signing-secret-42";
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let sqs: Awaited<ReturnType<typeof startSqs>>;
const saved = { ...process.env };

beforeAll(async () => {
  dynamo = await startDynamo();
  sqs = await startSqs();
  // the handler's clients use the SDK defaults: point them at the local servers the standard way
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  });
});
afterAll(async () => {
  process.env = saved;
  await dynamo.close();
  await sqs.close();
});

test("the controller fans out above one agent's capacity, starts agents together, merges histograms and counts, reconciles and publishes the verdict", async () => {
  // Prepare
  const ddb = dynamo.client();
  const sqsClient = sqs.client();
  await createReceiptsTable(ddb, "receipts-fanout");
  const quarantineUrl = (await sqsClient.send(new CreateQueueCommand({ QueueName: "quarantine-fanout" }))).QueueUrl!;
  const dlqUrl = (await sqsClient.send(new CreateQueueCommand({ QueueName: "dlq-fanout" }))).QueueUrl!;
  const target = await startReceiptsTarget({ ddb, tableName: "receipts-fanout", secret: SECRET, sqs: sqsClient, quarantineUrl });
  const profile = {
    name: "fan-out",
    phases: [{ type: "constant", ratePerSecond: 30, durationSeconds: 2 }],
    faults: { poison: { fraction: 0.05 } },
    reconcile: { deadlineSeconds: 20, pollIntervalSeconds: 0.2 },
  };
  const env = loadgenEnvironment({
    targetUrl: target.url,
    signatureSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing",
    receiptsTable: "receipts-fanout",
    dlqUrl,
    quarantineQueueUrl: quarantineUrl,
    profile: JSON.stringify(profile),
    agentCapacityPerSecond: 10,
    runName: "nightly-test",
  });
  const assignments: AgentEvent["assignment"][] = [];
  const lines: string[] = [];
  const agentHandler = createLoadgenHandler({ env, readSecret: async () => SECRET, log: () => undefined });
  const controller = createLoadgenHandler({
    env,
    readSecret: async (arn) => {
      expect(arn).toBe("arn:aws:secretsmanager:us-east-1:123456789012:secret:signing");
      return SECRET;
    },
    // the Lambda payload round trip, without Lambda
    invokeAgent: async (event) => {
      assignments.push(event.assignment);
      const payload = JSON.parse(JSON.stringify(event)) as AgentEvent;
      return JSON.parse(JSON.stringify(await agentHandler(payload))) as IngressPart;
    },
    startBarrierMs: 300,
    log: (line) => lines.push(line),
  });

  // Act
  const report = (await controller({}, { functionName: "loadgen" })) as ControllerResult;
  await Promise.all(target.writes);
  await target.close();

  // Assess: three agents (30/s over 10/s each), one start barrier, disjoint shares
  expect(assignments.map((a) => [a.agentIndex, a.agentCount])).toEqual([
    [0, 3],
    [1, 3],
    [2, 3],
  ]);
  expect(new Set(assignments.map((a) => a.startAtMs)).size).toBe(1);
  expect(new Set(assignments.map((a) => a.runId)).size).toBe(1);
  expect(report.agents).toBe(3);
  const seqs = target.arrivals.map((a) => JSON.parse(a.body)["x-synthetic"].seq as number).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i));
  // every arrival left at or after the shared start
  for (const a of target.arrivals) expect(a.epochMs).toBeGreaterThanOrEqual(assignments[0].startAtMs);
  expect(report.counts).toMatchObject({ offered: 60, accepted: 60, firstAttemptAccepted: 60 });
  expect(report.latency.ack.count).toBe(60);
  expect(report.delivery).toMatchObject({ reconciled: true, accepted: 60, lost: 0, duplicateSideEffects: 0, deadLetteredUnexpected: 0 });
  const d = report.delivery as Extract<ControllerResult["delivery"], { reconciled: true }>;
  // Which messages are poison is drawn per (runId, seq) at the profile's 5 %: count them from what was sent.
  const poison = new Set(
    target.arrivals
      .filter((a) => JSON.parse(a.body)["x-synthetic"].fault?.kind === "poison")
      .map((a) => JSON.parse(a.body)["x-synthetic"].seq as number),
  ).size;
  expect(d.deadLetteredExpected).toBe(poison);
  expect(d.processed).toBe(60 - poison);
  expect(d.quarantineDrained).toBe(poison);
  expect(report.timeline.delivered!.reduce((a, b) => a + b, 0)).toBe(60 - poison);
  expect(report.verdict.verdict).toBe("PASS");
  // the EMF record with the verdict metric
  const emf = JSON.parse(lines[0]);
  expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "GenesysConsumer/Spike", Dimensions: [["RunName"]] });
  expect(emf._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: VERDICT_METRIC, Unit: "Count" });
  expect(emf).toMatchObject({ RunName: "nightly-test", [VERDICT_METRIC]: 0, Offered: 60, Lost: 0, verdict: "PASS" });
  expect(lines[1]).toMatch(/VERDICT: PASS/);
  ddb.destroy();
  sqsClient.destroy();
});

test("in a fan-out, an agent that loses an abortOnFail threshold on its share stops sending; the merged report says which agent and why, and is reconciled", async () => {
  // Prepare: 2 agents (20/s over 10/s each) for 5 s; the target answers 429 to agent 1's share (odd seqs)
  const ddb = dynamo.client();
  await createReceiptsTable(ddb, "receipts-fanout-abort");
  const target = await startReceiptsTarget({
    ddb,
    tableName: "receipts-fanout-abort",
    secret: SECRET,
    reject: (seq) => (seq % 2 === 1 ? 429 : undefined),
  });
  const profile = {
    name: "fan-out-abort",
    phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 5 }],
    sending: { retry: { maxAttempts: 1 } },
    reconcile: { deadlineSeconds: 20, pollIntervalSeconds: 0.2 },
    slo: { thresholds: [{ expr: "rate(status.429) < 0.2", abortOnFail: true, delayAbortEvalSeconds: 1 }] },
  };
  const env = loadgenEnvironment({
    targetUrl: target.url,
    signatureSecretArn: "arn:x",
    receiptsTable: "receipts-fanout-abort",
    profile: JSON.stringify(profile),
    agentCapacityPerSecond: 10,
  });
  const agentHandler = createLoadgenHandler({ env, readSecret: async () => SECRET, log: () => undefined });
  const parts: IngressPart[] = [];
  const lines: string[] = [];
  const controller = createLoadgenHandler({
    env,
    readSecret: async () => SECRET,
    invokeAgent: async (event) => {
      const part = JSON.parse(JSON.stringify(await agentHandler(JSON.parse(JSON.stringify(event)) as AgentEvent))) as IngressPart;
      parts.push(part);
      return part;
    },
    startBarrierMs: 300,
    log: (line) => lines.push(line),
  });

  // Act
  const report = (await controller({}, { functionName: "loadgen" })) as ControllerResult;
  await Promise.all(target.writes);
  await target.close();

  // Assess: agent 1 stopped after the grace period, agent 0 sent its whole share
  const byIndex = new Map(parts.map((p) => [p.agentIndex, p]));
  expect(byIndex.get(1)!.aborted).toMatchObject({ agentIndex: 1, threshold: "rate(status.429) < 0.2" });
  expect(byIndex.get(1)!.aborted!.elapsedSeconds).toBeGreaterThanOrEqual(1);
  expect(byIndex.get(1)!.counts.offered).toBeLessThan(40);
  expect(byIndex.get(0)!.aborted).toBeUndefined();
  expect(byIndex.get(0)!.counts.offered).toBe(50);
  // the merged report: aborted, by agent 1, why; the verdict says so; what was accepted is reconciled
  expect(report.aborted).toMatchObject({ agentIndex: 1, threshold: "rate(status.429) < 0.2" });
  expect(report.aborted!.agents).toEqual([expect.objectContaining({ agentIndex: 1, threshold: "rate(status.429) < 0.2" })]);
  expect(report.verdict.verdict).toBe("FAIL");
  expect(report.verdict.reasons[0]).toMatch(/^aborted by agent 1 at .*rate\(status\.429\) < 0\.2/);
  expect(report.delivery).toMatchObject({ reconciled: true, accepted: 50, processed: 50, lost: 0 });
  expect(lines.join("\n")).toMatch(/ABORTED by agent 1 of 2 at/);
  ddb.destroy();
});

test("an agent's share merges exactly: the controller's ack histogram holds every agent's samples", async () => {
  const target = await startTarget();
  const env = loadgenEnvironment({
    targetUrl: target.url,
    signatureSecretArn: "arn:x",
    profile: JSON.stringify({ phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 1 }] }),
  });
  const agent = createLoadgenHandler({ env, readSecret: async () => SECRET });
  const profile = parseProfile({ phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 1 }] });
  const startAtMs = Date.now() + 100;
  const parts = (await Promise.all(
    [0, 1].map((agentIndex) => agent({ role: "agent", assignment: { runId: "r-merge", profile, agentIndex, agentCount: 2, startAtMs } })),
  )) as IngressPart[];
  await target.close();
  expect(parts.map((p) => p.counts.offered)).toEqual([10, 10]);
  expect(parts.map((p) => decodeHistogram(p.histograms.ackUs).totalCount)).toEqual([10, 10]);
});

test("a profile that cannot fit in Lambda's 15 minutes is refused before any traffic", async () => {
  const target = await startTarget();
  const long = { phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 880 }], reconcile: { deadlineSeconds: 300 } };
  expect(lambdaBudgetProblems(parseProfile(long)).join("\n")).toMatch(/an agent would need \d+ s .* over Lambda's 900 s/);
  const env = loadgenEnvironment({ targetUrl: target.url, signatureSecretArn: "arn:x", profile: JSON.stringify(long) });
  const handler = createLoadgenHandler({ env, readSecret: async () => SECRET, log: () => undefined });
  await expect(handler({})).rejects.toThrow(/does not fit in Lambda/);
  expect(target.arrivals).toHaveLength(0);
  await target.close();
});

test("a bad environment names the variable", async () => {
  const handler = createLoadgenHandler({ env: { GCX_TARGET_URL: "not a url" }, readSecret: async () => SECRET });
  await expect(handler({})).rejects.toThrow(
    /GCX_TARGET_URL="not a url" is invalid[\s\S]*GCX_SIGNATURE_SECRET_ARN is missing[\s\S]*GCX_PROFILE is missing/,
  );
});
