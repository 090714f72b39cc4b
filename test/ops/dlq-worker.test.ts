/**
 * The DLQ operations on dead letters written by the real worker (createWorker against local
 * SQS, DynamoDB, Secrets Manager): inspect reads the worker's context, the full redrive runs
 * SQS's message move task, and the worker processes the redriven messages once the cause is
 * fixed, while a forged message forced back is dead-lettered again.
 */
import { createWorker, PermanentError, type NormalizedMessage } from "cdktf-genesys-consumer/runtime";
import { inspectDlq, redriveAll } from "../../lib/ops/dlq";
import { RefusedError } from "../../lib/ops/errors";
import { createPipeline, deliver, enqueue, outboundMessage, quietObservability, startBench, type Bench } from "../runtime/worker-harness";

describe("DLQ operations on the worker's own dead letters", () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench.close();
  });

  it("inspect shows the worker's reasons, the move task redrives them, and the fixed worker processes each once", async () => {
    // Prepare: a handler that fails permanently until it is fixed.
    const pipeline = await createPipeline(bench);
    let fixed = false;
    const handled: string[] = [];
    const { logger, metrics } = quietObservability();
    const handler = createWorker(
      {
        handle: async (m: NormalizedMessage) => {
          if (!fixed) throw new PermanentError("CRM rejects the customer id");
          handled.push(m.id);
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
    const bodies = [outboundMessage(), outboundMessage(), outboundMessage()];
    for (const body of bodies) await enqueue(bench, pipeline, body);
    await enqueue(bench, pipeline, outboundMessage({ text: "forged" }), { secret: "not-the-webhook-secret-at-all" });
    const first = await deliver(bench, pipeline, handler);
    expect(first.messages).toHaveLength(4);

    // Act 1: look at what the worker dead-lettered.
    const seen = await inspectDlq(bench.sqs, { queue: pipeline.dlqUrl, waitTimeSeconds: 0 });

    // Assess 1
    expect(seen.countsByReason).toStrictEqual({ permanent: 3, "invalid-signature": 1 });
    for (const m of seen.messages)
      expect(m).toMatchObject({
        sourceQueueArn: pipeline.queueArn,
        attempts: 1,
        orderingKey: "73cb7fb7-c2db-4996-88f3-0a83a4fea1da:customer-42@acme-chat",
      });
    expect(seen.messages.find((m) => m.reason === "permanent")).toMatchObject({
      errorName: "PermanentError",
      errorMessage: "CRM rejects the customer id",
    });

    // Act 2: refused while a forged message is in the DLQ; after the fix, forced.
    await expect(redriveAll(bench.sqs, { queue: pipeline.dlqUrl, waitTimeSeconds: 0 })).rejects.toThrow(RefusedError);
    fixed = true;
    const moved = await redriveAll(bench.sqs, { queue: pipeline.dlqUrl, force: true, pollIntervalMs: 250, waitTimeSeconds: 0 });
    const second = await deliver(bench, pipeline, handler);

    // Assess 2: the three genuine messages processed once each; the forged one is back in the DLQ.
    expect(moved).toMatchObject({ status: "COMPLETED", moved: 4, destination: pipeline.queueArn });
    expect(second.messages).toHaveLength(4);
    expect(second.response.batchItemFailures).toStrictEqual([]);
    expect(handled.sort()).toStrictEqual(bodies.map((b) => b.id as string).sort());
    const after = await inspectDlq(bench.sqs, { queue: pipeline.dlqUrl, waitTimeSeconds: 0 });
    expect(after.countsByReason).toStrictEqual({ "invalid-signature": 1 });
  });
});
