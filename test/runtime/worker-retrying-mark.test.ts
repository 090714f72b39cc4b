/**
 * The worker marks a synthetic message it puts back for a retry on its receipt item
 * (attempt n of maxReceiveCount, when the next attempt is due), without an outcome and
 * without counting a delivery, so the load generator can report it "in flight" at its
 * deadline instead of lost; the outcome written later is not hidden by the mark.
 */
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createWorker, RetryableError } from "cdktf-genesys-consumer/runtime";
import { createPipeline, deliver, enqueue, quietObservability, startBench, syntheticMessage, type Bench } from "./worker-harness";

let bench: Bench;
beforeAll(async () => {
  bench = await startBench();
});
afterAll(async () => {
  await bench.close();
});

test("a synthetic message put back is marked retrying with its attempt; the outcome written after it stands", async () => {
  // Prepare: a poison message, maxReceiveCount 3, no backoff delay
  const pipeline = await createPipeline(bench, { maxReceiveCount: 3, backoffBaseSeconds: 0 });
  const { logger, metrics } = quietObservability();
  const handler = createWorker(
    { handle: async () => undefined },
    {
      contract: pipeline.contract,
      sqs: bench.sqs,
      dynamodb: bench.dynamodb,
      secretsManager: bench.secretsManager,
      logger,
      metrics,
      random: () => 0.5,
    },
  );
  const runId = `run-mark-${Date.now()}`;
  await enqueue(bench, pipeline, syntheticMessage({ runId, seq: 4, plannedSendMs: Date.now(), fault: { kind: "poison" } }));
  const documents = DynamoDBDocumentClient.from(bench.dynamodb);
  const item = async () =>
    (await documents.send(new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq: 4 } }))).Item;

  // Act / Assess: attempt 1 fails and is put back
  const before = Date.now();
  expect((await deliver(bench, pipeline, handler)).response.batchItemFailures).toHaveLength(1);
  const first = await item();
  expect(first).toMatchObject({ runId, seq: 4, retryAttempt: 1, retryOf: 3, otherFailures: 0 });
  expect(first?.outcome).toBeUndefined();
  expect(first?.deliveries).toBeUndefined();
  expect(first?.nextAttemptAtMs).toBeGreaterThanOrEqual(before);

  // attempt 2 fails too: the mark moves on
  expect((await deliver(bench, pipeline, handler)).response.batchItemFailures).toHaveLength(1);
  expect(await item()).toMatchObject({ retryAttempt: 2, retryOf: 3 });

  // attempt 3 is the last: dead-lettered, the outcome recorded once
  expect((await deliver(bench, pipeline, handler)).response.batchItemFailures).toEqual([]);
  expect(await item()).toMatchObject({ outcome: "dead-lettered", reason: "exhausted", attempts: 3, deliveries: 1, retryAttempt: 2 });
});

test("a retry caused by something else than the message's own fault is counted apart (otherFailures), so its marker's timing is not judged", async () => {
  // Prepare: a synthetic message without a fault whose synthetic path fails once (as an idempotency-store outage would)
  const pipeline = await createPipeline(bench, { maxReceiveCount: 3, backoffBaseSeconds: 0 });
  const { logger, metrics } = quietObservability();
  let calls = 0;
  const handler = createWorker(
    {
      handle: async () => undefined,
      handleSynthetic: async () => {
        if (calls++ === 0) throw new RetryableError("the store is unavailable");
      },
    },
    {
      contract: pipeline.contract,
      sqs: bench.sqs,
      dynamodb: bench.dynamodb,
      secretsManager: bench.secretsManager,
      logger,
      metrics,
      random: () => 0.5,
    },
  );
  const runId = `run-other-${Date.now()}`;
  await enqueue(bench, pipeline, syntheticMessage({ runId, seq: 7, plannedSendMs: Date.now() }));
  const documents = DynamoDBDocumentClient.from(bench.dynamodb);

  // Act
  expect((await deliver(bench, pipeline, handler)).response.batchItemFailures).toHaveLength(1);

  // Assess
  const item = (await documents.send(new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq: 7 } }))).Item;
  expect(item).toMatchObject({ retryAttempt: 1, otherFailures: 1 });
});
