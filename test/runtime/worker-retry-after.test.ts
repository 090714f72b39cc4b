/**
 * A 429 with Retry-After 7 from the downstream leaves the message invisible for at least
 * 7 s: read back from the queue (receive finds nothing before 7 s, finds it after).
 */
import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { createWorker, RetryableError, WORKER_METRICS } from "cdktf-genesys-consumer/runtime";
import {
  createPipeline,
  deliver,
  enqueue,
  outboundMessage,
  quietObservability,
  receive,
  sleep,
  startBench,
  type Bench,
} from "./worker-harness";

describe("Retry-After honoured through the queue", () => {
  let bench: Bench;
  beforeAll(async () => {
    // One call accepted, then 429 with Retry-After 7 for a long while.
    bench = await startBench({ ratePerSecond: 0.001, burst: 1, retryAfterSeconds: 7 });
  });
  afterAll(async () => {
    await bench.close();
  });

  it("keeps a throttled message invisible for >= 7 s, then delivers it again", async () => {
    // Prepare
    const pipeline = await createPipeline(bench, { backoffBaseSeconds: 1, backoffMaxSeconds: 900 });
    const { logger, metrics } = quietObservability();
    const addMetric = jest.spyOn(metrics, "addMetric");
    const handler = createWorker(
      {
        async handle(m, ctx) {
          await ctx.genesys.sendReceipt(m.channel.id as string, { id: m.id, status: "Delivered" });
        },
      },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: bench.dynamodb,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        concurrency: 1,
        random: () => 0,
      },
    );
    await enqueue(bench, pipeline, outboundMessage());
    await enqueue(bench, pipeline, outboundMessage());

    // Act
    const { response } = await deliver(bench, pipeline, handler);
    const failedAt = Date.now();
    let seenAfterMs: number | undefined;
    while (Date.now() - failedAt < 9000) {
      const messages = await receive(bench, pipeline.queueUrl);
      if (messages.length) {
        seenAfterMs = Date.now() - failedAt;
        expect(messages[0].Attributes?.ApproximateReceiveCount).toBe("2");
        break;
      }
      await sleep(250);
    }

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(bench.genesys.stats()).toMatchObject({ accepted: 1, throttled: 1 });
    expect(addMetric.mock.calls.filter(([n]) => n === WORKER_METRICS.throttled)).toHaveLength(1);
    expect(seenAfterMs).toBeDefined();
    expect(seenAfterMs).toBeGreaterThanOrEqual(6900);
  }, 20_000);

  it("keeps a 12-hour Retry-After within the visibility SQS still allows the received message", async () => {
    // Prepare: the cap raised to SQS's maximum, and a handler asking for exactly that.
    const pipeline = await createPipeline(bench, { backoffBaseSeconds: 1, backoffMaxSeconds: 43_200 });
    const { logger, metrics } = quietObservability();
    const send = jest.spyOn(bench.sqs, "send");
    const handler = createWorker(
      {
        async handle() {
          throw new RetryableError("come back tomorrow", { retryAfterSeconds: 43_200 });
        },
      },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: bench.dynamodb,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        random: () => 0,
      },
    );
    await enqueue(bench, pipeline, outboundMessage());

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess: 12 h counted from the receive, which may have been a batching window (300 s) and a minute before.
    const visibility = send.mock.calls
      .map(([c]) => c as unknown)
      .filter((c): c is ChangeMessageVisibilityCommand => c instanceof ChangeMessageVisibilityCommand);
    send.mockRestore();
    expect(response.batchItemFailures).toHaveLength(1);
    expect(visibility).toHaveLength(1);
    const delay = visibility[0].input.VisibilityTimeout as number;
    expect(delay).toBeLessThanOrEqual(43_200 - 360); // less each second the invocation has run
    expect(delay).toBeGreaterThanOrEqual(43_200 - 360 - 5);
  });
});
