/**
 * The idempotency table unreachable right after the side effect: the worker keeps trying to
 * record the completion within the invocation's time, so the redelivery does not run the
 * handler again (the duplicate side effect the fault suite observed before this existed).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createWorker, type NormalizedMessage } from "cdktf-genesys-consumer/runtime";
import { startTcpProxy, type TcpProxy } from "../e2e/helpers/tcp-proxy";
import { LOCAL_AWS } from "../helpers/local-servers";
import { toSqsRecord } from "../../lib/local/sqs-records";
import {
  createPipeline,
  deliver,
  enqueue,
  lambdaContext,
  outboundMessage,
  quietObservability,
  receive,
  REGION,
  sleep,
  startBench,
  syntheticMessage,
  type Bench,
} from "./worker-harness";

type UpdateItemInput = { TableName?: string; UpdateExpression?: string };

/**
 * A DynamoDB client without SDK retries whose UpdateItem calls fail where `fault` says: refused
 * before reaching the table, or applied by the table with the reply lost (a cut connection).
 */
function faultyDynamo(endpoint: string, fault: (input: UpdateItemInput) => "refuse" | "lose the reply" | undefined): DynamoDBClient {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const kind = context.commandName === "UpdateItemCommand" ? fault(args.input as UpdateItemInput) : undefined;
      if (kind === "refuse") throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      const result = await next(args);
      if (kind === "lose the reply") throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
      return result;
    },
    { step: "build", name: "injectUpdateItemFault" },
  );
  return client;
}

describe("worker: idempotency table briefly unreachable after the side effect", () => {
  let bench: Bench;
  let proxy: TcpProxy;
  let viaProxy: DynamoDBClient;

  beforeAll(async () => {
    bench = await startBench();
    proxy = await startTcpProxy(bench.endpoints.dynamodb);
    // No SDK retries: the completion retry under test is the worker's own.
    viaProxy = new DynamoDBClient({ ...LOCAL_AWS, endpoint: proxy.endpoint, maxAttempts: 1 });
  });
  afterAll(async () => {
    viaProxy.destroy();
    await proxy.close();
    await bench.close();
  });

  it("records the completion once the table is back, and a redelivery does not run the handler again", async () => {
    // Prepare: the handler's side effect is followed by a 1.5 s outage of the table.
    const pipeline = await createPipeline(bench);
    const effects: string[] = [];
    let outage: Promise<void> | undefined;
    const { logger, metrics } = quietObservability();
    const handler = createWorker(
      {
        async handle(m: NormalizedMessage) {
          effects.push(m.id);
          outage = proxy.outage(1500);
        },
      },
      { contract: pipeline.contract, sqs: bench.sqs, dynamodb: viaProxy, secretsManager: bench.secretsManager, logger, metrics },
    );
    const body = outboundMessage();
    await enqueue(bench, pipeline, body);

    // Act: the first delivery outlives the outage; then the same message arrives again.
    const first = await deliver(bench, pipeline, handler);
    await outage;
    await enqueue(bench, pipeline, body);
    const second = await deliver(bench, pipeline, handler);

    // Assess
    expect(proxy.stats.outages).toBe(1);
    expect(proxy.stats.cut + proxy.stats.connections).toBeGreaterThan(0);
    expect(first.response.batchItemFailures).toEqual([]);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(effects).toEqual([body.id]);
  });

  it("gives up when the invocation runs out of time, leaving the message to be retried (at-least-once)", async () => {
    // Prepare: an outage longer than the invocation has left.
    const pipeline = await createPipeline(bench);
    let outage: Promise<void> | undefined;
    const { logger, metrics } = quietObservability();
    const handler = createWorker(
      {
        async handle() {
          outage = proxy.outage(4000);
        },
      },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: viaProxy,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        timeoutMarginMs: 500,
      },
    );
    await enqueue(bench, pipeline, outboundMessage());
    const started = Date.now();

    // Act: a context with 2.5 s left.
    const received = await receive(bench, pipeline.queueUrl);
    const response = await handler({ Records: received.map((m) => toSqsRecord(m, pipeline.queueArn, REGION)) }, lambdaContext(2500));
    const tookMs = Date.now() - started;
    await outage;
    await sleep(10);

    // Assess: failed back to the queue, within the invocation's time.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(received.map((m) => m.MessageId));
    expect(tookMs).toBeLessThan(2500);
  });

  it("writes the receipt of a synthetic dead letter once the table is back, so the generator does not count it lost", async () => {
    // Prepare: the last allowed attempt (maxReceiveCount 1) meets a 1.5 s outage of the table.
    const pipeline = await createPipeline(bench, { maxReceiveCount: 1 });
    const { logger, metrics } = quietObservability();
    const handler = createWorker(
      { async handle() {} },
      { contract: pipeline.contract, sqs: bench.sqs, dynamodb: viaProxy, secretsManager: bench.secretsManager, logger, metrics },
    );
    const runId = `outage-${Date.now()}`;
    await enqueue(bench, pipeline, syntheticMessage({ runId, seq: 3, plannedSendMs: Date.now(), fault: { kind: "poison" } }));

    // Act
    const outage = proxy.outage(1500);
    const { response } = await deliver(bench, pipeline, handler);
    await outage;

    // Assess: dead-lettered (deleted from the queue) and its receipt written.
    expect(response.batchItemFailures).toEqual([]);
    const documents = DynamoDBDocumentClient.from(bench.dynamodb);
    const receipt = (await documents.send(new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq: 3 } }))).Item;
    expect(receipt).toMatchObject({ outcome: "dead-lettered", deliveries: 1 });
  });

  it("counts a synthetic effect in its receipt even when its completion cannot be recorded, so a repeat shows as a duplicate effect", async () => {
    // Prepare: every completion UpdateItem on the idempotency table fails; the in-progress PutItem and the receipts work.
    const pipeline = await createPipeline(bench);
    let refused = 0;
    const flaky = faultyDynamo(bench.endpoints.dynamodb, (input) => {
      if (input.TableName !== pipeline.contract.idempotencyTable) return undefined;
      refused += 1;
      return "refuse";
    });
    const { logger, metrics } = quietObservability();
    const handler = createWorker(
      { async handle() {} },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: flaky,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        timeoutMarginMs: 500,
      },
    );
    const runId = `no-completion-${Date.now()}`;
    await enqueue(bench, pipeline, syntheticMessage({ runId, seq: 9, plannedSendMs: Date.now() }));

    // Act: 2.5 s left, so the completion is retried for about 1 s, then the record is put back.
    const received = await receive(bench, pipeline.queueUrl);
    const response = await handler({ Records: received.map((m) => toSqsRecord(m, pipeline.queueArn, REGION)) }, lambdaContext(2500));
    flaky.destroy();

    // Assess: back on the queue, and the effect that ran is on record.
    expect(refused).toBeGreaterThan(1);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(received.map((m) => m.MessageId));
    const documents = DynamoDBDocumentClient.from(bench.dynamodb);
    const receipt = (await documents.send(new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq: 9 } }))).Item;
    expect(receipt).toMatchObject({ outcome: "processed", deliveries: 1, effects: 1 });
  });

  it("counts a receipt once when its write committed but the reply was lost and the worker retried it", async () => {
    // Prepare: a client whose first receipt UpdateItem reaches dynalite, then fails as a cut connection would.
    const pipeline = await createPipeline(bench);
    let lost = 0;
    const lossy = faultyDynamo(bench.endpoints.dynamodb, (input) => {
      if (!input.UpdateExpression?.includes("#writes") || lost > 0) return undefined;
      lost += 1;
      return "lose the reply";
    });
    const { logger, metrics } = quietObservability();
    const handler = createWorker(
      { async handle() {} },
      { contract: pipeline.contract, sqs: bench.sqs, dynamodb: lossy, secretsManager: bench.secretsManager, logger, metrics },
    );
    const runId = `lost-reply-${Date.now()}`;
    await enqueue(bench, pipeline, syntheticMessage({ runId, seq: 8, plannedSendMs: Date.now() }));

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess: retried once, applied once.
    lossy.destroy();
    expect(lost).toBe(1);
    expect(response.batchItemFailures).toEqual([]);
    const documents = DynamoDBDocumentClient.from(bench.dynamodb);
    const receipt = (await documents.send(new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq: 8 } }))).Item;
    expect(receipt).toMatchObject({ outcome: "processed", deliveries: 1, effects: 1 });
    expect((receipt?.writes as Set<string>).size).toBe(1);
  });
});
