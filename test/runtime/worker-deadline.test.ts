/**
 * A downstream that hangs cannot hold a batch until Lambda ends the invocation: calls are cut
 * at the invocation's deadline (less timeoutMarginMs), the record goes back on the queue, and
 * the rest of the batch is reported as it is.
 */
import { createWorker, InvocationDeadlineError } from "cdktf-genesys-consumer/runtime";
import {
  REGION,
  createPipeline,
  enqueue,
  lambdaContext,
  outboundMessage,
  quietObservability,
  receive,
  startBench,
  type Bench,
} from "./worker-harness";
import { toSqsRecord } from "../../lib/local/sqs-records";

describe("downstream calls bounded by the invocation's time", () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench.close();
  });

  it("cuts a hanging call before the invocation ends and reports only that record failed", async () => {
    // Prepare: one message whose handling hangs on a downstream, one that does not
    const pipeline = await createPipeline(bench);
    const { logger, metrics } = quietObservability();
    const errors: unknown[] = [];
    const handler = createWorker(
      {
        async handle(m, ctx) {
          if (m.text !== "hang") return;
          try {
            await ctx
              .downstream("crm")
              .call((signal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))));
          } catch (error) {
            errors.push(error);
            throw error;
          }
        },
      },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: bench.dynamodb,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        timeoutMarginMs: 1_000,
        random: () => 0,
      },
    );
    const hangId = await enqueue(bench, pipeline, outboundMessage({ text: "hang" }));
    await enqueue(bench, pipeline, outboundMessage({ text: "quick" }));
    const messages = await receive(bench, pipeline.queueUrl, 10);
    expect(messages).toHaveLength(2);

    // Act: 1.6 s left: the call starts (more than timeoutMarginMs left) and is cut 0.5 s before
    // the end, after about 1.1 s (the Downstream's own timeout is 10 s)
    const began = Date.now();
    const response = await handler({ Records: messages.map((m) => toSqsRecord(m, pipeline.queueArn, REGION)) }, lambdaContext(1_600));
    const tookMs = Date.now() - began;

    // Assess
    expect(tookMs).toBeLessThan(1_600);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvocationDeadlineError);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: hangId }]);
  });
});
